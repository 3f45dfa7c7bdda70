"""A stack file copied from another keeps its `encryptionsalt`: say so, at its line.

Pulumi derives a stack's key from its passphrase and the salt in its stack file. A copy
of another stack's file (with the salt) run with a passphrase of its own fails with
"incorrect passphrase", which names neither the file nor the line. `shared_salt` names
both.
"""

from __future__ import annotations

import re
from pathlib import Path

_SALT = re.compile(r"^encryptionsalt:\s*(\S+)\s*$")


def salt_line(path: Path) -> tuple[int, str] | None:
    """The line number and value of `encryptionsalt` in a stack file (None: none)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for number, line in enumerate(lines, 1):
        match = _SALT.match(line)
        if match:
            return number, match.group(1)
    return None


def sharing(path: Path) -> list[Path]:
    """The other stack files beside `path` whose salt is the salt of `path`, by name."""
    mine = salt_line(path)
    if mine is None:
        return []
    return sorted(
        (
            other
            for other in path.parent.glob("Pulumi.*.yaml")
            if other.resolve() != path.resolve() and (found := salt_line(other)) is not None and found[1] == mine[1]
        ),
        key=lambda other: other.name,
    )


def shared_salt(path: Path) -> str | None:
    """The warning for a stack file whose salt another stack file beside it has too."""
    mine, others = salt_line(path), sharing(path)
    if mine is None or not others:
        return None
    return (
        f"{path}:{mine[0]}: encryptionsalt is the one of {', '.join(other.name for other in others)}: this file "
        "was copied with the other stack's salt, so a passphrase of its own gives `incorrect passphrase`. Delete the "
        "encryptionsalt line (and any `secure:` values copied with it) before the first `scripts/pulumi` run "
        "of this stack: Pulumi writes a salt of its own."
    )
