"""The wrapper's one read of a stack file: its `nixedge:site`, as the program reads it."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def read_site(path: Path) -> Any:
    """`config.nixedge:site` of the stack file at `path`, read by the stack-file room as
    the engine reads it; None when the file cannot be read or is refused (the program
    reports why, with its own message naming the key)."""
    from components.errors import ConfigError
    from components.stackfile import read_stack_file

    try:
        return read_stack_file(path)
    except ConfigError:
        return None
