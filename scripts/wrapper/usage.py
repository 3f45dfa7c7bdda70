"""The wrapper's own help: what `scripts/pulumi` adds to Pulumi's root help, and
`scripts/pulumi recover --help` (Pulumi knows no `recover`: it printed its root help)."""

from __future__ import annotations

import subprocess
import sys

from scripts.wrapper.command_line import CommandLine

ADDITIONS = """\

scripts/pulumi adds to the Pulumi CLI (scripts/wrapper/main.py); run every command above as scripts/pulumi:
  a stack described in stacks/Pulumi.<stack>.yaml is created on first use (preview, up, config, stack select)
    in the local backend; a shared (S3) one says how to create it (docs/team-state.md)
  the dev stack gets its public passphrase "nixedge-dev" whatever PULUMI_CONFIG_PASSPHRASE(_FILE) says,
    as long as its encryptionsalt is the one made with it; any other stack's passphrase that does not open
    its salt is named before Pulumi's "incorrect passphrase"
  the local backend is .state/ unless PULUMI_BACKEND_URL names another (docs/team-state.md)
  stack rm keeps stacks/Pulumi.<stack>.yaml (--preserve-config); delete it yourself if it should go
  scripts/pulumi recover --stack NAME   repairs what a killed run left in .state/ (--help says more)
"""

RECOVER = """\
Repair what a killed or crashed run left in the local file backend (.state/)

Usage:
  scripts/pulumi recover [--stack NAME]

Runs the state check that every scripts/pulumi command runs first, and nothing else:
stale locks of processes that are gone, torn writes, interrupted creates. What is
provably safe is repaired and said in one line each; anything else is named with the
exact command to run. The stack is --stack NAME, else the selected one.

A shared backend (PULUMI_BACKEND_URL=s3://...) is not checked: once no one runs on
the stack, `scripts/pulumi cancel --stack NAME --yes` releases its lock.

Exit codes: 0 nothing left to do, 1 a step is left to a person (said on stderr),
2 no stack given or no such stack.
"""


def root_help(line: CommandLine) -> bool:
    """`scripts/pulumi --help`, `-h`, `help` or nothing: Pulumi's root help."""
    return line.words in ((), ("help",)) and "--version" not in line.args


def show_root_help(args: list[str]) -> int:
    """Pulumi's root help, then the wrapper's additions where the prompt comes back."""
    code = subprocess.run(["pulumi", *args], check=False).returncode
    print(ADDITIONS, end="", flush=True)
    return code


def recover_help(line: CommandLine) -> bool:
    return line.command == "recover" and line.help


def show_recover_help() -> int:
    sys.stdout.write(RECOVER)
    return 0
