"""Key paths of a stack config's data: how errors print them, and how deep data may nest."""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists in a stack file (a real site needs about 12)."""


def dotted(parts: tuple[int | str, ...]) -> str:
    """A key path as errors print it: `containers.forgejo.routes[0]`, odd keys in brackets."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":
            continue
        elif not part or "." in part or " " in part or not part.isprintable():
            out += f"[{part!r}]"  # a key that would make the dotted path ambiguous or break the line
        else:
            out += f".{part}" if out else str(part)
    return out


def too_deep(data: Any) -> tuple[int | str, ...] | None:
    """The key path where `data` nests deeper than MAX_DEPTH, found without recursion."""
    todo: list[tuple[Any, tuple[int | str, ...]]] = [(data, ())]
    while todo:
        value, parts = todo.pop()
        if len(parts) > MAX_DEPTH:
            return parts[:MAX_DEPTH]
        if isinstance(value, dict):
            todo.extend((v, (*parts, str(k))) for k, v in value.items())
        elif isinstance(value, list):
            todo.extend((v, (*parts, i)) for i, v in enumerate(value))
    return None
