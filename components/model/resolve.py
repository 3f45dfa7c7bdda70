"""Check the invariants that span several keys, and derive the resolved site.

pydantic checks each value alone; this module checks what only the whole site can
show (unique addresses, ids and hostnames, zones, mounts) and derives what the seed
computed by hand (addresses, users, mounts, routes, app settings). Every problem is
collected, so one run reports them all.
"""

from __future__ import annotations

import hashlib
import posixpath
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from components.errors import ConfigError, Issue
from components.model.apps import PRESETS, merge_settings
from components.model.resolved import (
    Mount,
    PublicRoute,
    ResolvedContainer,
    ResolvedSite,
    ResolvedTunnel,
    ServiceUser,
)
from components.model.site import Container, Site

# Host paths whose bind mount would hand a container the keys to the host. A mount of
# one of these, or of anything below the first group, needs `allowSensitive: true`.
SENSITIVE_TREES = ("/nix", "/boot", "/proc", "/sys", "/dev", "/etc/nixos", "/etc/ssh", "/root")
SENSITIVE_PATHS = frozenset(
    {"/", "/etc", "/var", "/var/lib", "/run", "/usr", "/bin", "/sbin", "/lib", "/lib64",
     "/home", "/srv", "/mnt", "/tmp", "/opt", "/etc/shadow", "/etc/passwd", "/etc/group",
     "/etc/sudoers", "/var/lib/nixos-containers", "/run/secrets", "/run/agenix"}
)
# Container names longer than this break on kernels before 5.8 (interface altnames),
# nixpkgs#38509: nixos-containers.nix only warns, and so do we.
NAME_WARN_LENGTH = 11
POSTGRESQL_SOCKET = "/run/postgresql"
POSTGRESQL_UNIT = "postgresql.service"


def _sensitive(path: str) -> bool:
    return path in SENSITIVE_PATHS or any(
        path == tree or path.startswith(tree + "/") for tree in SENSITIVE_TREES
    )


def _contains(parent: str, child: str) -> bool:
    return child == parent or parent == "/" or child.startswith(parent + "/")


def _slot_addresses(network: IPv4Network, slot: int) -> tuple[str, str]:
    base = int(network.network_address)
    return str(IPv4Address(base + 2 * slot)), str(IPv4Address(base + 2 * slot + 1))


def _allocate(site: Site, network: IPv4Network, taken: set[str]) -> dict[str, tuple[str, str]]:
    """Addresses for containers that name none: a (host, local) pair per container.

    The pair's slot comes from a hash of the container's name, so adding or removing
    other containers does not move it; only on a collision does the later name (in
    sorted order) probe on to the next free slot.
    """
    slots = network.num_addresses // 2
    usable = range(1, slots - 1) if slots > 2 else range(0)
    free = [s for s in usable if not set(_slot_addresses(network, s)) & taken]
    out: dict[str, tuple[str, str]] = {}
    if not free:
        return out
    free_set = set(free)
    for name in sorted(n for n, c in site.containers.items() if c.host_address is None and c.local_address is None):
        digest = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
        start = usable.start + digest % len(usable)
        for step in range(len(usable)):
            slot = usable.start + (start - usable.start + step) % len(usable)
            if slot in free_set:
                free_set.remove(slot)
                out[name] = _slot_addresses(network, slot)
                break
    return out


class _Checker:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.issues: list[Issue] = []
        self.warnings: list[str] = []

    def error(self, loc: str, message: str, value: Any = None, hint: str | None = None, *, has_value: bool = True) -> None:
        self.issues.append(Issue(loc, message, value, hint, has_value))

    # -- addresses ---------------------------------------------------------------

    def addresses(self) -> dict[str, tuple[str, str]]:
        site = self.site
        network = IPv4Network(site.network.subnet)
        owners: dict[str, str] = {}
        for name, c in site.containers.items():
            loc = f"containers.{name}"
            if (c.host_address is None) != (c.local_address is None):
                missing = "hostAddress" if c.host_address is None else "localAddress"
                self.error(f"{loc}.{missing}", "is missing: give both hostAddress and localAddress, or neither to allocate them", has_value=False)
                continue
            for key, addr in (("hostAddress", c.host_address), ("localAddress", c.local_address)):
                if addr is None:
                    continue
                aloc = f"{loc}.{key}"
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
        allocated = _allocate(site, network, set(owners))
        for name, c in sorted(site.containers.items()):
            if c.host_address is None and c.local_address is None and name not in allocated:
                self.error(f"containers.{name}", f"needs addresses but network.subnet {network} has no free pair left", has_value=False,
                           hint="use a larger subnet, or give hostAddress and localAddress")
        return allocated

    # -- users -------------------------------------------------------------------

    def users(self) -> None:
        seen: dict[tuple[str, object], str] = {}
        for name, c in self.site.containers.items():
            u = c.user
            for kind, val in (("name", u.name), ("uid", u.uid), ("gid", u.gid), ("group", u.group or u.name)):
                loc = f"containers.{name}.user.{kind}"
                other = seen.get((kind, val))
                if other is not None:
                    self.error(loc, f"is already used by {other}; each container needs its own {kind}", val)
                else:
                    seen[(kind, val)] = loc

    # -- routes ------------------------------------------------------------------

    def zone_of(self, hostname: str) -> str | None:
        tunnel = self.site.tunnel
        if tunnel is None:
            return None
        matches = [z.name for z in tunnel.zones if hostname == z.name or hostname.endswith("." + z.name)]
        return max(matches, key=len) if matches else None

    def routes(self, name: str, c: Container, local_address: str) -> tuple[PublicRoute, ...]:
        out: list[PublicRoute] = []
        loc = f"containers.{name}"
        preset = PRESETS[c.app]
        ports: dict[int, tuple[str, str]] = {}
        per_protocol: dict[str, int] = {}
        for i, r in enumerate(c.routes):
            rloc = f"{loc}.routes[{i}]"
            if self.site.tunnel is None:
                self.error(f"{rloc}.hostname", "needs a tunnel to be published, but the site has no `tunnel`", r.hostname,
                           hint="add tunnel: {name: ..., zones: [...]} or remove the route")
                continue
            zone = self.zone_of(r.hostname)
            if zone is None:
                zones = ", ".join(z.name for z in self.site.tunnel.zones)
                self.error(f"{rloc}.hostname", f"is not in any zone of tunnel.zones ({zones})", r.hostname)
                continue
            if r.port < 1024 and not c.allow_privileged_ports:
                self.error(f"{rloc}.port", "is a privileged port (< 1024); services listen on 1024 or above", r.port,
                           hint=f"use e.g. 8080, or set {loc}.allowPrivilegedPorts: true")
            if r.protocol not in preset.protocols:
                self.error(f"{rloc}.protocol", f"is not served by app {c.app} (it serves {', '.join(sorted(preset.protocols))})", r.protocol)
            web = "http" if r.protocol in ("http", "https") else r.protocol
            per_protocol[web] = per_protocol.get(web, 0) + 1
            limit = preset.max_routes.get(web)
            if limit is not None and per_protocol[web] > limit:
                self.error(f"{rloc}", f"app {c.app} can serve only {limit} {web} route(s); its settings follow one hostname", r.hostname)
            if r.port in ports and ports[r.port][1] != r.protocol:
                self.error(f"{rloc}.port", f"is already used with protocol {ports[r.port][1]} by {ports[r.port][0]}", r.port)
            ports.setdefault(r.port, (rloc, r.protocol))
            out.append(PublicRoute(r.hostname, r.protocol, r.port, name, local_address, zone, rloc))
        return tuple(out)

    def unique_hostnames(self) -> None:
        seen: dict[str, str] = {}
        for name, c in self.site.containers.items():
            for i, r in enumerate(c.routes):
                loc = f"containers.{name}.routes[{i}].hostname"
                if r.hostname in seen:
                    self.error(loc, f"is already routed by {seen[r.hostname]}; a hostname has exactly one route", r.hostname)
                else:
                    seen[r.hostname] = loc

    # -- mounts ------------------------------------------------------------------

    def mounts(self, name: str, c: Container) -> tuple[Mount, ...]:
        loc = f"containers.{name}"
        mounts: list[Mount] = []
        for i, m in enumerate(c.bind_mounts):
            mloc = f"{loc}.bindMounts[{i}]"
            host_path = m.host_path or m.path
            if _sensitive(host_path) and not m.allow_sensitive:
                self.error(f"{mloc}.{'hostPath' if m.host_path else 'path'}", "is a sensitive host path; mounting it gives the container power over the host", host_path,
                           hint=f"mount a narrower path, or set {mloc}.allowSensitive: true")
            mounts.append(Mount(m.path, host_path, m.read_only, mloc))
        if c.state_dir is not None:
            if _sensitive(c.state_dir):
                self.error(f"{loc}.stateDir", "is a sensitive host path; use a directory of its own such as /var/lib/<app>", c.state_dir)
            mounts.append(Mount(c.state_dir, c.state_dir, False, f"{loc}.stateDir"))
        if c.postgresql is not None and not any(m.path == POSTGRESQL_SOCKET for m in mounts):
            mounts.append(Mount(POSTGRESQL_SOCKET, POSTGRESQL_SOCKET, True, f"{loc}.postgresql"))
        if c.environment_file is not None and not any(_contains(m.path, c.environment_file) for m in mounts):
            mounts.append(Mount(c.environment_file, c.environment_file, True, f"{loc}.environmentFile"))
        for i, a in enumerate(mounts):
            for b in mounts[:i]:
                if a.path == b.path:
                    self.error(f"{a.loc}.path" if "bindMounts" in a.loc else a.loc, f"mounts {a.path} again; already mounted by {b.loc}", a.path)
                elif _contains(a.path, b.path) or _contains(b.path, a.path):
                    self.error(f"{a.loc}.path" if "bindMounts" in a.loc else a.loc, f"overlaps {b.loc} ({b.path}); mount points must not nest", a.path)
        return tuple(sorted(mounts, key=lambda m: m.path))

    def foreign_state_dirs(self, resolved: dict[str, tuple[Mount, ...]]) -> None:
        owners = {c.state_dir: f"containers.{n}.stateDir" for n, c in self.site.containers.items() if c.state_dir}
        for name, mounts in resolved.items():
            own = self.site.containers[name].state_dir
            for m in mounts:
                for state_dir, owner in owners.items():
                    if state_dir != own and (_contains(state_dir, m.host_path) or _contains(m.host_path, state_dir)):
                        self.error(f"{m.loc}.hostPath" if "bindMounts" in m.loc else m.loc,
                                   f"reaches {state_dir}, the state directory of {owner.rsplit('.', 1)[0]}", m.host_path)

    # -- the whole site ----------------------------------------------------------

    def run(self) -> ResolvedSite:
        site = self.site
        allocated = self.addresses()
        self.users()
        self.unique_hostnames()
        if site.tunnel is not None:
            names = [z.name for z in site.tunnel.zones]
            for i, zname in enumerate(names):
                if zname in names[:i]:
                    self.error(f"tunnel.zones[{i}].name", "is listed twice", zname)
        mounts = {name: self.mounts(name, c) for name, c in site.containers.items()}
        self.foreign_state_dirs(mounts)
        containers: list[ResolvedContainer] = []
        for name, c in sorted(site.containers.items()):
            containers.append(self.container(name, c, allocated, mounts[name]))
        if self.issues:
            raise ConfigError(self.issues)
        return ResolvedSite(
            host=site.host.name,
            subnet=site.network.subnet,
            target=site.host.target.model_dump(by_alias=True, exclude_none=True),
            activation_command=self.activation_command(),
            rollback_command=self.rollback_command(),
            check_origins=site.host.activation.check and site.host.activation.mode != "none",
            secrets_dir=site.host.secrets_dir,
            tunnel=self.tunnel(),
            containers=tuple(containers),
            warnings=tuple(self.warnings),
        )

    def container(self, name: str, c: Container, allocated: dict[str, tuple[str, str]], mounts: tuple[Mount, ...]) -> ResolvedContainer:
        loc = f"containers.{name}"
        host_address, local_address = (
            (c.host_address, c.local_address) if c.host_address and c.local_address else allocated.get(name, ("", ""))
        )
        if len(name) > NAME_WARN_LENGTH:
            self.warnings.append(
                f"{loc}: name is longer than {NAME_WARN_LENGTH} characters; with privateNetwork its "
                "veth name needs Linux 5.8 or newer (nixpkgs#38509)"
            )
        preset = PRESETS[c.app]
        derived = preset.derive(loc, c)
        service: dict[str, Any] = derived.service
        if c.app == "generic":
            if c.settings:
                self.error(f"{loc}.settings", "is for the forgejo and atticd presets; give a generic app's options under nixos", c.settings)
        else:
            settings, refused = merge_settings(service.get("settings", {}), c.settings, derived.sources, f"{loc}.settings")
            for key_loc, message, value in refused:
                self.error(key_loc, message, value)
            service = {**service, "settings": settings}
        if c.app == "atticd" and c.environment_file is None:
            self.error(f"{loc}.environmentFile", "is required by app atticd (services.atticd.environmentFile holds its secrets)",
                       has_value=False, hint="e.g. /etc/atticd.env, created on the host outside the Nix store")
        if c.app != "atticd" and c.environment_file is not None:
            self.error(f"{loc}.environmentFile", "is only used by app atticd; give a generic app's secrets file under nixos", c.environment_file)
        after = list(c.after)
        requires = list(c.requires)
        if c.postgresql is not None:
            after = [POSTGRESQL_UNIT, *[u for u in after if u != POSTGRESQL_UNIT]]
            requires = [POSTGRESQL_UNIT, *[u for u in requires if u != POSTGRESQL_UNIT]]
        group = c.user.group or c.user.name
        return ResolvedContainer(
            name=name,
            app=c.app,
            host_address=host_address,
            local_address=local_address,
            user=ServiceUser(c.user.name, group, c.user.uid, c.user.gid),
            state_dir=c.state_dir,
            state_dir_mode=c.state_dir_mode,
            mounts=mounts,
            after=tuple(after),
            requires=tuple(requires),
            state_version=c.state_version,
            auto_start=c.auto_start,
            wrapper=c.wrapper if c.wrapper is not None else preset.default_wrapper,
            routes=self.routes(name, c, local_address),
            service=service,
            nixos=c.nixos,
            database=(c.postgresql.database or c.user.name) if c.postgresql else None,
            addresses_allocated=name in allocated,
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
        return () if a.mode == "none" else ("nixos-rebuild", "switch", "--rollback")

    def tunnel(self) -> ResolvedTunnel | None:
        t = self.site.tunnel
        if t is None:
            return None
        return ResolvedTunnel(
            name=t.name,
            ingress=t.ingress,
            account_id=t.account_id,
            tunnel_id=t.tunnel_id,
            zones={z.name: z.zone_id for z in t.zones},
            credentials_file=posixpath.join(self.site.host.secrets_dir, f"cloudflared-{t.name}.json"),
        )


def resolve(site: Site) -> ResolvedSite:
    """The resolved site, or ConfigError listing every invariant the site breaks."""
    return _Checker(site).run()
