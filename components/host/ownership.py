"""Who owns a module directory: the stack that wrote its manifest.

The manifest records the owner (Pulumi project and stack) and the target's canonical
identity. A stack refuses to write, prune or empty a directory whose manifest names
another owner, before touching anything, and says how to hand it over
(`nixedge handover`). A manifest without owner (written by an older nixedge) is adopted
by the first stack that writes it, and that update says so.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components.errors import HostError
from components.host.manifest import manifest_field
from components.model.targets import target_identity


@dataclass(frozen=True)
class Owner:
    """The stack a module directory belongs to."""

    project: str
    stack: str

    def to_props(self) -> dict[str, str]:
        return {"project": self.project, "stack": self.stack}

    @classmethod
    def from_props(cls, value: object) -> Owner | None:
        if not isinstance(value, Mapping):
            return None
        project, stack = value.get("project"), value.get("stack")
        if not isinstance(project, str) or not isinstance(stack, str) or not project or not stack:
            return None
        return cls(project, stack)

    def __str__(self) -> str:
        return f"stack {self.stack!r} (project {self.project})"


def canonical_target(target: Mapping[str, Any]) -> str:
    """One spelling for every way of naming a module directory (components.model.targets):
    `./.dev-host` and `.dev-host/` are one; a relative local path starts at the working
    directory, the program's (the project) when the provider runs."""
    return str(target_identity({"transport": "local", **target}, project_dir=os.getcwd()))


def manifest_owner(data: bytes | None) -> Owner | None:
    """The owner a manifest records (None: no manifest, or one without owner)."""
    return Owner.from_props(manifest_field(data, "owner"))


def foreign_owner(theirs: Owner | None, ours: Owner | None, stack: str | None) -> Owner | None:
    """The other stack a module directory's manifest names (`theirs`), as `nixedge status`
    and `destroy` read it after the fact: against the state's owner, or, in a state
    written before owners were recorded, against the stack's name; None when the
    directory is ours or its manifest names no owner."""
    if theirs is None or (theirs == ours if ours else stack is None or theirs.stack == stack):
        return None
    return theirs


def handover_command(target: Mapping[str, Any], new: Owner) -> str:
    """The command that hands the module directory over to `new`."""
    return f".venv/bin/nixedge handover --stack {new.stack}"


def check_owner(manifest: bytes | None, ours: Owner | None, target: Mapping[str, Any], host: str) -> str | None:
    """Raise HostError when `manifest` names an owner other than `ours`; return the line
    an adoption says (a manifest without owner), or None."""
    if ours is None or manifest is None:
        return None
    theirs = manifest_owner(manifest)
    if theirs is None:
        return (
            f"{host}: adopted the module directory {canonical_target(target)} "
            "(its manifest, written by an older nixedge, named no owner)"
        )
    if theirs == ours:
        return None
    raise HostError(
        f"Refusing to touch {canonical_target(target)} for {host}: it belongs to {theirs}, "
        f"which deployed its modules there; nothing was changed. Point host.target.path at a "
        f"directory of this stack's own, or, if {theirs.stack} no longer deploys there, hand the "
        f"directory over with `{handover_command(target, ours)}` (its modules become this "
        "stack's, and the next `up` replaces them)."
    )
