"""`status`: what each host runs, whether it still matches the state, and which
hostnames are live.

Reads the state with `scripts/pulumi stack export` (or `--state FILE`, an export saved
before), each host's module directory (as `up` reaches it), and with
CLOUDFLARE_API_TOKEN the tunnel, its connections, ingress rules and DNS records from
the Cloudflare API. Changes nothing anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from components.commands.cloudflare_api import CloudflareApi
from components.commands.common import add_command, add_json_arg, add_stack_args, load_site, run_to_the_end
from components.commands.status_state import (
    HostnameStatus,
    HostStatus,
    TunnelStatus,
    activation_line,
    as_json,
    failed_line,
    host_resources,
    host_status,
    hostname_status,
    stack_outputs,
)
from components.errors import NixedgeError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "status",
        "show per host the deployed modules against the state, the last activation, and the hostnames' DNS "
        "and tunnel rules",
        "  .venv/bin/nixedge status --stack dev\n"
        "  CLOUDFLARE_API_TOKEN=... .venv/bin/nixedge status --stack seminar   also the tunnel's live status and DNS\n"
        "  .venv/bin/nixedge status --stack dev --json | jq '.hosts[].files'",
        "  0  every host holds what the state says, and every checked hostname points where the stack says\n"
        "  1  drift: a module edited or deleted on the host, a hostname that points elsewhere, or a module\n"
        "     directory another stack took over (`.venv/bin/nixedge handover`), or a last activation that failed\n"
        "  2  an error (a bad stack file, a state that cannot be read, a host that cannot be read)",
    )
    add_stack_args(parser)
    add_json_arg(parser)
    parser.add_argument("--state", type=Path, default=None, help="read this `stack export` file instead of the state")
    parser.set_defaults(run=run)


def _stack_name(args: argparse.Namespace) -> str:
    if args.stack:
        return str(args.stack)
    if args.config is not None:
        return str(args.config.name).removeprefix("Pulumi.").removesuffix(".yaml")
    return "dev"


CHECKOUT = Path(__file__).resolve().parents[2]
"""The checkout this nixedge runs from: its scripts/pulumi reads the state, from any
working directory (as `check` finds stacks/)."""


def export_state(stack: str, *, missing_ok: bool = False) -> dict[str, Any] | None:
    """`scripts/pulumi stack export --stack <stack>`, run in the checkout. None for a
    stack never deployed (the backend has no stack of that name) when `missing_ok`."""
    wrapper = CHECKOUT / "scripts/pulumi"
    if not wrapper.exists():
        raise NixedgeError(f"status reads the state with scripts/pulumi, and {wrapper} is missing")
    proc = run_to_the_end([str(wrapper), "stack", "export", "--stack", stack], capture=True, cwd=CHECKOUT)
    if proc.returncode != 0 and missing_ok and f"no stack named '{stack}' found" in proc.stderr:
        return None
    if proc.returncode != 0:
        raise NixedgeError(
            f"no state to compare with for stack {stack}: `scripts/pulumi stack export --stack {stack}` said:\n"
            f"{proc.stderr.strip()}\n  Hint: deploy it first with `scripts/pulumi up --stack {stack} --yes`"
        )
    data = json.loads(proc.stdout)
    return data if isinstance(data, dict) else {}


def _host_lines(h: HostStatus, stack: str) -> list[str]:
    out = [f"Host {h.host}: {h.path}"]
    if h.error:
        return [*out, f"  could not be read: {h.error}"]
    width = max([len(rel) for rel in h.files] + [4])
    out += [f"  {'FILE'.ljust(width)}  STATE"] + [f"  {rel.ljust(width)}  {how}" for rel, how in h.files.items()]
    if h.owner:
        out.append(
            f"  The directory belongs to stack {h.owner} now (handed over with "
            f"`.venv/bin/nixedge handover --stack {h.owner}`): its files are {h.owner}'s, not drift, "
            f"and `scripts/pulumi up --stack {stack}` refuses it. To take it back: "
            f".venv/bin/nixedge handover --stack {stack}, then scripts/pulumi up --stack {stack} --yes"
        )
    if h.drifted:
        out.append(
            f"  Drift in {len(h.drifted)} file(s): {', '.join(h.drifted)}. Repair (writes the state's modules "
            f"back and activates): scripts/pulumi up --stack {stack} --refresh --yes"
        )
    if h.failed:
        out.append(f"  Last activation: {failed_line(h.failed, stack)}")
        out.append(f"  Last completed update: {activation_line(h.activation)}")
    else:
        out.append(f"  Last activation: {activation_line(h.activation)}")
    return out


def _hostname_lines(tunnel: TunnelStatus, rows: list[HostnameStatus]) -> list[str]:
    out = [f"Tunnel {tunnel.name} ({tunnel.ingress} ingress): {tunnel.live}"]
    if not rows:
        return out
    table = [["HOSTNAME", "ORIGIN", "DNS", "TUNNEL RULE"]] + [[r.hostname, r.origin, r.dns, r.rule] for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    out += ["  " + "  ".join([*(c.ljust(w) for c, w in zip(row[:3], widths, strict=True)), row[3]]) for row in table]
    return out


def run(args: argparse.Namespace) -> int:
    site = load_site(args)
    stack = _stack_name(args)
    export = json.loads(args.state.read_text()) if args.state is not None else export_state(stack, missing_ok=True)
    never = export is None  # a stack never deployed: a normal state, nothing on any host yet
    export = export or {}
    os.chdir(CHECKOUT)  # a relative host.target.path starts there, as for the program
    outputs = stack_outputs(export)
    api = CloudflareApi.from_env()
    hosts = [host_status(o, stack) for o in host_resources(export)]
    edges = []
    listed = {h.host for h in hosts}  # the hosts the state has (their files are listed above)
    for one in site.hosts:
        per_host = (outputs.get("hosts") or {}).get(one.host, {}) if site.site else outputs
        edges.append(hostname_status(one, per_host, api, deployed=one.host in listed))
    drift = any(h.drifted for h in hosts) or any(r.ok is False for _, rows in edges for r in rows)
    updated = None if never else str(((export.get("deployment") or {}).get("manifest") or {}).get("time", "unknown"))
    if args.json:
        body = {
            "stack": stack, "updated": updated, "drift": drift,
            "hosts": [{**as_json(h), "drifted": h.drifted,
                       "lastActivation": failed_line(h.failed, stack) if h.failed else activation_line(h.activation)}
                      for h in hosts],
            "tunnels": [{**as_json(t), "hostnames": [as_json(r) for r in rows]} for t, rows in edges if t],
        }  # fmt: skip
        print(json.dumps(body, indent=2))
    else:
        lines = [f"Stack {stack}: " + (f"last update {updated}" if updated else "never deployed (no state yet)")]
        if not hosts:
            lines.append(f"No host in the state yet: deploy with `scripts/pulumi up --stack {stack} --yes`")
        for h in hosts:
            lines += ["", *_host_lines(h, stack)]
        for tunnel, rows in edges:
            if tunnel is not None:
                lines += ["", *_hostname_lines(tunnel, rows)]
        print("\n".join(lines))
    if any(h.error for h in hosts):
        return 2
    return 1 if drift or any(h.owner or h.failed for h in hosts) else 0
