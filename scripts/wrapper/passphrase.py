"""The passphrase the CLI gets for a stack, and the cause named when it will not fit.

The dev stack's passphrase is public (`nixedge-dev`, README): its tracked salt was made
with it, so it is the dev stack's whatever the shell exports. The guides for real
stacks tell the user to export PULUMI_CONFIG_PASSPHRASE_FILE, and in that shell the
user's passphrase used to win on dev too: the CLI stopped with "get stack secrets
manager: incorrect passphrase", which names neither the variable nor the salt. A dev
stack whose salt was made with another passphrase (re-keyed by hand) keeps the user's.

For any stack, a passphrase that does not open its file's `encryptionsalt` (checked as
the CLI checks it, scripts/wrapper/salt_check.py) is named with the salt's line before the
CLI says only "incorrect passphrase".
"""

from __future__ import annotations

import sys
from pathlib import Path

from components.commands.salt import salt_line
from scripts.wrapper import salt_check
from scripts.wrapper.command_line import CommandLine
from scripts.wrapper.copied_salt import shown
from scripts.wrapper.paths import stack_file
from scripts.wrapper.stack_file import READ_CONFIG

DEV_PASSPHRASE = "nixedge-dev"
"""The dev stack's passphrase is public (README): it guards nothing but the dev target."""
DEV_SALT = "v1:z1D3L4OQxbw=:v1:OrELLPtmTBPrSay2:Ra8gPcPUO63ZiR0Vfvgjl9wOTJEXBQ=="
"""The salt stacks/Pulumi.dev.yaml tracks, made with DEV_PASSPHRASE (a test opens it):
spares the ~0.4 s of PBKDF2 on every dev run."""
_STACK_COMMANDS = frozenset({"init", "select", "output", "export", "import", "change-secrets-provider"})
"""`stack` subcommands that open the stack's secrets manager."""


def exported(env: dict[str, str]) -> tuple[str, str | None] | None:
    """The variable the CLI takes its passphrase from, as it reads them
    (PULUMI_CONFIG_PASSPHRASE first, even empty; then a non-empty _FILE, trimmed), and
    the passphrase (None when the file cannot be read: the CLI says so itself)."""
    if "PULUMI_CONFIG_PASSPHRASE" in env:
        return "PULUMI_CONFIG_PASSPHRASE", env["PULUMI_CONFIG_PASSPHRASE"]
    name = env.get("PULUMI_CONFIG_PASSPHRASE_FILE", "")
    if not name:
        return None
    try:
        return f"PULUMI_CONFIG_PASSPHRASE_FILE ({name})", Path(name).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return f"PULUMI_CONFIG_PASSPHRASE_FILE ({name})", None


def is_dev(stack: str | None) -> bool:
    return stack is not None and stack.rsplit("/", 1)[-1] == "dev"


def made_with_dev_passphrase(salt: str) -> bool:
    return salt == DEV_SALT or salt_check.opens(DEV_PASSPHRASE, salt) is True


def may_reach_another_stack(line: CommandLine | None) -> bool:
    """A command line whose secrets may be another stack's than the one the wrapper takes
    it to work on: `stack init`/`stack select` without a name it could read (`select -c
    prod`: the CLI takes `-c` as a switch), and `config cp`, whose --dest stack the CLI
    opens with the same passphrase. The public passphrase must not reach those."""
    if line is None:
        return False
    if line.is_("config", "cp"):
        return True
    return (line.is_("stack", "init") or line.is_("stack", "select")) and line.stack is None


def give(env: dict[str, str], stack: str | None, line: CommandLine | None = None) -> None:
    """The dev stack's public passphrase when its salt was made with it or it has none
    yet (the CLI writes one with it), whatever is exported, said in one line when
    something else was; a dev salt made with another passphrase keeps the user's, and so
    does a command that may reach another stack (`may_reach_another_stack`)."""
    if not is_dev(stack) or may_reach_another_stack(line):
        return
    assert stack is not None
    brought, found = exported(env), salt_line(stack_file(stack))
    if brought is not None and found is not None and not made_with_dev_passphrase(found[1]):
        return
    env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
    env["PULUMI_CONFIG_PASSPHRASE"] = DEV_PASSPHRASE
    if brought is not None and brought[1] != DEV_PASSPHRASE:
        why = (
            f"{shown(stack_file(stack))}:{found[0]}'s encryptionsalt was made with it"
            if found
            else "it has no salt yet"
        )
        print(
            f"scripts/pulumi: stack dev uses its public passphrase {DEV_PASSPHRASE!r}, "
            f"not {brought[0].split(' (')[0]}: {why}",
            file=sys.stderr,
        )


def opens_its_secrets(line: CommandLine) -> bool:
    return line.command in READ_CONFIG or (line.command == "stack" and line.subcommand in _STACK_COMMANDS)


def warn(line: CommandLine, env: dict[str, str], stack: str | None) -> None:
    """Before a command that opens the stack's secrets: name the passphrase that does not
    open its file's salt, and the salt's line (the CLI's "incorrect passphrase" names neither)."""
    if stack is None or not opens_its_secrets(line):
        return
    path = stack_file(stack)
    found = salt_line(path)
    if found is None or (env.get("PULUMI_CONFIG_PASSPHRASE") == DEV_PASSPHRASE and found[1] == DEV_SALT):
        return
    brought = exported(env)
    if brought is None or brought[1] is None or salt_check.opens(brought[1], found[1]) is not False:
        return
    source = brought[0]
    if is_dev(stack) and brought[1] == DEV_PASSPHRASE:
        source = f"{source}, the dev stack's public passphrase that scripts/pulumi gives it,"
    print(
        f"scripts/pulumi: error: the passphrase in {source} does not open "
        f"`encryptionsalt: {found[1]}` at {shown(path)}:{found[0]}, so Pulumi stops with `incorrect passphrase`. "
        f"Export the passphrase stack {stack} was created with (docs/secrets.md)",
        file=sys.stderr,
    )
