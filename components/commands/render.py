"""`render`: write the generated Nix modules of a stack to a directory.

It writes its files over whatever the directory holds and removes nothing: a file it
cannot tell from one of yours (an earlier render's `containers/atticd.nix`, a module
you keep beside them) stays. It names those files in a warning on stderr, so that a
reused directory is not mistaken for this render's output.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from components.commands.common import EXITS_PLAIN, add_command, add_stack_args, load_site
from components.nixos.render import render


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "render",
        "write a stack's generated Nix modules to a directory",
        "  .venv/bin/nixedge render --stack dev --out /tmp/dev-modules\n"
        "  .venv/bin/nixedge render --config stacks/Pulumi.seminar.yaml -o out/   # a site: out/<host>/ per host",
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


SHOWN = 10  # stale files named in the warning; the rest are counted


def not_written(out: Path, written: set[Path]) -> str | None:
    """The warning for the files below `out` that this render did not write, or None."""
    found = sorted(p for p in out.rglob("*") if (p.is_file() or p.is_symlink()) and p not in written)
    if not found:
        return None
    names = [p.relative_to(out).as_posix() for p in found]
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return (
        f"warning: {out} holds {len(names)} file(s) this render did not write (an earlier render's or "
        f"not nixedge's); they were left as they are: {', '.join(names[:SHOWN])}{more}. "
        "Render into an empty directory to get only this stack's modules."
    )


def run(args: argparse.Namespace) -> int:
    site = load_site(args)
    written: set[Path] = set()
    for host in site.hosts:
        # A site of several hosts: each host's modules in a directory of its name.
        out = args.out / host.host if site.site else args.out
        files = render(host)
        write_tree(out, files)
        written |= {out / rel for rel in files}
        print(f"Wrote {len(files)} files for {host.host} to {out}")
    if warning := not_written(args.out, written):
        print(warning, file=sys.stderr)
    return 0
