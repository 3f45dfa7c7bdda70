"""What a Pulumi command line asks for, read as the CLI reads it: the command, the stack.

Pulumi parses with cobra, which finds the command by skipping flags: a flag written
before the command takes the next word as its value unless the root command knows it
as a flag without one (`--non-interactive`, `-h`, ...). Read the same way,
`--stack dev preview` is the command `preview` on the stack `dev`. Every argument goes
to the CLI as it was written; this only looks.
"""

from __future__ import annotations

from dataclasses import dataclass


def _flags(*lines: str) -> frozenset[str]:
    return frozenset(" ".join(lines).split())


BARE_FLAGS = _flags(
    "--disable-integrity-checking -e --emoji -Q --fully-qualify-stack-names -h --help --logflow --logtostderr",
    "--non-interactive --version",
)
"""The root command's flags that take no value (`pulumi --help`)."""
VALUE_FLAGS = _flags(
    "--color -C --cwd --memprofilerate --otel-traces --profiling --tracing -v --verbose -c --config --config-file",
    "-x --exclude -m --message --override-env -p --parallel --policy-pack --policy-pack-config --replace",
    "--secrets-provider -t --target --target-replace --import-file --save-plan --import-pending-creates",
    "--copy-config-from --teams --file -o --out --from --generate-resources --parent --properties --provider",
)
"""The flags of the commands, once found, that take the next word as their value."""
GROUPS = frozenset({"stack", "config", "plugin", "state", "policy", "org", "env", "ai", "package", "schema"})
"""Commands whose first word after them is a subcommand (`stack rm`)."""
GROUP_BARE_FLAGS = {"config": frozenset({"--json", "--show-secrets", "--open"})}
"""A runnable group's own flags without a value: cobra knows them before a subcommand
(`config --json --stack dev` lists the config of dev)."""
NAMES_A_STACK = frozenset({("stack", "init"), ("stack", "select"), ("stack", "rm")})
"""Subcommands whose first argument, if any, is the stack (`stack select dev`)."""


@dataclass(frozen=True)
class CommandLine:
    args: tuple[str, ...]
    words: tuple[str, ...]
    """The words that are no flag and no flag's value, in order (`stack`, `rm`, `dev`)."""
    stack: str | None
    """The stack the command line names (`--stack`, `-s`, or `stack select NAME`), if any."""
    help: bool

    @property
    def command(self) -> str:
        return self.words[0] if self.words else ""

    @property
    def subcommand(self) -> str:
        return self.words[1] if self.command in GROUPS and len(self.words) > 1 else ""

    def is_(self, *words: str) -> bool:
        return self.words[: len(words)] == words

    @property
    def asks_only_for_help(self) -> bool:
        """Help, a version, or nothing at all: no stack, no backend, no job to do."""
        return self.help or self.command in ("", "help", "version") or "--version" in self.args


def parse(args: list[str]) -> CommandLine:
    words: list[str] = []
    stack: str | None = None
    help_ = False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            words.extend(args[i + 1 :])
            break
        name, has_value, value = arg.partition("=")
        if name in ("--stack", "-s"):
            stack = value if has_value else (args[i + 1] if i + 1 < len(args) else None)
            i += 1 if has_value else 2
            continue
        if arg in ("-h", "--help"):
            help_ = True
        if arg.startswith("-") and arg != "-":
            i += 2 if not has_value and takes_value(name, words) else 1
            continue
        words.append(arg)
        i += 1
    if stack is None and tuple(words[:2]) in NAMES_A_STACK and len(words) > 2:
        stack = words[2]
    return CommandLine(tuple(args), tuple(words), stack, help_)


def takes_value(flag: str, words: list[str]) -> bool:
    """Whether `flag`, written without `=`, takes the next word. Before the command is
    found, cobra reads every flag the root does not know as bare as taking a value."""
    if not words or (words[0] in GROUPS and len(words) < 2):
        return flag not in BARE_FLAGS | GROUP_BARE_FLAGS.get(words[0] if words else "", frozenset())
    return flag in VALUE_FLAGS or (flag == "-f" and words[0] == "import")
