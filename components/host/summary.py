"""What an update did to a host's modules, in words: the program's line after an `up`
and `nixedge status` say it the same way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def modules_changed(changed: Sequence[str], removed: Sequence[str] | None, *, names: bool = True) -> str:
    """`wrote 2 module(s) (a.nix, b.nix), removed 1 (c.nix)` from the resource's
    `activation` output (without the names: `wrote 2 module(s), removed 1`); `removed`
    is None in a state written before it was recorded."""

    def listed(paths: Sequence[str]) -> str:
        return f" ({', '.join(paths)})" if names else ""

    if removed is None:
        return f"changed {_count(len(changed))}{listed(changed)}"
    gone = [rel for rel in changed if rel in set(removed)]
    written = [rel for rel in changed if rel not in set(removed)]
    parts = [f"wrote {_count(len(written))}{listed(written)}"] if written else []
    if gone:
        parts.append(f"removed {len(gone) if written else _count(len(gone))}{listed(gone)}")
    return ", ".join(parts) or "changed no module"


def emptied(activation: Mapping[str, Any]) -> str:
    """`, emptied the old place /old/nixedge (removed 5 module(s))` after a move of the
    module directory (the `emptied` of the resource's `activation` output), else ''."""
    place = activation.get("emptied")
    if not isinstance(place, Mapping):
        return ""
    return f", emptied the old place {place.get('path')} (removed {_count(len(place.get('removed') or []))})"


def _count(n: int) -> str:
    return f"{n} module(s)"
