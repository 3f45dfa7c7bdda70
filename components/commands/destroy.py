"""`destroy`: `scripts/pulumi destroy`, then what it removed and kept, and the next step.

Pulumi's own summary counts resources ("2 deleted"). This reads the state first, runs
the destroy, and then says per host which modules went, which files in the module
directory stay (nixedge never removes what it did not write), which hostnames were
unpublished, and what the host needs before its next rebuild: its configuration still
imports the now empty module directory.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from components.commands.common import add_command, run_to_the_end
from components.commands.status import export_state
from components.commands.status_state import host_resources, stack_outputs
from components.errors import HostError
from components.host.manifest import MANIFEST
from components.host.plan import join
from components.host.target import location, make_transport


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "destroy",
        "remove a stack's modules, tunnel routes and records, then say what went, what stayed and what is next",
        "  .venv/bin/nixedge destroy --stack dev --yes",
        "  0  destroyed\n  1  scripts/pulumi destroy failed (its output says why; nothing is summarised)\n"
        "  2  an error (no state for the stack)\n"
        "  130  interrupted (Ctrl-C): scripts/pulumi destroy stopped as Pulumi cancels; run the command again",
    )
    parser.add_argument("--stack", "-s", default="dev", help="the stack to destroy (default: dev)")
    parser.add_argument("--yes", "-y", action="store_true", help="destroy without asking")
    parser.set_defaults(run=run)


def _left(outputs: dict[str, Any]) -> tuple[str, list[str], list[str]]:
    """Where the host's modules were, the state's modules still there, and the other files."""
    target = dict(outputs.get("target") or {})
    files = sorted((outputs.get("files") or {}).keys())
    transport, root = make_transport(target)
    with transport:
        found = transport.read_files([join(root, rel) for rel in files])
        others = _listing(root) if target.get("transport", "local") == "local" else []
    still = [rel for rel in files if found[join(root, rel)] is not None]
    return location(target, root), still, sorted(set(others) - set(files) - {MANIFEST})


def _listing(root: str) -> list[str]:
    """Every file below a local module directory."""
    base = Path(root)
    return [p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file()] if base.is_dir() else []


def summary(before: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for outputs in host_resources(before):
        host = str(outputs.get("host", "?"))
        files = sorted((outputs.get("files") or {}).keys())
        try:
            path, still, kept = _left(outputs)
        except HostError as exc:
            lines += [f"{host}: could not look at the module directory afterwards: {exc}"]
            continue
        gone = [rel for rel in files if rel not in still]
        lines += [
            f"{host}: removed {len(gone)} module(s) from {path}: {', '.join(gone) or 'none'}",
            f"  kept (nixedge did not write them): {', '.join(kept) or 'nothing else was there'}",
        ]
        if still:
            lines.append(f"  still there (run destroy again): {', '.join(still)}")
        lines.append(
            f"  Next step on {host}: remove `./nixedge` from `imports = [ ./nixedge ]` in its configuration.nix "
            "before the next nixos-rebuild (the directory no longer holds the modules it imports); the "
            "containers keep running until that rebuild."
        )
    routes = dict(stack_outputs(before).get("routes") or {})
    if routes and stack_outputs(before).get("tunnelId"):
        lines.append(f"Unpublished: {', '.join(sorted(routes))} (ingress rules and DNS records removed)")
    elif routes:
        lines.append(f"Hostnames no longer routed by the host's cloudflared: {', '.join(sorted(routes))}")
    return lines


def run(args: argparse.Namespace) -> int:
    before = export_state(args.stack)
    argv = ["scripts/pulumi", "destroy", "--stack", args.stack] + (["--yes", "--non-interactive"] if args.yes else [])
    if run_to_the_end(argv).returncode != 0:
        return 1
    print("\n".join(["", *summary(before)]))
    return 0
