"""A stack file copied from another with its `encryptionsalt`, named at its line before
the CLI answers `incorrect passphrase` (which names neither the file nor the line).

Only files are read, no passphrase is tried: the stack files beside it, as `nixedge
check` reads them (components/commands/salt.py), and on a file backend the checkpoints,
whose `secrets_providers` keep the salt each stack was created with. That tells the
copy from its source: a stack created with its file's salt has shown that its
passphrase fits; a stack created with another salt needs its own back (Pulumi would
write a new one if the line were deleted, and the state's secrets need the old one).
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

from components.commands.salt import salt_line, sharing
from scripts.wrapper import backend
from scripts.wrapper.command_line import CommandLine
from scripts.wrapper.paths import stack_file

DELETE = (
    "delete that line (and any `secure:` values copied with it) before its first `scripts/pulumi` run: "
    "Pulumi writes a salt of its own"
)


def warn(line: CommandLine, env: dict[str, str], stack: str | None) -> bool:
    """Print the warning on stderr when the stack's file shares its salt with another
    stack file and the stack was not created with that salt; whether it did."""
    if stack is None or line.is_("stack", "rm"):
        return False
    said = warning(stack_file(stack), backend.directory(env["PULUMI_BACKEND_URL"]))
    if said is not None:
        print(f"scripts/pulumi: warning: {said}", file=sys.stderr)
    return said is not None


def warning(path: Path, root: Path | None) -> str | None:
    """What to say about the stack file at `path` (None: nothing copied, or its own salt),
    judged by the checkpoints of the file backend at `root` (None: another backend)."""
    mine, others = salt_line(path), sharing(path)
    if mine is None or not others:
        return None
    where, names = f"{shown(path)}:{mine[0]}", ", ".join(other.name for other in others)
    created = {p: created_with(root, stack_name(p)) if root is not None else None for p in (path, *others)}
    if created[path] == mine[1]:
        return None  # its own: the copies beside it get the warning
    if created[path] is not None:
        return (
            f"{where}: encryptionsalt is the one of {names}, not the one stack {stack_name(path)} was created with, "
            f"so its passphrase gives `incorrect passphrase`. Put back `encryptionsalt: {created[path]}`."
        )
    owners = [stack_name(p) for p in others if created[p] == mine[1]]
    if owners:
        return (
            f"{where}: encryptionsalt was copied from {names} (stack {owners[0]} was created with it), so a "
            f"passphrase of this stack's own gives `incorrect passphrase`: {DELETE}."
        )
    return (
        f"{where}: encryptionsalt is also the one of {names}. If this file was copied from that one, a "
        f"passphrase of its own gives `incorrect passphrase`: {DELETE}."
    )


def stack_name(path: Path) -> str:
    """The stack of a stack file (`Pulumi.lab.yaml`: lab)."""
    return path.name.removeprefix("Pulumi.").removesuffix(".yaml")


def created_with(root: Path, stack: str) -> str | None:
    """The salt in the checkpoint of `stack` in the file backend at `root`, if any."""
    where = backend.checkpoint(root, stack)
    if where is None:
        return None
    try:
        data = where.read_bytes()
        state = json.loads(gzip.decompress(data) if where.suffix == ".gz" else data)
        salt = state["checkpoint"]["latest"]["secrets_providers"]["state"]["salt"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return salt if isinstance(salt, str) else None


def shown(path: Path) -> Path:
    """`path` as a user in the working directory writes it (`stacks/Pulumi.lab.yaml`)."""
    relative = Path(os.path.relpath(path))
    return path if relative.parts[:1] == ("..",) else relative
