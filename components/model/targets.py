"""One canonical identity per target: where a host's modules land, however it is spelled.

Two hosts of a site, or two stacks, that write the same directory overwrite each other's
modules. Targets are compared by `target_identity`, never as written: the transport, the
machine (the SSH host name lowercased, as OpenSSH matches it, without the login user,
who writes the same files; an IP address in its one printed form, `[2001:db8::1]` and
`2001:db8:0:0::1` alike), the port with SSH's default 22, and the path normalised
(`./x` is `x`, `x//y` is `x/y`, a trailing slash goes; a relative local path is taken
from the project directory). `overlap` says whether two identities write the same
directory or one inside the other. Pure functions: nothing is looked up or resolved
on any machine.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Any, Literal

SSH_DEFAULT_PORT = 22


@dataclass(frozen=True)
class TargetIdentity:
    """Where a target's modules land: equal identities are the same directory."""

    transport: Literal["local", "ssh"]
    machine: str  # the SSH host, lowercased; "" for a local target (the machine that runs Pulumi)
    port: int  # SSH port (22 by default); 0 for local
    path: str  # normalised; absolute unless a local path was given without its project directory

    def __str__(self) -> str:
        if self.transport == "local":
            return f"local:{self.path}"
        machine = f"[{self.machine}]" if ":" in self.machine else self.machine  # an IPv6 address, as URLs write it
        return f"ssh://{machine}:{self.port}{self.path}"


def _ssh_machine(destination: str, port: int | None) -> tuple[str, int]:
    """(host, port) of an ssh destination: `user@host`, `host`, or `ssh://[user@]host[:port]`."""
    rest = destination
    url_port: int | None = None
    if rest.startswith("ssh://"):
        rest = rest[len("ssh://") :].rstrip("/")
        host_port = rest.rpartition("@")[2]
        if host_port.startswith("["):  # ssh://[::1]:2222
            host, _, tail = host_port[1:].partition("]")
            url_port = int(tail[1:]) if tail.startswith(":") and tail[1:].isdigit() else None
        else:
            host, _, p = host_port.partition(":")
            url_port = int(p) if p.isdigit() else None
    else:
        host = rest.rpartition("@")[2]
        if host.startswith("[") and host.endswith("]"):  # root@[2001:db8::1], as scp writes it
            host = host[1:-1]
    return _address(host.lower().rstrip(".")), port or url_port or SSH_DEFAULT_PORT


def _address(host: str) -> str:
    """An IP address in its one printed form (`2001:db8:0:0::1` is `2001:db8::1`); a
    name as it is."""
    try:
        return str(ip_address(host))
    except ValueError:
        return host


def normal_path(path: str, base: str | None = "/") -> str:
    """`path` normalised: relative ones from `base` (None: left relative), `.` and `//`
    and a trailing `/` gone."""
    joined = posixpath.join(base, path) if base is not None and not path.startswith("/") else path
    normal = posixpath.normpath(joined)
    return "/" if normal == "//" else normal


def target_identity(target: Mapping[str, Any], project_dir: str | None = None) -> TargetIdentity:
    """The identity of a target as the site model holds it (`ResolvedSite.target`,
    `host.target`): `project_dir` is where a relative local path starts; without one a
    relative path stays relative (normalised), equal only to the same relative path."""
    if target["transport"] == "local":
        base = normal_path(project_dir) if project_dir is not None else None
        return TargetIdentity("local", "", 0, normal_path(str(target["path"]), base))
    machine, port = _ssh_machine(str(target["destination"]), target.get("port"))
    return TargetIdentity("ssh", machine, port, normal_path(str(target.get("path", "/etc/nixos/nixedge"))))


def overlap(a: TargetIdentity, b: TargetIdentity) -> Literal["same", "inside", "holds"] | None:
    """How `a` lies to `b`: the same directory, inside it, holding it; None when apart."""
    if (a.transport, a.machine, a.port) != (b.transport, b.machine, b.port):
        return None
    if a.path == b.path:
        return "same"
    if _below(a.path, b.path):
        return "inside"
    if _below(b.path, a.path):
        return "holds"
    return None


def _below(child: str, parent: str) -> bool:
    if parent == ".":  # the project directory itself holds every relative path
        return not child.startswith("/")
    return child.startswith(parent.rstrip("/") + "/")
