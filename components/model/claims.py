"""What the host engine needs to know of a site beyond its files: origin checks and claims.

Both are computed from the resolved site here, once, and travel to the host provider
in its properties in their wire form (`to_props`); the provider reads them back with
`from_props` into the same types. The wire form is what states deployed since the
first release hold, so it must not change:

    checks: [{"container": "forgejo", "address": "192.168.100.11", "port": 3000,
              "files": ["containers/forgejo.nix"]}, ...]
    claims: {"containers/forgejo.nix": {"address 192.168.100.11": "forgejo", ...}, ...}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from components.model.resolved import ResolvedContainer, ResolvedOciContainer, ResolvedSite, ServiceUser


def module_path(container: str) -> str:
    """The module path of a container's generated module."""
    return f"containers/{container}.nix"


def oci_module_path(container: str) -> str:
    """The module path of an OCI container's generated module."""
    return f"oci-containers/{container}.nix"


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

    def to_props(self) -> dict[str, Any]:
        """The wire form; the retry settings only when they are not the defaults."""
        props: dict[str, Any] = {
            "container": self.container,
            "address": self.address,
            "port": self.port,
            "files": list(self.files),
        }
        for name in ("attempts", "interval", "timeout"):
            if getattr(self, name) != getattr(OriginCheck, name):
                props[name] = getattr(self, name)
        return props

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> OriginCheck:
        """Read the wire form back (validated by the provider's `check`)."""
        return cls(
            container=str(props.get("container", props["address"])),
            address=str(props["address"]),
            port=int(props["port"]),
            files=tuple(str(f) for f in props.get("files") or ()),
            attempts=int(props.get("attempts", cls.attempts)),
            interval=float(props.get("interval", cls.interval)),
            timeout=float(props.get("timeout", cls.timeout)),
        )


def origin_checks(site: ResolvedSite) -> tuple[OriginCheck, ...]:
    """One TCP check per (container, port): run after activation when its module changed.
    (A container without a private address has no routes: the model refuses them.)"""
    nixos = [
        OriginCheck(c.name, c.local_address, port, (module_path(c.name),))
        for c in site.containers
        if c.local_address is not None
        for port in sorted({r.port for r in c.routes})
    ]
    oci = [
        OriginCheck(o.name, o.address, port, (oci_module_path(o.name),))
        for o in site.oci_containers
        for port in sorted({r.port for r in o.routes})
    ]
    return (*nixos, *oci)


def checks_to_props(checks: Iterable[OriginCheck]) -> list[dict[str, Any]]:
    return [check.to_props() for check in checks]


def checks_from_props(props: Iterable[Mapping[str, Any]] | None) -> tuple[OriginCheck, ...]:
    return tuple(OriginCheck.from_props(c) for c in props or ())


@dataclass(frozen=True)
class Claim:
    """Something a module holds that no other module may hold at the same time: an
    address, a user or group id or name, a forwarded host port, a data directory.

    `kind` and `value` name the thing (`address`, `192.168.100.11`), `holder` who holds
    it (the container, or for a user or group name its id)."""

    kind: str
    value: str
    holder: str

    @property
    def key(self) -> str:
        """The claim's name in the wire form, e.g. `address 192.168.100.11`."""
        return f"{self.kind} {self.value}" if self.kind else self.value

    def conflicts(self, other: Claim) -> bool:
        """Whether `other` takes the same thing for someone else."""
        return self.key == other.key and self.holder != other.holder


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
    """One claim per key, the last one winning (as the wire form's mapping does)."""
    return tuple({claim.key: claim for claim in claims}.values())


def claims(site: ResolvedSite) -> dict[str, tuple[Claim, ...]]:
    """Module path -> what it holds. A leaving container whose claim a new one takes (a
    rename keeping its address or data) cannot run beside it until the prune step, so
    the host step removes it at once."""
    held = {module_path(c.name): container_claims(c) for c in site.containers}
    return held | {oci_module_path(o.name): oci_claims(o) for o in site.oci_containers}


def claims_to_props(claims: Mapping[str, Iterable[Claim]]) -> dict[str, dict[str, str]]:
    """The wire form: module path -> {claim key: holder}."""
    return {rel: {claim.key: claim.holder for claim in held} for rel, held in claims.items()}


def claims_from_props(props: Mapping[str, Mapping[str, str]] | None) -> dict[str, tuple[Claim, ...]]:
    """Read the wire form back; a key without a space is a claim of kind `""`."""
    out: dict[str, tuple[Claim, ...]] = {}
    for rel, held in (props or {}).items():
        out[rel] = tuple(Claim(*_split(key), holder) for key, holder in held.items())
    return out


def _split(key: str) -> tuple[str, str]:
    kind, _, value = key.partition(" ")
    return (kind, value) if value else ("", kind)
