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


def module_refs(raw: object) -> set[str]:
    """Module paths that containers import (`containers.<name>.imports`), as written, in
    either shape of a site (validation comes later): the files a reader must hand over."""
    hosts = raw.get("hosts") if isinstance(raw, dict) else None
    if isinstance(hosts, dict):
        return {ref for host in hosts.values() for ref in module_refs(host)}
    containers = raw.get("containers") if isinstance(raw, dict) else None
    if not isinstance(containers, dict):
        return set()
    refs = (c.get("imports") for c in containers.values() if isinstance(c, dict))
    return {
        r
        for imports in refs
        if isinstance(imports, list)
        for r in imports
        # Never a path outside the project: validation refuses those with its own message.
        if isinstance(r, str) and not r.startswith(("flake:", "/")) and ".." not in r.split("/")
    }
