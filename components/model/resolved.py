"""The resolved site: every derived value computed once, for the renderer and the edge.

Frozen dataclasses, sorted and complete: addresses allocated, users and groups named,
mounts and routes normalised. Nothing downstream derives anything on its own, so the
Nix modules and the Cloudflare rules cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from components.errors import Issue
from components.model.host_access import HostAccess
from components.model.releases import DEFAULT_RELEASE

Protocol = Literal["http", "https", "ssh", "tcp"]


def public_url(protocol: str, hostname: str) -> str:
    """The URL people use for a route: `https://<hostname>/` for web origins (Cloudflare
    serves http and https ones over https), else `ssh://` or `tcp://<hostname>`."""
    return f"https://{hostname}/" if protocol in ("http", "https") else f"{protocol}://{hostname}"


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
    container: str  # the container (NixOS or OCI), or the origin's name for kind host/guest
    address: str  # the container's local address, or the origin's
    zone: str
    loc: str
    kind: Literal["container", "oci", "host", "guest"] = "container"

    @property
    def service(self) -> str:
        """The origin as cloudflared names it, e.g. `ssh://192.168.100.11:2222`."""
        return f"{self.protocol}://{self.address}:{self.port}"

    @property
    def public_url(self) -> str:
        return public_url(self.protocol, self.hostname)

    @property
    def origin_server_name(self) -> str | None:
        """The name cloudflared checks the origin's certificate against (and sends as SNI).

        An https origin is reached by its address, so it is the public hostname; http,
        ssh and tcp origins have no certificate to check: None.
        """
        return self.hostname if self.protocol == "https" else None


@dataclass(frozen=True)
class IngressRule:
    """One rule of the tunnel's ingress, as cloudflared applies them: first match wins."""

    service: str  # e.g. `http://192.168.100.11:8080`, or the catch-all's `http_status:404`
    hostname: str | None = None  # None: the catch-all, which matches every request
    origin_server_name: str | None = None  # see PublicRoute.origin_server_name


@dataclass(frozen=True)
class ServiceUser:
    name: str
    group: str
    uid: int
    gid: int


@dataclass(frozen=True)
class Isolation:
    """containers.<name> options beyond the seed's, rendered only when set."""

    private_users: str | int = "no"
    ephemeral: bool = False
    allowed_devices: tuple[tuple[str, str], ...] = ()
    capabilities: tuple[str, ...] = ()
    extra_flags: tuple[str, ...] = ()
    forward_ports: tuple[tuple[str, int, int], ...] = ()  # (protocol, host port, container port)
    resources: tuple[tuple[str, str], ...] = ()  # (systemd directive, value)

    @property
    def idmap(self) -> bool:
        """Whether bind mounts need id-mapping (a user namespace with shifted ids)."""
        return self.private_users == "pick" or (isinstance(self.private_users, int) and self.private_users > 0)


@dataclass(frozen=True)
class ResolvedContainer:
    name: str
    app: str
    host_address: str | None  # None: a private network without addresses
    local_address: str | None
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
    isolation: Isolation = Isolation()
    firewall_tcp: tuple[int, ...] | None = None  # None: trust eth0 (the seed); else open these
    firewall_udp: tuple[int, ...] = ()
    imports: tuple[str, ...] = ()  # Nix expressions: `../modules/x.nix` or `inputs.a.b`
    shared_user: bool = False


@dataclass(frozen=True)
class ResolvedOciContainer:
    """An OCI image run by Podman on nixedge's Podman network (components.model.oci)."""

    name: str
    image: str
    address: str  # on the Podman network
    user: ServiceUser | None  # None: the image's user (root to every rule; `check` warns)
    mounts: tuple[Mount, ...]  # volumes and the state directory, by path inside
    routes: tuple[PublicRoute, ...]
    state_dir: str | None = None
    state_dir_mode: str = "0750"
    cmd: tuple[str, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()
    environment_files: tuple[str, ...] = ()  # host paths of secrets
    ports: tuple[tuple[str, int, int, str], ...] = ()  # (host address, host port, container port, protocol)
    depends_on: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    auto_start: bool = True
    options: tuple[str, ...] = ()  # resource limits as `podman run` options
    grant_tcp: tuple[int, ...] = ()  # host ports it may reach (hostFirewall)
    grant_udp: tuple[int, ...] = ()
    address_allocated: bool = False
    shared_user: bool = False


@dataclass(frozen=True)
class PodmanNet:
    """The Podman network nixedge declares for the OCI containers."""

    subnet: str
    gateway: str  # the host's side, the first address
    name: str = "nixedge"
    interface: str = "nixedge0"  # the bridge, named so that firewall rules can match it
    unit: str = "nixedge-podman-network.service"


@dataclass(frozen=True)
class DnsRecord:
    """A DNS record besides the tunnel CNAMEs."""

    name: str
    type: str
    content: str
    proxied: bool
    ttl: int
    zone: str


@dataclass(frozen=True)
class ResolvedTunnel:
    name: str
    ingress: Literal["remote", "local"]
    account_id: str | None
    tunnel_id: str | None
    zones: dict[str, str | None]  # zone name -> zone id (None: look up by name)
    credentials_file: str  # on the host, root-only, outside the Nix store
    catch_all: str = "http_status:404"
    tune_udp_buffers: bool = False
    dns_records: tuple[DnsRecord, ...] = ()
    dns_imports: tuple[tuple[str, str], ...] = ()  # (hostname, record id) to adopt
    # What refuses publishing (preview, up) but not `check`: the shipped stacks' `<...>` ids.
    publish_issues: tuple[Issue, ...] = ()


@dataclass(frozen=True)
class PostgresqlServer:
    """PostgreSQL in a container: its socket directory on the host and its clients."""

    container: str
    socket_dir: str  # on the host; mounted at /run/postgresql on both sides
    ready_unit: str  # host unit that waits until the server accepts connections
    clients: tuple[str, ...]  # container names


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
    origin_routes: tuple[PublicRoute, ...] = ()  # routes to host services and other guests
    postgresql: PostgresqlServer | None = None  # None: the host's PostgreSQL (the seed)
    module_files: tuple[tuple[str, str], ...] = ()  # (path under modules/, text) shipped as is
    nixos_release: str = DEFAULT_RELEASE  # the host's (components.model.releases)
    host_access: HostAccess = field(default_factory=HostAccess)  # what containers reach on the host (host_access.py)
    oci_containers: tuple[ResolvedOciContainer, ...] = ()
    podman: PodmanNet | None = None  # None: no OCI containers
    renamed_from: str | None = None  # the host's name before a rename (host.renamedFrom)

    @property
    def all_routes(self) -> tuple[PublicRoute, ...]:
        """Routes of NixOS containers, OCI containers and origins, unsorted."""
        every = [r for c in self.containers for r in c.routes] + [r for o in self.oci_containers for r in o.routes]
        return (*every, *self.origin_routes)

    @property
    def routes(self) -> tuple[PublicRoute, ...]:
        """Every public route, in ingress order (by hostname)."""
        return tuple(sorted(self.all_routes, key=lambda r: r.hostname))

    @property
    def ingress(self) -> tuple[IngressRule, ...]:
        """The tunnel's ingress rules: one per route in `routes` order, the catch-all last;
        () without a tunnel."""
        if self.tunnel is None:
            return ()
        rules = [IngressRule(r.service, r.hostname, r.origin_server_name) for r in self.routes]
        return (*rules, IngressRule(self.tunnel.catch_all))

    @property
    def databases(self) -> tuple[str, ...]:
        """Databases on the host's PostgreSQL (none when PostgreSQL runs in a container)."""
        if self.postgresql is not None:
            return ()
        return tuple(sorted({c.database for c in self.containers if c.database}))

    def container(self, name: str) -> ResolvedContainer:
        return next(c for c in self.containers if c.name == name)
