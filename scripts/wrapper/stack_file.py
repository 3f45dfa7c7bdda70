"""The wrapper's one read of a stack file: its `nixedge:site`, as data."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def read_site(path: Path) -> Any:
    """`config.nixedge:site` of the stack file at `path`; None when the file cannot be
    read or has none (the program reports why, with its own message naming the key)."""
    import yaml  # only when a stack file is read: it costs a command ~25 ms

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return data["config"]["nixedge:site"]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return None
