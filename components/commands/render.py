"""`render`: write the generated Nix modules of a stack to a directory."""

from __future__ import annotations

import argparse
from pathlib import Path

from components.commands.common import EXITS_PLAIN, add_command, add_stack_args, load_site
from components.nixos.render import render


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "render",
        "write a stack's generated Nix modules to a directory",
        "  nixedge render --stack dev --out /tmp/dev-modules\n"
        "  nixedge render --config stacks/Pulumi.seminar.yaml -o out/   # a site: out/<host>/ per host",
        EXITS_PLAIN,
    )
    add_stack_args(parser)
    parser.add_argument("--out", "-o", type=Path, required=True, help="directory to write the modules to")
    parser.set_defaults(run=run)


def write_tree(out: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)


def run(args: argparse.Namespace) -> int:
    site = load_site(args)
    for host in site.hosts:
        # A site of several hosts: each host's modules in a directory of its name.
        out = args.out / host.host if site.site else args.out
        files = render(host)
        write_tree(out, files)
        print(f"Wrote {len(files)} files for {host.host} to {out}")
    return 0
