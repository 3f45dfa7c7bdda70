"""What an update did to a host's modules, in words: the program's line after an `up`
and `nixedge status` say it the same way."""

from __future__ import annotations

from collections.abc import Sequence


def modules_changed(changed: Sequence[str], removed: Sequence[str] | None) -> str:
    """`wrote 2 module(s) (a.nix, b.nix), removed 1 (c.nix)` from the resource's
    `activation` output; `removed` is None in a state written before it was recorded."""
    if removed is None:
        return f"changed {_count(len(changed))} ({', '.join(changed)})"
    gone = [rel for rel in changed if rel in set(removed)]
    written = [rel for rel in changed if rel not in set(removed)]
    parts = [f"wrote {_count(len(written))} ({', '.join(written)})"] if written else []
    if gone:
        parts.append(f"removed {len(gone) if written else _count(len(gone))} ({', '.join(gone)})")
    return ", ".join(parts) or "changed no module"


def _count(n: int) -> str:
    return f"{n} module(s)"
