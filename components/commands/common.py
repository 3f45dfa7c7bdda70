"""What subcommands share: choosing the stack file, printing warnings, generated docs."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from components.commands import stack_names
from components.model.hosts import ResolvedHosts
from components.stackfile import load_hosts


def add_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help: str, examples: str, exits: str
) -> argparse.ArgumentParser:
    """A subcommand whose `--help` ends with its examples and exit codes."""
    epilog = f"examples:\n{examples.rstrip()}\n\nexit codes:\n{exits.rstrip()}\n"
    return sub.add_parser(
        name, help=help, description=help, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter
    )


EXITS_PLAIN = "  0  done\n  2  an error in the stack file or the arguments (on stderr, naming the key)"


def add_json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON (one document on stdout) for scripts")


def add_stack_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--stack", "-s", default=None, help="stack name: reads stacks/Pulumi.<NAME>.yaml (default: dev)")
    group.add_argument("--config", "-c", type=Path, default=None, help="any stack file instead of --stack")


def load_site(args: argparse.Namespace, *, quiet: bool = False) -> ResolvedHosts:
    """Every host of the stack: one for today's shape, several for a site of `hosts`.
    Its warnings go to stderr unless `quiet` (the caller reports them)."""
    if args.config is None and (error := stack_names.missing(args.stack or "dev")):
        raise error
    site = load_hosts(args.stack, args.config)
    for warning in () if quiet else site.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return site


def run_to_the_end(
    argv: list[str], *, capture: bool = False, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`subprocess.run`, except that Ctrl-C waits for the child (which got the same
    SIGINT from the terminal) to stop by itself before it is raised: subprocess.run would
    kill it, and a killed `pulumi destroy` leaves its state half-written."""
    pipe = subprocess.PIPE if capture else None
    with subprocess.Popen(argv, stdout=pipe, stderr=pipe, text=True, cwd=cwd) as child:
        interrupted = False
        while True:
            try:
                out, err = child.communicate()
                break
            except KeyboardInterrupt:
                interrupted = True
    if interrupted:
        raise KeyboardInterrupt
    return subprocess.CompletedProcess(argv, child.returncode, out, err)


def register_generated(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help: str, path: Path, text: Callable[[], str]
) -> None:
    """A subcommand that prints a file generated from the model, or `--write`s it to `path`."""
    shown = path.relative_to(path.parents[1])
    parser = sub.add_parser(name, help=help)
    parser.add_argument("--write", action="store_true", help=f"write it to {shown}")

    def run(args: argparse.Namespace) -> int:
        if args.write:
            path.write_text(text(), encoding="utf-8")
            print(f"Wrote {shown}")
        else:
            print(text(), end="")
        return 0

    parser.set_defaults(run=run)
