"""Check the invariants that span several keys, and derive the resolved site.

pydantic checks each value alone; this module checks what only the whole site can
show (unique addresses, ids and hostnames, zones, mounts, ports) and derives what the
seed computed by hand (addresses, users, mounts, routes, app settings). Every problem
is collected, so one run reports them all.
"""

from __future__ import annotations

import bisect
import posixpath
from ipaddress import IPv4Address, IPv4Network, IPv6Address
from typing import Any

from components.errors import ConfigError, Issue
from components.model.addresses import allocate
from components.model.apps import PRESETS, merge_settings
from components.model.host_access import host_access
from components.model.paths import contains, sensitive
from components.model.resolved import (
    DnsRecord,
    Isolation,
    Mount,
    PostgresqlServer,
    PublicRoute,
    ResolvedContainer,
    ResolvedSite,
    ResolvedTunnel,
    ServiceUser,
)
from components.model.site import Container, Route, Site

# Container names longer than this break on kernels up to 5.8 (interface altnames,
# nixpkgs#38509): nixos-containers.nix asserts it only on such kernels, so we warn.
NAME_WARN_LENGTH = 11
POSTGRESQL_SOCKET = "/run/postgresql"
POSTGRESQL_UNIT = "postgresql.service"
SECRET_KEY = "_secret"  # {"_secret": NAME} in settings or nixos data: the secret's path


class _Checker:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.issues: list[Issue] = []
        self.warnings: list[str] = []

    def error(
        self, loc: str, message: str, value: Any = None, hint: str | None = None, *, has_value: bool = True
    ) -> None:
        self.issues.append(Issue(loc, message, value, hint, has_value))

    # -- addresses ---------------------------------------------------------------

    def addresses(self) -> dict[str, tuple[str, str]]:
        site = self.site
        network = IPv4Network(site.network.subnet)
        owners: dict[str, str] = {}

        def claim(aloc: str, addr: str) -> None:
            ip = IPv4Address(addr)
            if ip not in network:
                self.error(aloc, f"is outside network.subnet {network}", addr)
            elif ip in (network.network_address, network.broadcast_address):
                kind = "network" if ip == network.network_address else "broadcast"
                self.error(aloc, f"is the {kind} address of network.subnet {network}", addr)
            if addr in owners:
                self.error(aloc, f"is already used by {owners[addr]}", addr)
            else:
                owners[addr] = aloc

        auto: list[str] = []
        for name, c in site.containers.items():
            loc = f"containers.{name}"
            if c.network == "none":
                for key, addr in (("hostAddress", c.host_address), ("localAddress", c.local_address)):
                    if addr is not None:
                        self.error(
                            f"{loc}.{key}", "is set, but network is none (a private network without addresses)", addr
                        )
                continue
            if (c.host_address is None) != (c.local_address is None):
                missing = "hostAddress" if c.host_address is None else "localAddress"
                self.error(
                    f"{loc}.{missing}",
                    "is missing: give both hostAddress and localAddress, or neither to allocate them",
                    has_value=False,
                )
                continue
            if c.host_address is None:
                auto.append(name)
                continue
            claim(f"{loc}.hostAddress", c.host_address)
            assert c.local_address is not None
            claim(f"{loc}.localAddress", c.local_address)
        for name, origin in site.origins.items():
            aloc = f"origins.{name}.address"
            if origin.kind == "guest":
                claim(aloc, origin.address)
            elif not IPv4Address(origin.address).is_loopback:
                self.error(
                    aloc,
                    "must be a loopback address (127.0.0.0/8) for an origin of kind host",
                    origin.address,
                    hint="use kind: guest for another machine or VM",
                )
        allocated = allocate(auto, network, set(owners))
        for name in sorted(set(auto) - set(allocated)):
            self.error(
                f"containers.{name}",
                f"needs addresses but network.subnet {network} has no free pair left",
                has_value=False,
                hint="use a larger subnet, or give hostAddress and localAddress",
            )
        return allocated

    # -- users -------------------------------------------------------------------

    def users(self) -> None:
        """uid, gid, user and group names are unique, except users shared on purpose."""
        seen: dict[tuple[str, object], tuple[str, tuple[object, ...], bool]] = {}
        shared: dict[str, tuple[str, tuple[object, ...]]] = {}  # user name -> (first sharer's key, identity)
        for name, c in self.site.containers.items():
            u = c.user
            identity = (u.name, u.uid, u.gid, u.group or u.name)
            first = shared.setdefault(u.name, (f"containers.{name}.user", identity)) if u.shared else None
            if first is not None and first[1] != identity:
                # Both say shared, so "each container needs its own" would be wrong: name what differs.
                for kind, mine, theirs in zip(("name", "uid", "gid", "group"), identity, first[1], strict=True):
                    if mine != theirs:
                        self.error(
                            f"containers.{name}.user.{kind}",
                            f"differs from {first[0]}.{kind} ({theirs}), which shares user {u.name}; "
                            "a shared user has the same uid, gid and group in every container",
                            mine,
                        )
                continue
            for kind, val in (("name", u.name), ("uid", u.uid), ("gid", u.gid), ("group", u.group or u.name)):
                loc = f"containers.{name}.user.{kind}"
                other = seen.get((kind, val))
                if other is None:
                    seen[(kind, val)] = (loc, identity, u.shared)
                elif not (u.shared and other[2] and other[1] == identity):
                    hint = None
                    if other[1] == identity:
                        hint = "to share this user on purpose, set user.shared: true in both containers"
                    self.error(loc, f"is already used by {other[0]}; each container needs its own {kind}", val, hint)

    # -- routes ------------------------------------------------------------------

    def zone_of(self, hostname: str) -> str | None:
        tunnel = self.site.tunnel
        if tunnel is None:
            return None
        matches = [z.name for z in tunnel.zones if hostname == z.name or hostname.endswith("." + z.name)]
        return max(matches, key=len) if matches else None

    def route(self, rloc: str, r: Route, allow_privileged: bool, owner: str) -> str | None:
        """Checks every route shares; returns its zone, or None when it cannot be published."""
        if r.port < 1024 and not allow_privileged:
            self.error(
                f"{rloc}.port",
                "is a privileged port (< 1024); services listen on 1024 or above",
                r.port,
                hint=f"use e.g. 8080, or set {owner}.allowPrivilegedPorts: true",
            )
        if self.site.tunnel is None:
            self.error(
                f"{rloc}.hostname",
                "needs a tunnel to be published, but the site has no `tunnel`",
                r.hostname,
                hint="add tunnel: {name: ..., zones: [...]} or remove the route",
            )
            return None
        zone = self.zone_of(r.hostname)
        if zone is None:
            zones = ", ".join(z.name for z in self.site.tunnel.zones)
            self.error(f"{rloc}.hostname", f"is not in any zone of tunnel.zones ({zones})", r.hostname)
            return None
        if r.hostname.count(".") - zone.count(".") > 1:
            self.warnings.append(
                f"{rloc}.hostname: {r.hostname} is more than one level below zone {zone}; Cloudflare's "
                f"free Universal SSL certificate covers only *.{zone}"
            )
        return zone

    def routes(self, name: str, c: Container, local_address: str | None) -> tuple[PublicRoute, ...]:
        out: list[PublicRoute] = []
        loc = f"containers.{name}"
        preset = PRESETS[c.app]
        ports: dict[int, tuple[str, str]] = {}
        per_protocol: dict[str, int] = {}
        for i, r in enumerate(c.routes):
            rloc = f"{loc}.routes[{i}]"
            if local_address is None:
                self.error(
                    rloc, "cannot be served: the container has network none, so no address to route to", r.hostname
                )
                continue
            if not c.auto_start:
                self.error(
                    rloc,
                    "would point at a container that does not start: autoStart is false",
                    r.hostname,
                    hint=f"set {loc}.autoStart: true, or remove the route",
                )
                continue
            if r.protocol not in preset.protocols:
                served = ", ".join(sorted(preset.protocols)) or "no route"
                self.error(f"{rloc}.protocol", f"is not served by app {c.app} (it serves {served})", r.protocol)
            web = "http" if r.protocol in ("http", "https") else r.protocol
            per_protocol[web] = per_protocol.get(web, 0) + 1
            limit = preset.max_routes.get(web)
            if limit is not None and per_protocol[web] > limit:
                self.error(
                    f"{rloc}",
                    f"app {c.app} can serve only {limit} {web} route(s); its settings follow one hostname",
                    r.hostname,
                )
            if r.port in ports and ports[r.port][1] != r.protocol:
                self.error(
                    f"{rloc}.port", f"is already used with protocol {ports[r.port][1]} by {ports[r.port][0]}", r.port
                )
            ports.setdefault(r.port, (rloc, r.protocol))
            zone = self.route(rloc, r, c.allow_privileged_ports, loc)
            if zone is not None:
                out.append(PublicRoute(r.hostname, r.protocol, r.port, name, local_address, zone, rloc))
        return tuple(out)

    def origin_routes(self) -> tuple[PublicRoute, ...]:
        out: list[PublicRoute] = []
        for name, origin in self.site.origins.items():
            if name in self.site.containers:
                self.error(
                    f"origins.{name}",
                    f"has the name of containers.{name}; names of origins and containers are one namespace",
                    name,
                )
            for i, r in enumerate(origin.routes):
                rloc = f"origins.{name}.routes[{i}]"
                zone = self.route(rloc, r, origin.allow_privileged_ports, f"origins.{name}")
                if zone is not None:
                    out.append(
                        PublicRoute(r.hostname, r.protocol, r.port, name, origin.address, zone, rloc, origin.kind)
                    )
        return tuple(out)

    def unique_hostnames(self) -> None:
        seen: dict[str, str] = {}
        places = [(f"containers.{n}", c.routes) for n, c in self.site.containers.items()]
        places += [(f"origins.{n}", o.routes) for n, o in self.site.origins.items()]
        for owner, routes in places:
            for i, r in enumerate(routes):
                loc = f"{owner}.routes[{i}].hostname"
                if r.hostname in seen:
                    self.error(
                        loc, f"is already routed by {seen[r.hostname]}; a hostname has exactly one route", r.hostname
                    )
                else:
                    seen[r.hostname] = loc
        if self.site.tunnel is not None:
            for i, rec in enumerate(self.site.tunnel.dns_records):
                if rec.name in seen:
                    self.error(
                        f"tunnel.dnsRecords[{i}].name",
                        f"is the hostname of {seen[rec.name]}, which gets its tunnel CNAME already",
                        rec.name,
                    )

    # -- mounts ------------------------------------------------------------------

    def mounts(self, name: str, c: Container, pg: PostgresqlServer | None) -> tuple[Mount, ...]:
        loc = f"containers.{name}"
        mounts: list[Mount] = []
        flagged: set[str] = set()  # mounts already refused as sensitive: one error each
        for i, m in enumerate(c.bind_mounts):
            mloc = f"{loc}.bindMounts[{i}]"
            host_path = m.host_path or m.path
            if sensitive(host_path) and not m.allow_sensitive:
                flagged.add(mloc)
                self.error(
                    f"{mloc}.{'hostPath' if m.host_path else 'path'}",
                    "is a sensitive host path; mounting it gives the container power over the host",
                    host_path,
                    hint=f"mount a narrower path, or set {mloc}.allowSensitive: true",
                )
            mounts.append(Mount(m.path, host_path, m.read_only, mloc))
        if c.state_dir is not None:
            if sensitive(c.state_dir):
                flagged.add(f"{loc}.stateDir")
                self.error(
                    f"{loc}.stateDir",
                    "is a sensitive host path; use a directory of its own such as /var/lib/<app>",
                    c.state_dir,
                )
            mounts.append(Mount(c.state_dir, c.state_dir, False, f"{loc}.stateDir"))
        if pg is not None and (name == pg.container or c.postgresql is not None):
            # The server's socket directory lives on the host, shared with its clients.
            mounts = [m for m in mounts if m.path != POSTGRESQL_SOCKET]
            mounts.append(Mount(POSTGRESQL_SOCKET, pg.socket_dir, name != pg.container, f"{loc}.postgresql"))
        elif c.postgresql is not None and not any(m.path == POSTGRESQL_SOCKET for m in mounts):
            mounts.append(Mount(POSTGRESQL_SOCKET, POSTGRESQL_SOCKET, True, f"{loc}.postgresql"))
        if c.environment_file is not None and not any(contains(m.path, c.environment_file) for m in mounts):
            mounts.append(Mount(c.environment_file, c.environment_file, True, f"{loc}.environmentFile"))
        for i, secret in enumerate(c.secrets):
            ref = self.site.secrets.get(secret)
            if ref is None:
                self.error(
                    f"{loc}.secrets[{i}]",
                    self.unknown_secret(),
                    secret,
                )
            elif not any(m.path == ref.path for m in mounts):
                mounts.append(Mount(ref.path, ref.path, True, f"{loc}.secrets[{i}]"))
        for mount in (mount for mount in mounts if mount.loc not in flagged):
            for key, path, why in self.nixedge_paths():
                if contains(mount.host_path, path) or contains(path, mount.host_path):
                    field = "hostPath" if mount.host_path != mount.path else "path"
                    mloc = f"{mount.loc}.{field}" if "bindMounts" in mount.loc else mount.loc
                    self.error(mloc, f"reaches {key} ({path}): {why}", mount.host_path)
        for i, a in enumerate(mounts):
            aloc = f"{a.loc}.path" if "bindMounts" in a.loc else a.loc
            for b in mounts[:i]:
                if a.path == b.path:
                    self.error(aloc, f"mounts {a.path} again; already mounted by {b.loc}", a.path)
                elif contains(a.path, b.path) or contains(b.path, a.path):
                    self.error(aloc, f"overlaps {b.loc} ({b.path}); mount points must not nest", a.path)
        return tuple(sorted(mounts, key=lambda m: m.path))

    def nixedge_paths(self) -> list[tuple[str, str, str]]:
        """Host paths of nixedge's own that no container may see: (key, path, why)."""
        paths = [("host.secretsDir", self.site.host.secrets_dir, "the container could read the tunnel credentials")]
        target = self.site.host.target.path
        if target.startswith("/"):
            paths.append(("host.target.path", target, "the container could write Nix that the host activates"))
        return paths

    def foreign_state_dirs(self, resolved: dict[str, tuple[Mount, ...]]) -> None:
        owners = {c.state_dir: n for n, c in self.site.containers.items() if c.state_dir}
        order = {state_dir: i for i, state_dir in enumerate(owners)}
        below = sorted(owners)
        for name, mounts in resolved.items():
            for m in mounts:
                # State directories at or above the mount (its ancestors), and below it: a
                # walk up the path and a range of the sorted list, not every pair.
                reached = {p for p in _ancestors(m.host_path) if p in owners}
                prefix = "/" if m.host_path == "/" else m.host_path + "/"
                start = bisect.bisect_left(below, prefix)
                for state_dir in below[start:]:
                    if not state_dir.startswith(prefix):
                        break
                    reached.add(state_dir)
                for state_dir in sorted(reached, key=order.__getitem__):
                    owner = owners[state_dir]
                    if owner != name:
                        self.error(
                            f"{m.loc}.hostPath" if "bindMounts" in m.loc else m.loc,
                            f"reaches {state_dir}, the state directory of containers.{owner}",
                            m.host_path,
                        )

    # -- PostgreSQL in a container ----------------------------------------------------

    def postgresql(self) -> PostgresqlServer | None:
        server = self.site.postgresql.container
        clients = tuple(sorted(n for n, c in self.site.containers.items() if c.postgresql is not None))
        servers = sorted(n for n, c in self.site.containers.items() if c.app == "postgresql")
        if server is None:
            for name in servers:
                self.error(
                    f"containers.{name}.app",
                    "is postgresql, but postgresql.container does not name it",
                    "postgresql",
                    hint=f"set postgresql: {{container: {name}}} so that clients use it",
                )
            return None
        c = self.site.containers.get(server)
        if c is None:
            self.error(
                "postgresql.container",
                f"names no container (containers: {', '.join(sorted(self.site.containers))})",
                server,
            )
            return None
        if c.app != "postgresql":
            self.error(
                "postgresql.container", f"names containers.{server}, whose app is {c.app}, not postgresql", server
            )
            return None
        for name in servers:
            if name != server:
                self.error(
                    f"containers.{name}.app",
                    f"is postgresql, but postgresql.container names {server}: clients use that one server",
                    "postgresql",
                    hint="a second PostgreSQL needs app: generic with services.postgresql under nixos",
                )
        return PostgresqlServer(
            container=server,
            socket_dir=f"/run/nixedge/{server}",
            ready_unit=f"nixedge-{server}-ready.service",
            clients=tuple(n for n in clients if n != server),
        )

    # -- isolation ----------------------------------------------------------------

    def isolation(self, name: str, c: Container) -> Isolation:
        loc = f"containers.{name}"
        iso = Isolation(
            private_users=c.private_users,
            ephemeral=c.ephemeral,
            allowed_devices=tuple((d.node, d.modifier) for d in c.allowed_devices),
            capabilities=tuple(c.additional_capabilities),
            extra_flags=tuple(c.extra_flags),
            forward_ports=tuple((f.protocol, f.host_port, f.container_port or f.host_port) for f in c.forward_ports),
            resources=tuple(
                (k, v)
                for k, v in (
                    ("MemoryHigh", c.resources.memory_high),
                    ("MemoryMax", c.resources.memory_max),
                    ("CPUQuota", c.resources.cpu_quota),
                )
                if v is not None
            ),
        )
        if iso.idmap and (c.postgresql is not None or c.app == "postgresql"):
            self.error(
                f"{loc}.privateUsers",
                "shifts the container's uids, but PostgreSQL peer authentication compares them with the host's",
                c.private_users,
                hint="use privateUsers: identity (or no) for PostgreSQL and its clients",
            )
        high, most = c.resources.memory_high, c.resources.memory_max
        if high and most and _bytes(high) is not None and _bytes(most) is not None and _bytes(high) > _bytes(most):  # type: ignore[operator]
            self.error(
                f"{loc}.resources.memoryHigh",
                f"is above resources.memoryMax ({most}); the throttle would never apply",
                high,
            )
        if c.forward_ports and c.network == "none":
            self.error(
                f"{loc}.forwardPorts", "needs addresses, but network is none", [f.host_port for f in c.forward_ports]
            )
        return iso

    def forward_ports(self) -> None:
        seen: dict[tuple[str, int], str] = {}
        for name, c in self.site.containers.items():
            for i, f in enumerate(c.forward_ports):
                loc = f"containers.{name}.forwardPorts[{i}].hostPort"
                key = (f.protocol, f.host_port)
                if key in seen:
                    self.error(loc, f"is already forwarded ({f.protocol}) by {seen[key]}", f.host_port)
                else:
                    seen[key] = loc

    def firewall(self, c: Container, routes: tuple[PublicRoute, ...]) -> tuple[tuple[int, ...] | None, tuple[int, ...]]:
        if c.firewall.mode == "trusted":
            return None, ()
        # cloudflared's every protocol (http, https, ssh, tcp) reaches the origin over TCP;
        # a forwarded port is useless unless the container's firewall lets it in too.
        forwarded = {(f.protocol, f.container_port or f.host_port) for f in c.forward_ports}
        tcp = {r.port for r in routes} | set(c.firewall.allowed_tcp_ports)
        tcp |= {p for proto, p in forwarded if proto == "tcp"}
        udp = set(c.firewall.allowed_udp_ports) | {p for proto, p in forwarded if proto == "udp"}
        return tuple(sorted(tcp)), tuple(sorted(udp))

    # -- secrets by reference -----------------------------------------------------

    def unknown_secret(self) -> str:
        declared = ", ".join(sorted(self.site.secrets)) or "none declared"
        return f"names no secret of the site's secrets ({declared})"

    def substitute_secrets(self, loc: str, data: Any, owner: str, listed: list[str]) -> Any:
        """Replace {"_secret": NAME} with the secret's path; nixedge never reads the secret.

        `owner` is the container's key and `listed` its `secrets`: only those are mounted.
        """
        if isinstance(data, dict):
            if set(data) == {SECRET_KEY}:
                name = data[SECRET_KEY]
                ref = self.site.secrets.get(name) if isinstance(name, str) else None
                if ref is None:
                    self.error(
                        f"{loc}.{SECRET_KEY}",
                        self.unknown_secret(),
                        name,
                    )
                    return ""
                if name not in listed:
                    self.error(
                        f"{loc}.{SECRET_KEY}",
                        f"names secret {name}, which {owner}.secrets does not list, "
                        "so it is not mounted in the container",
                        name,
                        hint=f"add {name} to {owner}.secrets",
                    )
                return ref.path
            return {k: self.substitute_secrets(f"{loc}.{k}", v, owner, listed) for k, v in data.items()}
        if isinstance(data, list):
            return [self.substitute_secrets(f"{loc}[{i}]", v, owner, listed) for i, v in enumerate(data)]
        return data

    # -- the whole site ----------------------------------------------------------

    def run(self) -> ResolvedSite:
        site = self.site
        if site.host.name in site.containers:
            self.error(
                f"containers.{site.host.name}",
                "has the name of the host (host.name): the container takes its name as its host name, "
                "so both would answer to it",
                site.host.name,
            )
        allocated = self.addresses()
        self.users()
        self.unique_hostnames()
        self.forward_ports()
        access, access_issues = host_access(site)
        self.issues += access_issues
        pg = self.postgresql()
        if site.tunnel is not None:
            names = [z.name for z in site.tunnel.zones]
            for i, zname in enumerate(names):
                if zname in names[:i]:
                    self.error(f"tunnel.zones[{i}].name", "is listed twice", zname)
        mounts = {name: self.mounts(name, c, pg) for name, c in site.containers.items()}
        self.foreign_state_dirs(mounts)
        containers = [
            self.container(name, c, allocated, mounts[name], pg) for name, c in sorted(site.containers.items())
        ]
        origin_routes = self.origin_routes()
        tunnel = self.tunnel()
        if self.issues:
            raise ConfigError(self.issues)
        return ResolvedSite(
            host=site.host.name,
            subnet=site.network.subnet,
            target=site.host.target.model_dump(by_alias=True, exclude_none=True),
            activation_command=self.activation_command(),
            rollback_command=self.rollback_command(),
            # Nothing to check without an activation, nor after `boot` (it takes a reboot).
            check_origins=site.host.activation.check
            and bool(self.activation_command())
            and site.host.activation.mode != "boot",
            secrets_dir=site.host.secrets_dir,
            tunnel=tunnel,
            containers=tuple(containers),
            warnings=tuple(self.warnings),
            origin_routes=origin_routes,
            postgresql=pg,
            host_access=access,
        )

    def container(
        self,
        name: str,
        c: Container,
        allocated: dict[str, tuple[str, str]],
        mounts: tuple[Mount, ...],
        pg: PostgresqlServer | None,
    ) -> ResolvedContainer:
        loc = f"containers.{name}"
        host_address: str | None
        local_address: str | None
        if c.network == "none":
            host_address = local_address = None
        elif c.host_address and c.local_address:
            host_address, local_address = c.host_address, c.local_address
        else:
            host_address, local_address = allocated.get(name, ("", ""))
        # nixpkgs asserts it whenever privateNetwork is set, which nixedge always sets (also for network none).
        if len(name) > NAME_WARN_LENGTH:
            self.warnings.append(
                f"{loc}: name is longer than {NAME_WARN_LENGTH} characters; with privateNetwork its "
                "veth name needs a Linux kernel newer than 5.8 (nixpkgs#38509)"
            )
        preset = PRESETS[c.app]
        derived = preset.derive(loc, c)
        service: dict[str, Any] = derived.service
        if c.app == "generic":
            if c.settings:
                self.error(
                    f"{loc}.settings", "is for the app presets; give a generic app's options under nixos", c.settings
                )
        else:
            settings, refused = merge_settings(
                service.get("settings", {}), c.settings, derived.sources, f"{loc}.settings"
            )
            for key_loc, message, value in refused:
                self.error(key_loc, message, value)
            service = {k: v for k, v in service.items() if k != "settings"}
            if settings:
                service["settings"] = self.substitute_secrets(f"{loc}.settings", settings, loc, c.secrets)
        if c.app == "atticd" and c.environment_file is None:
            self.error(
                f"{loc}.environmentFile",
                "is required by app atticd (services.atticd.environmentFile holds its secrets)",
                has_value=False,
                hint="e.g. /etc/atticd.env, created on the host outside the Nix store",
            )
        if c.app != "atticd" and c.environment_file is not None:
            self.error(
                f"{loc}.environmentFile",
                "is only used by app atticd; give a generic app's secrets file under nixos",
                c.environment_file,
            )
        if c.app == "postgresql":
            if c.postgresql is not None:
                self.error(f"{loc}.postgresql", "is set on the PostgreSQL server itself", has_value=False)
            if pg is not None and pg.container == name:
                service = _postgresql_server(service, self.site, pg)
        if c.postgresql is not None and (c.postgresql.database or c.user.name) != c.user.name:
            self.error(
                f"{loc}.postgresql.database",
                f"must equal the user name ({c.user.name}): NixOS ensureDBOwnership "
                "gives a role only the database of its own name",
                c.postgresql.database,
            )
        after = list(c.after)
        requires = list(c.requires)
        deps: list[str] = []
        if c.postgresql is not None:
            deps = [pg.ready_unit] if pg is not None else [POSTGRESQL_UNIT]
        for secret in c.secrets:
            ref = self.site.secrets.get(secret)
            if ref is not None and ref.unit is not None and ref.unit not in deps:
                deps.append(ref.unit)
        after = deps + [u for u in after if u not in deps]
        requires = deps + [u for u in requires if u not in deps]
        routes = self.routes(name, c, local_address)
        tcp, udp = self.firewall(c, routes)
        return ResolvedContainer(
            name=name,
            app=c.app,
            host_address=host_address,
            local_address=local_address,
            user=ServiceUser(c.user.name, c.user.group or c.user.name, c.user.uid, c.user.gid),
            state_dir=c.state_dir,
            state_dir_mode=c.state_dir_mode,
            mounts=mounts,
            after=tuple(after),
            requires=tuple(requires),
            state_version=c.state_version,
            auto_start=c.auto_start,
            wrapper=c.wrapper if c.wrapper is not None else preset.default_wrapper,
            routes=routes,
            service=service,
            nixos=self.substitute_secrets(f"{loc}.nixos", c.nixos, loc, c.secrets),
            database=(c.postgresql.database or c.user.name) if c.postgresql else None,
            addresses_allocated=name in allocated,
            isolation=self.isolation(name, c),
            firewall_tcp=tcp,
            firewall_udp=udp,
            imports=tuple(_import_expr(ref) for ref in c.imports),
            shared_user=c.user.shared,
        )

    def activation_command(self) -> tuple[str, ...]:
        a = self.site.host.activation
        if a.command is not None:
            return tuple(a.command)
        return () if a.mode == "none" else ("nixos-rebuild", a.mode)

    def rollback_command(self) -> tuple[str, ...]:
        a = self.site.host.activation
        if a.rollback is not None:
            return tuple(a.rollback)
        # The previous modules are back in place when this runs, so the activation command
        # itself restores the previous system. `switch --rollback` would go one generation
        # too far when the failed command never built a new one (an evaluation error).
        return self.activation_command()

    def tunnel(self) -> ResolvedTunnel | None:
        t = self.site.tunnel
        if t is None:
            return None
        records: list[DnsRecord] = []
        for i, rec in enumerate(t.dns_records):
            loc = f"tunnel.dnsRecords[{i}]"
            zone = self.zone_of(rec.name)
            if zone is None:
                self.error(
                    f"{loc}.name",
                    f"is not in any zone of tunnel.zones ({', '.join(z.name for z in t.zones)})",
                    rec.name,
                )
                continue
            problem = _record_content_problem(rec.type, rec.content)
            if problem:
                self.error(f"{loc}.content", problem, rec.content)
            if rec.proxied and rec.type == "TXT":
                self.error(f"{loc}.proxied", "cannot be true for a TXT record", True)
            if rec.ttl != 1 and (rec.proxied or rec.ttl < 60):
                why = "a proxied record's TTL is automatic" if rec.proxied else "Cloudflare takes 60 to 86400 seconds"
                self.error(f"{loc}.ttl", f"must be 1 (automatic): {why}", rec.ttl)
            if rec.proxied and rec.name.count(".") - zone.count(".") > 1:
                self.warnings.append(
                    f"{loc}.name: {rec.name} is more than one level below zone {zone}; "
                    f"Universal SSL covers only *.{zone}"
                )
            # Cloudflare refuses an identical record, and any record beside a CNAME of the same name.
            for j, prev in enumerate(t.dns_records[:i]):
                if prev.name != rec.name:
                    continue
                if (prev.type, prev.content) == (rec.type, rec.content):
                    self.error(loc, f"repeats tunnel.dnsRecords[{j}] ({rec.type} {rec.content})", rec.name)
                    break
                if "CNAME" in (prev.type, rec.type):
                    self.error(
                        f"{loc}.type",
                        f"cannot share name {rec.name} with tunnel.dnsRecords[{j}] ({prev.type}): "
                        "a CNAME must be the only record of its name",
                        rec.type,
                    )
                    break
            records.append(DnsRecord(rec.name, rec.type, rec.content, rec.proxied, rec.ttl, zone))
        routed = {r.hostname for c in self.site.containers.values() for r in c.routes}
        routed |= {r.hostname for o in self.site.origins.values() for r in o.routes}
        for hostname, record_id in t.dns_imports.items():
            if hostname not in routed:
                self.error(
                    f"tunnel.dnsImports[{hostname!r}]",  # quoted like pydantic's keys: it holds dots
                    "names no hostname of a route; only routed hostnames get records",
                    record_id,
                )
        suffix = "json" if t.ingress == "local" else "token"
        return ResolvedTunnel(
            name=t.name,
            ingress=t.ingress,
            account_id=t.account_id,
            tunnel_id=t.tunnel_id,
            zones={z.name: z.zone_id for z in t.zones},
            credentials_file=posixpath.join(self.site.host.secrets_dir, f"cloudflared-{t.name}.{suffix}"),
            catch_all=t.catch_all,
            tune_udp_buffers=t.tune_udp_buffers,
            dns_records=tuple(sorted(records, key=lambda r: (r.name, r.type, r.content))),
            dns_imports=tuple(sorted(t.dns_imports.items())),
        )


def _ancestors(path: str) -> list[str]:
    """`path` and every directory above it, up to `/`."""
    out = [path]
    while path != "/":
        path = posixpath.dirname(path)
        out.append(path)
    return out


def _bytes(size: str) -> float | None:
    """Bytes of a systemd memory size, or None for percentages and infinity."""
    if size.endswith("%") or size == "infinity":
        return None
    factor = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}.get(size[-1], 1)
    return float(size.rstrip("KMGT")) * factor


def _record_content_problem(rtype: str, content: str) -> str | None:
    try:
        if rtype == "A":
            IPv4Address(content)
        elif rtype == "AAAA":
            IPv6Address(content)
    except ValueError:
        return f"must be an {'IPv4' if rtype == 'A' else 'IPv6'} address for a record of type {rtype}"
    if (
        rtype == "CNAME"
        and not all(label for label in content.rstrip(".").split("."))
        or (rtype == "CNAME" and " " in content)
    ):
        return "must be a host name for a record of type CNAME"
    return None


def _import_expr(ref: str) -> str:
    """The Nix expression that imports a module reference (see Container.imports)."""
    if ref.startswith("flake:"):
        return "inputs." + ref[len("flake:") :]
    return f"../modules/{ref}"


def _postgresql_server(service: dict[str, Any], site: Site, pg: PostgresqlServer) -> dict[str, Any]:
    """The server's databases and roles follow the containers that say they use it."""
    clients = [site.containers[n] for n in pg.clients]
    databases = sorted({(c.postgresql.database if c.postgresql else None) or c.user.name for c in clients})
    users = sorted({c.user.name for c in clients})
    return {
        **service,
        "ensureDatabases": databases,
        "ensureUsers": [{"name": u, "ensureDBOwnership": True} for u in users],
    }


def resolve(site: Site) -> ResolvedSite:
    """The resolved site, or ConfigError listing every invariant the site breaks."""
    return _Checker(site).run()
