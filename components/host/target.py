"""Where a host's module directory lives: the `target` property, checked and opened."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from components.errors import HostError
from components.host.local import LocalTransport
from components.host.manifest import abspath_problem
from components.host.ssh import SshTransport
from components.host.transport import Transport, TransportError, check_path
from components.model.paths import local_dir_problem

LOCATION_KEYS = ("transport", "destination", "path")
"""Target keys that name *where* the modules live: changing one is a move of the module
directory (components.host.move), an update in place, never a replacement."""


def check_target(target: object) -> list[str]:
    """What is wrong with a `target` property (nothing: `[]`)."""
    if not isinstance(target, Mapping):
        return ["must be a mapping with 'transport' and 'path'"]
    problems = []
    kind = target.get("transport", "local")
    if kind not in ("local", "ssh"):
        problems.append(f"transport must be 'local' or 'ssh' (got: {kind!r})")
    path = target.get("path")
    if not isinstance(path, str) or not path:
        problems.append("path must be the module directory (e.g. '/etc/nixos/nixedge')")
    elif kind == "ssh" and abspath_problem(path.rstrip("/") or "/"):
        problems.append(f"path must be an absolute plain path on the host (got: {path!r})")
    elif kind == "local" and (problem := local_dir_problem(path)):
        problems.append(f"path {problem} (got: {path!r})")
    if kind == "ssh" and not isinstance(target.get("destination"), str):
        problems.append("destination is required for ssh (e.g. 'root@seminar')")
    for key in ("ssh_options", "ssh_command"):
        value = target.get(key)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            problems.append(f"{key} must be a list of strings")
    return problems


def make_transport(target: Mapping[str, object]) -> tuple[Transport, str]:
    """Build the transport for a validated target and return it with the absolute root.

    A relative local path resolves against the current directory (the provider runs in
    the program directory).
    """
    kind = target.get("transport", "local")
    path = str(target["path"])
    if kind == "local":
        root = os.path.abspath(path)
        return LocalTransport(label="localhost"), root
    if kind == "ssh":
        port = target.get("port")
        ssh = SshTransport(
            str(target["destination"]),
            port=int(float(str(port))) if port is not None else None,
            ssh_options=[str(o) for o in _as_list(target.get("ssh_options"))],
            ssh_command=[str(c) for c in _as_list(target.get("ssh_command"))] or ["ssh"],
        )
        return ssh, check_path(path.rstrip("/"))  # `/etc/nixos/nixedge/` is that directory, as check_target says
    raise TransportError(f"unknown transport {kind!r}: expected 'local' or 'ssh'")


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, (list, tuple)) else []


def open_target(props: Mapping[str, Any]) -> tuple[Transport, str]:
    """The transport and absolute module directory of a resource's `target`."""
    try:
        return make_transport(props["target"])
    except HostError as exc:
        raise HostError(f"{props.get('host', '?')}: {exc}") from exc


def location(target: Mapping[str, Any], root: str) -> str:
    """The module directory as outputs name it: a local path, or `destination:/path`."""
    if target.get("transport", "local") == "ssh":
        return f"{target['destination']}:{root}"
    return root
