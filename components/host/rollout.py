"""The message of a host that fails during a rollout (`rollout:` of a site).

The program makes each batch's modules depend on the previous batch's, so when a host
fails, the engine starts no later batch: those hosts are skipped, untouched. The failing
host's resource gets the batches (its `rollout` property) and says, from what this
provider process saw during the update (components.host.outcomes), which hosts were
deployed, which failed and which were skipped.
"""

from __future__ import annotations

import threading
from typing import Any

from components.errors import ActivationError, HostError
from components.host import outcomes

_lock = threading.Lock()
_started: set[str] = set()
_failed: dict[str, str] = {}


def started(host: str) -> None:
    """Record that this update began writing `host`'s modules."""
    with _lock:
        _started.add(host)


def _batches(prop: Any) -> list[list[str]]:
    if not isinstance(prop, list):
        return []
    return [[h for h in b if isinstance(h, str)] for b in prop if isinstance(b, list)]


def _numbers(first: int, last: int) -> str:
    return f"batch {first}" if first == last else f"batches {first}-{last}"


def note(host: str, prop: Any, exc: HostError) -> str:
    """What a failure of `host` adds to its message during a rollout; '' without one."""
    plan = _batches(prop)
    mine = next((i for i, b in enumerate(plan) if host in b), None)
    if mine is None:
        return ""
    with _lock:
        _failed[host] = "rolled back" if isinstance(exc, ActivationError) else "failed"
        failed = dict(_failed)
        began = set(_started)
    deployed = set(outcomes.deployed_hosts())
    done = [h for b in plan[: mine + 1] for h in b]
    later = [h for b in plan[mine + 1 :] for h in b]
    lines = [f"Rollout stopped in batch {mine + 1} of {len(plan)}: {host} failed."]
    lines.append(f"  deployed by this update: {', '.join(h for h in done if h in deployed) or 'none'}")
    if unchanged := [h for h in done if h not in began]:
        lines.append(f"  not touched by this update: {', '.join(unchanged)}")
    if running := [h for h in done if h in began and h not in deployed and h not in failed]:
        lines.append(f"  still deploying (their own result follows): {', '.join(running)}")
    for label in ("rolled back", "failed"):
        if hosts := [h for h in done if failed.get(h) == label]:
            lines.append(f"  {label}: {', '.join(hosts)}")
    if later:
        numbers = _numbers(mine + 2, len(plan))
        lines.append(f"  skipped, not started and left as they were ({numbers}): {', '.join(later)}")
    return "\n".join(lines)


def reset() -> None:
    """Forget what this process saw (tests: one provider process serves one update)."""
    with _lock:
        _started.clear()
        _failed.clear()


__all__ = ["note", "reset", "started"]
