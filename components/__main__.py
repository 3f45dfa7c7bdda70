"""nixedge: check, render and compare a stack's NixOS modules; see what a host runs.

The commands need no Pulumi state or credentials, except `status` (reads the state
through scripts/pulumi) and `handover` (writes a host's manifest).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import NoReturn

from components.commands import stack_names
from components.errors import NixedgeError

# Each module registers one subcommand; imported lazily so `check` stays fast.
COMMANDS = ("check", "render", "diff", "ssh_config", "status", "importer", "handover", "destroy", "schema", "reference")

EPILOG = """\
examples:
  .venv/bin/nixedge check --stack dev              validate a stack, list its containers and routes
  .venv/bin/nixedge check --stack dev --json       the same as JSON, for scripts
  .venv/bin/nixedge render --stack dev --out out/  write the generated modules to out/
  .venv/bin/nixedge diff --stack dev --base main   what a config change does to the Nix, routes, DNS
  .venv/bin/nixedge status --stack dev             what each host runs, and what drifted from the state
  .venv/bin/nixedge import --out stacks/Pulumi.lab.yaml container-network.nix forgejo.nix
  .venv/bin/nixedge destroy --stack dev --yes      scripts/pulumi destroy, then what went, what stayed, what next
  .venv/bin/nixedge <command> --help               a command's own options and examples

exit codes:
  0  success (diff: no change; status: no drift)
  1  diff: the config changes something; status: a host drifted from the state
  2  an error in the stack file or the arguments, said on stderr with the key to fix
  130  interrupted (Ctrl-C); a command that runs scripts/pulumi waits for it to stop first
"""


class Parser(argparse.ArgumentParser):
    """argparse's parser (for every subcommand too), whose errors add a hint where one is known."""

    def error(self, message: str) -> NoReturn:
        stray = message.removeprefix("unrecognized arguments: ")
        if stray != message and (hint := stack_names.stray_stack_hint(stray.split())):
            message = f"{message}\n  Hint: {hint}"
        super().error(message)


def parser() -> argparse.ArgumentParser:
    top = Parser(
        prog=".venv/bin/nixedge",  # as the docs type it: nothing puts nixedge on PATH
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = top.add_subparsers(required=True, metavar="COMMAND", dest="command")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"components.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"components.commands.{name}":
                raise
            continue
        module.register(sub)
    return top


def _command_parser(top: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            found: argparse.ArgumentParser = action.choices[command]
            return found
    return top


INTERRUPTED = "nixedge: interrupted; run the same command again to finish"


def main(argv: list[str] | None = None) -> int:
    """The command's exit code; Ctrl-C (SIGINT) is one line and 130, as a shell reports it."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return 130


def _main(argv: list[str] | None) -> int:
    top = parser()
    if not (sys.argv[1:] if argv is None else argv):
        # No command: the help, with the commands and examples, rather than one line.
        top.print_help(sys.stderr)
        return 2
    args, stray = top.parse_known_args(argv)
    if stray:
        # Said by the command's own parser: its usage, not the top level's, is what to fix.
        _command_parser(top, args.command).error(f"unrecognized arguments: {' '.join(stray)}")
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
