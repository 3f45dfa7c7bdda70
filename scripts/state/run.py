"""The state check as `scripts/pulumi` runs it: before each command on a file backend
(`check`), and as `scripts/pulumi recover` (`recover`)."""

from __future__ import annotations

import sys
from pathlib import Path

from scripts.state.check import Check

PREFIX = "scripts/pulumi: "


def report(check: Check) -> int:
    for line in check.said:
        print(PREFIX + line, file=sys.stderr)
    for line in check.stops:
        print(f"{PREFIX}error: {line}", file=sys.stderr)
    return 1 if check.stops else 0


def check(root: Path, stack: str | None, command: str) -> int:
    """Before `command` runs on the file backend at `root`: 0 when the CLI may run."""
    found = Check(root, stack.rsplit("/", 1)[-1] if stack else None, command)
    found.run()
    return report(found)


def recover(root: Path | None, url: str, stack: str | None) -> int:
    """`scripts/pulumi recover`: the check alone, for one stack."""
    if stack is None:
        print(
            f"{PREFIX}error: recover needs a stack: add --stack NAME, or select one with "
            "`scripts/pulumi stack select NAME`",
            file=sys.stderr,
        )
        return 2
    if root is None:
        print(
            f"{PREFIX}recover works on the local file backend; {url} is shared: once you know no "
            f"`pulumi` runs on the stack, run: scripts/pulumi cancel --stack {stack} --yes",
            file=sys.stderr,
        )
        return 1
    found = Check(root, stack.rsplit("/", 1)[-1], "recover")
    found.run()
    code = report(found)
    if not found.said and not found.stops:
        print(f"{PREFIX}nothing to recover in stack {stack}", file=sys.stderr)
    return code
