"""The resolved site: every derived value computed once, for the renderer and the edge.

Frozen dataclasses, sorted and complete: addresses allocated, users and groups named,
mounts and routes normalised. Nothing downstream derives anything on its own, so the
Nix modules and the Cloudflare rules cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Protocol = Literal["http", "https", "ssh", "tcp"]


@dataclass(frozen=True)
class Mount:
    path: str
    host_path: str
    read_only: bool
    loc: str  # config key it came from, for messages


@dataclass(frozen=True)
class PublicRoute:
    hostname: str
    protocol: Protocol
    port: int
    container: str
    address: str  # the container's local address
    zone: str
    loc: str

    @property
    def service(self) -> str:
        """The origin as cloudflared names it, e.g. `ssh://192.168.100.11:2222`."""
        return f"{self.protocol}://{self.address}:{self.port}"


@dataclass(frozen=True)
class ServiceUser:
    name: str
    group: str
    uid: int
    gid: int


@dataclass(frozen=True)
class ResolvedContainer:
    name: str
    app: str
    host_address: str
    local_address: str
    user: ServiceUser
    state_dir: str | None
    state_dir_mode: str
    mounts: tuple[Mount, ...]
    after: tuple[str, ...]
    requires: tuple[str, ...]
    state_version: str
    auto_start: bool
    wrapper: str | None
    routes: tuple[PublicRoute, ...]
    service: dict[str, Any]  # the app's `services.<app>` attribute set, derived + user settings
    nixos: dict[str, Any]
    database: str | None
    addresses_allocated: bool


@dataclass(frozen=True)
class ResolvedTunnel:
    name: str
    ingress: Literal["remote", "local"]
    account_id: str | None
    tunnel_id: str | None
    zones: dict[str, str | None]  # zone name -> zone id (None: look up by name)
    credentials_file: str  # on the host, root-only, outside the Nix store


@dataclass(frozen=True)
class ResolvedSite:
    host: str
    subnet: str
    target: dict[str, Any]
    activation_command: tuple[str, ...]
    rollback_command: tuple[str, ...]
    check_origins: bool
    secrets_dir: str
    tunnel: ResolvedTunnel | None
    containers: tuple[ResolvedContainer, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def routes(self) -> tuple[PublicRoute, ...]:
        """Every public route, in ingress order (by hostname)."""
        return tuple(sorted((r for c in self.containers for r in c.routes), key=lambda r: r.hostname))

    @property
    def databases(self) -> tuple[str, ...]:
        return tuple(sorted({c.database for c in self.containers if c.database}))

    def container(self, name: str) -> ResolvedContainer:
        return next(c for c in self.containers if c.name == name)
