"""Which hosts one `pulumi up` has deployed so far, for the message of a host that fails.

The engine serves every host's resource from one dynamic-provider process (one per
update), in parallel threads. A host that fails rolls back alone; its message names the
hosts this update deployed before it failed, which stay deployed.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_deployed: list[str] = []


def deployed(host: str) -> None:
    """Record that `host`'s modules were written and activated by this update."""
    with _lock:
        if host not in _deployed:
            _deployed.append(host)


def deployed_hosts() -> tuple[str, ...]:
    """The hosts this update has deployed so far, in the order they finished."""
    with _lock:
        return tuple(_deployed)


def others_note(host: str) -> str:
    """The line a failure of `host` adds: '' when no other host was deployed yet (a
    one-host stack's messages stay as they are)."""
    with _lock:
        others = sorted(h for h in _deployed if h != host)
    if not others:
        return ""
    return (
        f"Only {host} was rolled back: this update deployed {', '.join(others)} before it failed, "
        "and they stay deployed (separate resources)."
    )
