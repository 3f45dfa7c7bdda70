"""`destroy`: `scripts/pulumi destroy`, then what it removed and kept, and the next step.

Pulumi's own summary counts resources ("2 deleted"). This reads the state first, runs
the destroy, and then says per host which modules went, which files in the module
directory stay (nixedge never removes what it did not write), which hostnames were
unpublished, and what the host needs before its next rebuild: its configuration still
imports the now empty module directory.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from components.commands.common import add_command, run_to_the_end
from components.commands.status import CHECKOUT, export_state
from components.commands.status_state import host_resources, stack_outputs
from components.errors import HostError
from components.host.manifest import MANIFEST
from components.host.ownership import Owner, foreign_owner, manifest_owner
from components.host.plan import join
from components.host.target import location, make_transport


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "destroy",
        "remove a stack's modules, tunnel routes and records, then say what went, what stayed and what is next",
        "  .venv/bin/nixedge destroy --stack dev --yes",
        "  0  destroyed\n  1  scripts/pulumi destroy failed (its output says why; nothing is summarised)\n"
        "  2  an error (no state for the stack, or no --yes where there is no terminal to ask on)\n"
        "  130  interrupted (Ctrl-C): scripts/pulumi destroy stopped as Pulumi cancels; run the command again",
    )
    parser.add_argument("--stack", "-s", default="dev", help="the stack to destroy (default: dev)")
    parser.add_argument("--yes", "-y", action="store_true", help="destroy without asking")
    parser.set_defaults(run=run)


@dataclass
class _Left:
    """A host's module directory after the destroy."""

    path: str
    root: str
    still: list[str]  # the state's modules still there
    kept: list[str]  # the other files (local targets only)
    owner: Owner | None  # the owner its manifest names now (None: no manifest left, or none named)


def _left(outputs: dict[str, Any]) -> _Left:
    target = dict(outputs.get("target") or {})
    files = sorted((outputs.get("files") or {}).keys())
    transport, root = make_transport(target)
    with transport:
        found = transport.read_files([join(root, rel) for rel in files] + [join(root, MANIFEST)])
        others = _listing(root) if target.get("transport", "local") == "local" else []
    still = [rel for rel in files if found[join(root, rel)] is not None]
    kept = sorted(set(others) - set(files) - {MANIFEST})
    return _Left(location(target, root), root, still, kept, manifest_owner(found[join(root, MANIFEST)]))


def _listing(root: str) -> list[str]:
    """Every file below a local module directory."""
    base = Path(root)
    return [p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file()] if base.is_dir() else []


def _next_step(host: str, left: _Left) -> str:
    """The host's import of the emptied directory, named as its configuration names it."""
    root = PurePosixPath(left.root)
    return (
        f"  Next step on {host}: remove the import of {left.path} from its configuration before the next "
        f"nixos-rebuild (`./{root.name}` in `imports = [ ./{root.name} ]` of a configuration.nix in "
        f"{root.parent}); the directory no longer holds the modules it imports, and the containers keep "
        "running until that rebuild."
    )


def _host_lines(outputs: dict[str, Any], stack: str) -> tuple[list[str], bool]:
    """What the destroy did to one host's directory; whether it was this stack's."""
    host = str(outputs.get("host", "?"))
    files = sorted((outputs.get("files") or {}).keys())
    try:
        left = _left(outputs)
    except HostError as exc:
        return [f"{host}: could not look at the module directory afterwards: {exc}"], True
    gone = [rel for rel in files if rel not in left.still]
    theirs = foreign_owner(left.owner, Owner.from_props(outputs.get("owner")), stack)
    if theirs is not None:
        return [
            f"{host}: {left.path} belongs to {theirs}: its files were left to it "
            f"({', '.join(left.still) or 'none were listed in this stack'})"
            + (f"; removed {len(gone)} module(s) it does not list: {', '.join(gone)}" if gone else ""),
            f"  Nothing to do on {host} for {stack}: {theirs.stack} still deploys there and routes its hostnames.",
        ], False
    lines = [
        f"{host}: removed {len(gone)} module(s) from {left.path}: {', '.join(gone) or 'none'}",
        f"  kept (nixedge did not write them): {', '.join(left.kept) or 'nothing else was there'}",
    ]
    if left.still:
        lines.append(f"  still there (run destroy again): {', '.join(left.still)}")
    return [*lines, _next_step(host, left)], True


def _unrouted(before: dict[str, Any], owned: set[str]) -> list[str]:
    """The hostnames the destroyed hosts' cloudflared routed (local ingress)."""
    outputs = stack_outputs(before)
    per_host = outputs.get("hosts")
    if isinstance(per_host, dict) and per_host:
        return sorted(h for name, o in per_host.items() if name in owned for h in dict(o.get("routes") or {}))
    return sorted(dict(outputs.get("routes") or {})) if owned or not host_resources(before) else []


def summary(before: dict[str, Any], stack: str = "dev") -> list[str]:
    lines: list[str] = []
    owned: set[str] = set()
    for outputs in host_resources(before):
        said, ours = _host_lines(outputs, stack)
        lines += said
        if ours:
            owned.add(str(outputs.get("host", "?")))
    routes = dict(stack_outputs(before).get("routes") or {})
    if routes and stack_outputs(before).get("tunnelId"):
        lines.append(f"Unpublished: {', '.join(sorted(routes))} (ingress rules and DNS records removed)")
    elif unrouted := _unrouted(before, owned):
        lines.append(f"Hostnames no longer routed by the host's cloudflared: {', '.join(unrouted)}")
    return lines


def run(args: argparse.Namespace) -> int:
    if not args.yes and not sys.stdin.isatty():
        # Pulumi would ask for its own --skip-preview, which this command does not take.
        print(
            "stdin is not a terminal, so there is nowhere to ask: "
            f"`.venv/bin/nixedge destroy --stack {args.stack} --yes`",
            file=sys.stderr,
        )
        return 2
    os.chdir(CHECKOUT)  # a relative host.target.path starts there, as for the program
    before = export_state(args.stack) or {}
    argv = ["scripts/pulumi", "destroy", "--stack", args.stack] + (["--yes", "--non-interactive"] if args.yes else [])
    if run_to_the_end(argv).returncode != 0:
        return 1
    print("\n".join(["", *summary(before, args.stack)]))
    return 0
