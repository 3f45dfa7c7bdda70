"""Every workload of a site, whatever runs it, as one list of the same facts.

A workload is anything the site puts on the host or publishes: a NixOS container
(`containers`), an OCI app run by Podman (`ociContainers`), a host service or another
guest such as a microVM (`origins`). Each kind has its own options, but every rule
about identities, host paths, units, addresses, ports and start order reads the facts
here, so a new kind is guarded once its facts are registered in `KINDS`.
(tests/test_workloads.py finds the kinds from the fields of `Site` keyed by
`ContainerName` and fails when one is missing here.)

Facts are what the config says, before any check: the checks name the keys given here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from components.model.oci import OciContainer
from components.model.shared import BindMount, HostFirewall, Route, User
from components.model.site import Container, Origin, Site

Kind = Literal["container", "oci", "origin"]

POSTGRESQL_SOCKET = "/run/postgresql"


@dataclass(frozen=True)
class Identity:
    """The uid and gid a workload's process runs as on the host (no user namespace)."""

    loc: str  # the key of the user, e.g. `ociContainers.whoami.user`
    user: str
    group: str
    uid: int
    gid: int
    shared: bool = False
    group_given: bool = False  # `group` was written (else it is the user's name)
    given: bool = True  # False: an OCI app without `user`, which is root to every rule

    @property
    def root(self) -> bool:
        return self.uid == 0 or self.gid == 0


def root_identity(loc: str) -> Identity:
    """What an OCI app without `user` is to every rule: uid and gid 0."""
    return Identity(loc, "root", "root", 0, 0, given=False)


@dataclass(frozen=True)
class HostPath:
    """A host path the workload sees: mounted into it, or read for it on the host."""

    key: str  # the config key to name
    path: str  # on the host, as written
    writable: bool
    mounted: bool = True  # False: read on the host for it (Podman's environmentFiles)


@dataclass(frozen=True)
class HostPort:
    """A port the workload takes on the host (a forward, a published port)."""

    key: str
    protocol: str
    port: int
    address: str | None = None  # the host address it is bound to; None: every address


@dataclass(frozen=True)
class Reach:
    """A port of the host the workload may reach (a `hostFirewall` grant)."""

    key: str
    protocol: str
    port: int


@dataclass(frozen=True)
class Edge:
    """A start-order fact: the workload starts after (or requires) `unit`."""

    key: str
    unit: str


@dataclass(frozen=True)
class Workload:
    """The facts every rule reads, whatever the kind."""

    kind: Kind
    name: str
    loc: str  # its key: `containers.forgejo`, `ociContainers.whoami`, `origins.grafana`
    identity: Identity | None  # None: not run by nixedge (an origin)
    units: tuple[str, ...]  # host units it creates
    host_paths: tuple[HostPath, ...] = ()
    state_dir: str | None = None
    state_dir_mode: str = "0750"
    addresses: tuple[tuple[str, str], ...] = ()  # (key, address) the config gives it
    listens: tuple[tuple[str, int], ...] = ()  # (key, port) its routes reach it on
    host_ports: tuple[HostPort, ...] = ()
    reaches: tuple[Reach, ...] = ()
    reaches_ssh: bool = False  # its hostFirewall says allowHostSsh
    edges: tuple[Edge, ...] = ()
    route_locs: tuple[tuple[str, Route], ...] = ()  # (key of the route, the route)
    stored: tuple[tuple[str, Any], ...] = ()  # (key, data) written into the Nix store as it is
    arguments: tuple[tuple[str, str], ...] = ()  # (key, argument) of its command lines, stored too


def _identity(loc: str, u: User) -> Identity:
    return Identity(loc, u.name, u.group or u.name, u.uid, u.gid, u.shared, u.group is not None)


def container_unit(name: str) -> str:
    return f"container@{name}.service"


def oci_unit(name: str) -> str:
    return f"podman-{name}.service"


def _edges(loc: str, after: list[str], requires: list[str]) -> tuple[Edge, ...]:
    pairs = (("after", after), ("requires", requires))
    return tuple(Edge(f"{loc}.{key}[{i}]", u) for key, units in pairs for i, u in enumerate(units))


def _reaches(loc: str, hf: HostFirewall | None) -> tuple[Reach, ...]:
    if hf is None:
        return ()
    key = f"{loc}.hostFirewall"
    return tuple(
        [Reach(f"{key}.allowedTcpPorts[{i}]", "tcp", p) for i, p in enumerate(hf.allowed_tcp_ports)]
        + [Reach(f"{key}.allowedUdpPorts[{i}]", "udp", p) for i, p in enumerate(hf.allowed_udp_ports)]
    )


def _mounts(loc: str, key: str, binds: list[BindMount]) -> list[HostPath]:
    return [
        HostPath(f"{loc}.{key}[{i}].{'hostPath' if m.host_path else 'path'}", m.host_path or m.path, not m.read_only)
        for i, m in enumerate(binds)
    ]


def _routes(loc: str, routes: list[Route]) -> tuple[tuple[str, Route], ...]:
    return tuple((f"{loc}.routes[{i}]", r) for i, r in enumerate(routes))


def _nixos(site: Site, name: str, c: Container) -> Workload:
    loc = f"containers.{name}"
    u = c.user
    paths = _mounts(loc, "bindMounts", c.bind_mounts)
    if c.state_dir is not None:
        paths.append(HostPath(f"{loc}.stateDir", c.state_dir, True))
    if c.environment_file is not None:
        paths.append(HostPath(f"{loc}.environmentFile", c.environment_file, False))
    paths += [
        HostPath(f"{loc}.secrets[{i}]", site.secrets[s].path, False)
        for i, s in enumerate(c.secrets)
        if s in site.secrets
    ]
    if c.postgresql is not None and site.postgresql.container is None:
        paths.append(HostPath(f"{loc}.postgresql", POSTGRESQL_SOCKET, False))
    given = (("hostAddress", c.host_address), ("localAddress", c.local_address))
    addresses = tuple((f"{loc}.{k}", a) for k, a in given if a)
    return Workload(
        kind="container",
        name=name,
        loc=loc,
        identity=_identity(f"{loc}.user", u),
        units=(container_unit(name),),
        host_paths=tuple(paths),
        state_dir=c.state_dir,
        state_dir_mode=c.state_dir_mode,
        addresses=addresses,
        listens=tuple((f"{loc}.routes[{i}].port", r.port) for i, r in enumerate(c.routes)),
        host_ports=tuple(
            HostPort(f"{loc}.forwardPorts[{i}].hostPort", f.protocol, f.host_port)
            for i, f in enumerate(c.forward_ports)
        ),
        reaches=_reaches(loc, c.host_firewall),
        reaches_ssh=c.host_firewall.allow_host_ssh,
        edges=_edges(loc, c.after, c.requires),
        route_locs=_routes(loc, c.routes),
        stored=((f"{loc}.settings", c.settings), (f"{loc}.nixos", c.nixos)),
        arguments=tuple((f"{loc}.extraFlags[{i}]", flag) for i, flag in enumerate(c.extra_flags)),
    )


def _oci(site: Site, name: str, o: OciContainer) -> Workload:
    loc = f"ociContainers.{name}"
    u = o.user
    identity = root_identity(f"{loc}.user") if u is None else _identity(f"{loc}.user", u)
    paths = _mounts(loc, "volumes", o.volumes)
    if o.state_dir is not None:
        paths.append(HostPath(f"{loc}.stateDir", o.state_dir, True))
    # Podman reads these on the host, as root, and hands their contents to the app.
    paths += [
        HostPath(f"{loc}.environmentFiles[{i}]", site.secrets[s].path, False, mounted=False)
        for i, s in enumerate(o.environment_files)
        if s in site.secrets
    ]
    edges = _edges(loc, o.after, o.requires) + tuple(
        Edge(f"{loc}.dependsOn[{i}]", oci_unit(other)) for i, other in enumerate(o.depends_on)
    )
    return Workload(
        kind="oci",
        name=name,
        loc=loc,
        identity=identity,
        units=(oci_unit(name),),
        host_paths=tuple(paths),
        state_dir=o.state_dir,
        state_dir_mode=o.state_dir_mode,
        addresses=((f"{loc}.address", o.address),) if o.address else (),
        listens=tuple((f"{loc}.routes[{i}].port", r.port) for i, r in enumerate(o.routes)),
        host_ports=tuple(
            HostPort(f"{loc}.ports[{i}].hostPort", p.protocol, p.host_port, p.host_address)
            for i, p in enumerate(o.ports)
        ),
        reaches=_reaches(loc, o.host_firewall),
        reaches_ssh=o.host_firewall is not None and o.host_firewall.allow_host_ssh,
        edges=edges,
        route_locs=_routes(loc, o.routes),
        stored=((f"{loc}.environment", o.environment),),
        arguments=tuple((f"{loc}.cmd[{i}]", arg) for i, arg in enumerate(o.cmd)),
    )


def _origin(site: Site, name: str, origin: Origin) -> Workload:
    """A host service or another guest (a microVM): nixedge routes to it, runs nothing."""
    loc = f"origins.{name}"
    return Workload(
        kind="origin",
        name=name,
        loc=loc,
        identity=None,
        units=(),
        addresses=((f"{loc}.address", origin.address),),
        listens=tuple((f"{loc}.routes[{i}].port", r.port) for i, r in enumerate(origin.routes)),
        route_locs=_routes(loc, origin.routes),
    )


Builder = Callable[[Site, str, Any], Workload]
# Each field of `Site` that holds workloads (keyed by ContainerName: one namespace), and
# how its entries become facts.
KINDS: dict[str, Builder] = {
    "containers": _nixos,
    "oci_containers": _oci,
    "origins": _origin,
}


def workloads(site: Site) -> tuple[Workload, ...]:
    """Every workload of the site: NixOS containers, OCI apps, origins, in that order."""
    return tuple(_each(site))


def _each(site: Site) -> Iterator[Workload]:
    for field_name, build in KINDS.items():
        for name, entry in getattr(site, field_name).items():
            yield build(site, name, entry)


def run(site: Site) -> tuple[Workload, ...]:
    """The workloads nixedge runs (those with an identity): containers and OCI apps."""
    return tuple(w for w in workloads(site) if w.identity is not None)
