"""`check`: validate a stack and print what it describes, for reviewers and CI."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import replace

from components.commands.common import EXITS_PLAIN, add_command, add_json_arg, add_stack_args, load_site
from components.commands.salt import shared_salt
from components.errors import ConfigError, Issue, NixedgeError
from components.model import ResolvedSite
from components.model.checks.report import parts_of
from components.model.hosts import ResolvedHosts
from components.stackfile.read import read_stack, stack_path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "check",
        "validate a stack config and print its containers and routes",
        "  .venv/bin/nixedge check --stack dev\n"
        "  .venv/bin/nixedge check --config stacks/Pulumi.seminar.yaml --json | jq .hosts\n"
        "  .venv/bin/nixedge check --stack dev --json | jq -r '.errors[] | \"\\(.line): \\(.key) \\(.message)\"'",
        EXITS_PLAIN + "; with --json, an error in the stack file is in the JSON on stdout",
    )
    add_stack_args(parser)
    add_json_arg(parser)
    parser.set_defaults(run=run)


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def summary(site: ResolvedSite) -> str:
    rows = [["CONTAINER", "APP", "HOST ADDRESS", "LOCAL ADDRESS", "USER", "UID", "GID"]]
    for c in site.containers:
        mark = " (allocated)" if c.addresses_allocated else ""
        local = (c.local_address or "-") + mark
        rows.append([c.name, c.app, c.host_address or "-", local, c.user.name, str(c.user.uid), str(c.user.gid)])
    out = [f"Host {site.host}, network {site.subnet}: {len(site.containers)} container(s)", _table(rows)]
    if site.podman is not None:
        oci = [["OCI CONTAINER", "IMAGE", "ADDRESS", "USER", "UID", "GID"]]
        for o in site.oci_containers:
            address = o.address + (" (allocated)" if o.address_allocated else "")
            user = (o.user.name, str(o.user.uid), str(o.user.gid)) if o.user else ("(image's)", "-", "-")
            oci.append([o.name, o.image, address, *user])
        head = f"Podman network {site.podman.name} {site.podman.subnet}: {len(site.oci_containers)} OCI container(s)"
        out += ["", head, _table(oci)]
    if site.routes:
        routes = [["HOSTNAME", "ORIGIN", "SERVED BY"]] + [
            [r.hostname, r.service, r.container if r.kind == "container" else f"{r.container} ({r.kind})"]
            for r in site.routes
        ]
        tunnel = site.tunnel
        assert tunnel is not None  # routes exist only with a tunnel
        out += [
            "",
            (
                f"Tunnel {tunnel.name} ({tunnel.ingress} ingress): {len(site.routes)} route(s), "
                f"catch-all {tunnel.catch_all}"
            ),
            _table(routes),
        ]
    return "\n".join(out)


def host_json(site: ResolvedSite) -> dict[str, object]:
    """What the table of one host shows, as data."""
    tunnel = site.tunnel
    return {
        "host": site.host,
        "subnet": site.subnet,
        "containers": [
            {"name": c.name, "app": c.app, "hostAddress": c.host_address, "localAddress": c.local_address,
             "addressesAllocated": c.addresses_allocated, "user": c.user.name, "uid": c.user.uid, "gid": c.user.gid}
            for c in site.containers
        ],
        "ociContainers": [
            {"name": o.name, "image": o.image, "address": o.address, "user": o.user.name if o.user else None,
             "uid": o.user.uid if o.user else None, "gid": o.user.gid if o.user else None}
            for o in site.oci_containers
        ],
        "tunnel": None if tunnel is None else {"name": tunnel.name, "ingress": tunnel.ingress,
                                               "catchAll": tunnel.catch_all,
                                               "publishIssues": [str(i) for i in tunnel.publish_issues]},
        "routes": [{"hostname": r.hostname, "origin": r.service, "container": r.container, "kind": r.kind}
                   for r in site.routes],
    }  # fmt: skip


def run(args: argparse.Namespace) -> int:
    if args.json:
        return _run_json(args)
    site = load_site(args)
    copied = _copied_salt(args)
    if copied:
        print(f"warning: {copied}", file=sys.stderr)
    if not site.site:
        print(summary(site.hosts[0]))
    else:
        routes = sum(len(h.routes) for h in site.hosts)
        print(f"Site of {len(site.hosts)} hosts ({', '.join(site.names)}): {routes} route(s) in all")
        for host in site.hosts:
            print(f"\n{summary(host)}")
    _refused_by_publishing(site)
    return 0


def _copied_salt(args: argparse.Namespace) -> str | None:
    return shared_salt(args.config if args.config is not None else stack_path(args.stack or "dev"))


def _run_json(args: argparse.Namespace) -> int:
    """One JSON document on stdout whatever happens: `ok`, the errors (each with its key
    and line) and the warnings, and for a valid stack what the table shows. Exit codes
    as without --json."""
    copied = _copied_salt(args)
    warnings: list[dict[str, object]] = [{"key": "encryptionsalt", "line": None, "message": copied}] if copied else []
    try:
        site = load_site(args, quiet=True)
    except NixedgeError as exc:
        errors = [_error_json(i, exc.source) for i in exc.issues] if isinstance(exc, ConfigError) else [
            {"key": exc.key, "line": None, "message": str(exc).split("\n  Hint: ")[0], "hint": exc.hint}
        ]  # fmt: skip
        print(json.dumps({"ok": False, "errors": errors, "warnings": warnings}, indent=2))
        return 2
    lines = read_stack(args.config if args.config is not None else stack_path(args.stack or "dev")).line
    warnings += [_warning_json(w, lines) for w in site.warnings]
    warnings += [
        {**_error_json(replace(issue, line=_line(issue.loc, lines)), None), "message": f"{issue.message}; {REFUSED}"}
        for host in site.hosts
        if host.tunnel
        for issue in host.tunnel.publish_issues
    ]
    hosts = [host_json(h) for h in site.hosts]
    print(json.dumps({"ok": True, "errors": [], "warnings": warnings, "site": site.site, "hosts": hosts}, indent=2))
    return 0


REFUSED = "`scripts/pulumi preview` and `up` refuse the stack until it is filled in"


def _error_json(issue: Issue, source: str | None) -> dict[str, object]:
    """An issue as data: its key (None for the file itself), its line, its words."""
    key = issue.loc if parts_of(issue.loc) is not None else None
    line = issue.line
    if line is None and key is None:  # a YAML error says its line in its words
        found = re.search(r"\bat line (\d+)", issue.message)
        line = int(found.group(1)) if found else None
    out: dict[str, object] = {"key": key, "line": line, "message": issue.message, "hint": issue.hint}
    if key is None and source is not None:
        out["file"] = source
    return out


def _line(key: str, lines: Callable[[tuple[int | str, ...]], int | None]) -> int | None:
    parts = parts_of(key)
    return lines(parts) if parts is not None else None


def _warning_json(warning: str, lines: Callable[[tuple[int | str, ...]], int | None]) -> dict[str, object]:
    key, _, message = warning.partition(": ")
    return {"key": key, "line": _line(key, lines), "message": message}


def _refused_by_publishing(site: ResolvedHosts) -> None:
    """What preview and up refuse in a valid stack (the shipped example stacks keep
    `<...>` Cloudflare ids: valid to review, not to deploy), after what it follows."""
    refused = [issue for host in site.hosts if host.tunnel for issue in host.tunnel.publish_issues]
    if not refused:
        return
    sys.stdout.flush()
    listed = "\n".join(f"  {line}" for issue in refused for line in str(issue).splitlines())
    print(f"warning: `scripts/pulumi preview` and `up` refuse this stack until these are filled in:\n{listed}",
          file=sys.stderr)  # fmt: skip
