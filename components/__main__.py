"""`python -m components`: commands that need no Pulumi state or credentials."""

from __future__ import annotations

import argparse
import importlib
import sys

from components.errors import NixedgeError

# Each module registers one subcommand; imported lazily so `check` stays fast.
COMMANDS = ("check", "render", "schema", "diff", "ssh_config", "reference")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m components", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"components.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"components.commands.{name}":
                raise
            continue
        module.register(sub)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except NixedgeError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `check | head`: the reader has what it wanted; no traceback for that.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
