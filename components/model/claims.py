"""What the host engine needs to know of a site beyond its files: origin checks and claims.

Both are computed from the resolved site here, once, as typed values; they travel to
the host provider in its wire format (`components.host.wire`), which reads them back
into the same types.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from components.model.module_paths import container_module, oci_module
from components.model.resolved import ResolvedContainer, ResolvedOciContainer, ResolvedSite, ServiceUser


@dataclass(frozen=True)
class OriginCheck:
    """A TCP origin that must answer from the host once one of `files` changed."""

    container: str
    address: str
    port: int
    files: tuple[str, ...]
    """Module paths whose change calls for this check."""
    # About a minute in all: a container restarted by the switch may need a while to
    # listen again, and a false failure would roll the host back.
    attempts: int = 10
    """Connection attempts before giving up."""
    interval: float = 3.0
    """Seconds between attempts."""
    timeout: float = 3.0
    """Seconds per attempt."""


def origin_checks(site: ResolvedSite) -> tuple[OriginCheck, ...]:
    """One TCP check per (container, port): run after activation when its module changed.
    (A container without a private address has no routes: the model refuses them.)"""
    nixos = [
        OriginCheck(c.name, c.local_address, port, (container_module(c.name),))
        for c in site.containers
        if c.local_address is not None
        for port in sorted({r.port for r in c.routes})
    ]
    oci = [
        OriginCheck(o.name, o.address, port, (oci_module(o.name),))
        for o in site.oci_containers
        for port in sorted({r.port for r in o.routes})
    ]
    return (*nixos, *oci)


@dataclass(frozen=True)
class Claim:
    """Something a module holds that no other module may hold at the same time: an
    address, a user or group id or name, a forwarded host port, a data directory.

    `kind` and `value` name the thing (`address`, `192.168.100.11`), `holder` who holds
    it (the container, or for a user or group name its id). A claim read from a state
    whose key had no kind has kind `""`."""

    kind: str
    value: str
    holder: str

    @property
    def thing(self) -> tuple[str, str]:
        """What is held, whoever holds it."""
        return (self.kind, self.value)

    def conflicts(self, other: Claim) -> bool:
        """Whether `other` takes the same thing for someone else."""
        return self.thing == other.thing and self.holder != other.holder


def _user_claims(u: ServiceUser) -> list[Claim]:
    return [
        Claim("uid", str(u.uid), u.name),
        Claim("user", u.name, str(u.uid)),
        Claim("gid", str(u.gid), u.group),
        Claim("group", u.group, str(u.gid)),
    ]


def container_claims(c: ResolvedContainer) -> tuple[Claim, ...]:
    """What one container's module holds that a new module could take over."""
    held = _user_claims(c.user)
    held += [Claim("address", a, c.name) for a in (c.host_address, c.local_address) if a is not None]
    held += [Claim("hostPort", f"{protocol}/{port}", c.name) for protocol, port, _ in c.isolation.forward_ports]
    # Its data: two containers must not run one app on the same directory.
    paths = [c.state_dir, *(m.host_path for m in c.mounts if not m.read_only)]
    held += [Claim("path", str(p), c.name) for p in paths if p is not None]
    return _unique(held)


def oci_claims(o: ResolvedOciContainer) -> tuple[Claim, ...]:
    """What one OCI container's module holds: as a NixOS container's, its address on
    the Podman network and its published host ports."""
    held = [*(_user_claims(o.user) if o.user is not None else ()), Claim("address", o.address, o.name)]
    held += [Claim("hostPort", f"{protocol}/{port}", o.name) for _, port, _, protocol in o.ports]
    paths = [o.state_dir, *(m.host_path for m in o.mounts if not m.read_only)]
    held += [Claim("path", str(p), o.name) for p in paths if p is not None]
    return _unique(held)


def _unique(claims: Iterable[Claim]) -> tuple[Claim, ...]:
    """One claim per thing, the last one winning."""
    return tuple({claim.thing: claim for claim in claims}.values())


def claims(site: ResolvedSite) -> dict[str, tuple[Claim, ...]]:
    """Module path -> what it holds. A leaving container whose claim a new one takes (a
    rename keeping its address or data) cannot run beside it until the prune step, so
    the host step removes it at once."""
    held = {container_module(c.name): container_claims(c) for c in site.containers}
    return held | {oci_module(o.name): oci_claims(o) for o in site.oci_containers}
