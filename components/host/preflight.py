"""What `check` reads from a host before anything changes: who owns a target this
resource is about to take.

A stack whose `host.target` names a directory another stack deploys to is refused at
`up` (components.host.plan, before any write). Found only there, a `preview` in a pull
request would look clean and the `up` after the merge would fail. So `check`, which runs
in `preview` too, reads the target's manifest when this resource does not deploy there
yet (its first run, or a changed target): one read, no write. An unreachable host
refuses nothing here (a preview may run where the host is not reachable); `up` reads it
again before it writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.errors import HostError
from components.host.manifest import MANIFEST
from components.host.move import moved
from components.host.ownership import Owner, check_owner
from components.host.target import open_target
from components.host.transport import TransportError


def takes_target(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """Whether `news` deploys to a directory `olds` did not (a create, or a move)."""
    old_target = olds.get("target")
    if not isinstance(old_target, Mapping):
        return True
    return moved(old_target, news.get("target") or {})


def foreign_owner(props: Mapping[str, Any]) -> str | None:
    """The refusal when the target's manifest names another stack (None: ours, no
    owner recorded, no manifest, or the host could not be read)."""
    ours = Owner.from_props(props.get("owner"))
    if ours is None:
        return None
    try:
        transport, root = open_target(props)
        with transport:
            path = f"{root.rstrip('/')}/{MANIFEST}"
            manifest = transport.read_files([path]).get(path)
    except (HostError, TransportError):
        return None
    try:
        check_owner(manifest, ours, props["target"], str(props.get("host", "?")))
    except HostError as exc:
        return str(exc)
    return None
