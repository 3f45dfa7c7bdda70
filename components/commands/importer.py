"""`import`: write the stack file of a hand-written NixOS container setup.

Evaluates the given modules with real Nix (components/importer), maps their
`containers.<name>`, users, bind mounts, cloudflared ingress and PostgreSQL databases
onto the model, checks the result as `check` does, and writes the stack file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from components.commands.common import add_command
from components.errors import NixedgeError
from components.importer.nix import evaluate
from components.importer.site import import_site
from components.model import site_from_data

HEADER = """\
# Written by `.venv/bin/nixedge import` from {sources}.
# Check it with `.venv/bin/nixedge check --config {out}` and compare what it renders with the
# hand-written modules before the first `scripts/pulumi up`. Values in <angle brackets>
# are placeholders: put your own Cloudflare ids there.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "import",
        "write the stack file of a hand-written NixOS container setup (containers.<name>, cloudflared ingress)",
        "  .venv/bin/nixedge import container-network.nix forgejo.nix atticd.nix cloudflare.nix postgresql.nix \\\n"
        "      --out stacks/Pulumi.seminar.yaml --nixos-release 25.11",
        "  0  written (or printed)\n  2  the modules cannot be evaluated or imported, or --out exists",
    )
    parser.add_argument("modules", nargs="+", type=Path, help="the setup's NixOS modules")
    parser.add_argument("--out", "-o", type=Path, default=None, help="the stack file to write (default: print it)")
    parser.add_argument("--host", default=None, help="the host's name (default: the tunnel's name)")
    parser.add_argument("--destination", default=None, help="what ssh connects to (default: root@<host>)")
    parser.add_argument("--nixos-release", default=None, help="the host's NixOS release, e.g. 25.11")
    parser.add_argument("--force", action="store_true", help="overwrite --out when it exists")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    site = import_site(evaluate(args.modules), args.host, args.destination, args.nixos_release)
    site_from_data(site, "the imported site")  # what `check` would refuse, said now
    sources = ", ".join(p.name for p in args.modules)
    body = yaml.safe_dump({"config": {"nixedge:site": site}}, sort_keys=False, width=100)
    text = HEADER.format(sources=sources, out=args.out or "FILE") + body
    if args.out is None:
        sys.stdout.write(text)
        return 0
    if args.out.exists() and not args.force:
        raise NixedgeError(f"{args.out} exists: give another --out, or --force to overwrite it")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    names = ", ".join(site["containers"])
    print(f"Wrote {args.out}: host {site['host']['name']}, containers {names}")
    return 0
