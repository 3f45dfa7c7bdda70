"""Isolation: user namespaces, resource limits, forwarded ports and the container's firewall."""

from __future__ import annotations

from components.model.checks import nspawn
from components.model.checks.report import Report
from components.model.resolved import Isolation, PublicRoute
from components.model.secret_keys import redacted
from components.model.site import Container, Site
from components.model.workloads import run

# Keys a NixOS module reads as the module system's, not as options: `imports` with a
# string loads Nix from a path of the host, `_module.args` replaces `pkgs`, `config`
# and `options` change how the rest of the module is read.
MODULE_SYSTEM_KEYS = ("imports", "disabledModules", "_module", "_class", "_file", "options", "config", "require", "key")


def module_system_keys(report: Report, loc: str, c: Container) -> None:
    """`nixos` holds option values as data, never the module system's own keys."""
    for key in MODULE_SYSTEM_KEYS:
        if key in c.nixos:
            report.error(
                f"{loc}.nixos.{key}",
                "is a key of the NixOS module system, not an option: `nixos` holds option values as data",
                redacted(c.nixos[key], key),
                hint=f"further modules go in {loc}.imports, by reference to a file of the project or a flake",
            )


def _bytes(size: str) -> float | None:
    """Bytes of a systemd memory size, or None for percentages and infinity."""
    if size.endswith("%") or size == "infinity":
        return None
    factor = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}.get(size[-1], 1)
    return float(size.rstrip("KMGT")) * factor


def _resources(c: Container) -> tuple[tuple[str, str], ...]:
    limits = (
        ("MemoryHigh", c.resources.memory_high),
        ("MemoryMax", c.resources.memory_max),
        ("CPUQuota", c.resources.cpu_quota),
    )
    return tuple((k, v) for k, v in limits if v is not None)


# systemd-nspawn maps 65536 ids from the base; uid_t is 32 bits, and the host's own
# accounts (root, services, people, nixbld, nobody) live below 65536.
ID_RANGE = 65536


def _user_range(report: Report, loc: str, private_users: str | int) -> None:
    if not isinstance(private_users, int):
        return
    if 0 < private_users < ID_RANGE:  # 0 is the identity mapping, like `identity`
        report.error(
            f"{loc}.privateUsers",
            f"starts a range of {ID_RANGE} ids among the host's own accounts (0 to {ID_RANGE - 1}): "
            f"root in the container would be host uid {private_users}",
            private_users,
            hint="use pick, or a multiple of 65536 such as 524288",
        )
    elif private_users + ID_RANGE > 2**32 - 1:
        report.error(
            f"{loc}.privateUsers",
            f"leaves no room for {ID_RANGE} ids below 4294967295 (uid_t is 32 bits, its last value is invalid)",
            private_users,
            hint="use pick, or a multiple of 65536 such as 524288",
        )


def isolation(report: Report, name: str, c: Container) -> Isolation:
    loc = f"containers.{name}"
    iso = Isolation(
        private_users=c.private_users,
        ephemeral=c.ephemeral,
        allowed_devices=tuple((d.node, d.modifier) for d in c.allowed_devices),
        capabilities=tuple(c.additional_capabilities),
        extra_flags=tuple(c.extra_flags),
        forward_ports=tuple((f.protocol, f.host_port, f.container_port or f.host_port) for f in c.forward_ports),
        resources=_resources(c),
    )
    nspawn.extra_flags(report, loc, c)
    module_system_keys(report, loc, c)
    nspawn.devices(report, loc, c)
    _user_range(report, loc, c.private_users)
    if iso.idmap and (c.postgresql is not None or c.app == "postgresql"):
        report.error(
            f"{loc}.privateUsers",
            "shifts the container's uids, but PostgreSQL peer authentication compares them with the host's",
            c.private_users,
            hint="use privateUsers: identity (or no) for PostgreSQL and its clients",
        )
    high, most = c.resources.memory_high, c.resources.memory_max
    high_bytes, most_bytes = _bytes(high) if high else None, _bytes(most) if most else None
    if high_bytes is not None and most_bytes is not None and high_bytes > most_bytes:
        report.error(
            f"{loc}.resources.memoryHigh",
            f"is above resources.memoryMax ({most}); the throttle would never apply",
            high,
        )
    if c.forward_ports and c.network == "none":
        report.error(
            f"{loc}.forwardPorts", "needs addresses, but network is none", [f.host_port for f in c.forward_ports]
        )
    return iso


def _next_free(ranges: list[tuple[int, str]]) -> int:
    """The first multiple of ID_RANGE above every range so far."""
    end = max(b for b, _ in ranges) + ID_RANGE
    return -(-end // ID_RANGE) * ID_RANGE


def user_ranges(site: Site, report: Report) -> None:
    """No two containers' privateUsers ranges overlap, and no workload's own uid lies in
    one: either way two of them would share host uids."""
    ranges: list[tuple[int, str]] = []
    for name, c in sorted(site.containers.items()):
        base = c.private_users
        if not isinstance(base, int) or base < ID_RANGE or base + ID_RANGE > 2**32 - 1:
            continue  # identity, none, pick, or refused by _user_range
        loc = f"containers.{name}.privateUsers"
        other = next(((b, o) for b, o in ranges if b < base + ID_RANGE and base < b + ID_RANGE), None)
        if other is not None:
            report.error(
                loc,
                f"overlaps the range of {other[1]} ({other[0]}-{other[0] + ID_RANGE - 1}): the two containers "
                "would share host uids, so root in one owns the other's files",
                base,
                hint=f"use pick, or a multiple of {ID_RANGE} past the others, e.g. {_next_free(ranges)}",
            )
        ranges.append((base, loc))
    identities = [w.identity for w in run(site) if w.identity is not None]
    for u in identities:
        for kind, value in (("uid", u.uid), ("gid", u.gid)):
            owner = next((o for b, o in ranges if b <= value < b + ID_RANGE), None)
            if owner is not None:
                why = f"is inside the id range of {owner}: a user of that container would own its files"
                report.error(f"{u.loc}.{kind}", why, value, hint="pick a free system id below 1000, such as 991")


def host_ports(site: Site, report: Report) -> None:
    """A host port (per protocol) is taken by one workload: a NixOS container's forward or
    an OCI app's published port (components.model.workloads), and none takes the port of
    the host's PostgreSQL when the host runs it for the containers."""
    seen: dict[tuple[str, int], str] = {}
    host_pg = postgresql_on_host_network(site)
    for w in run(site):
        for p in w.host_ports:
            key = (p.protocol, p.port)
            verb = "forwarded" if w.kind == "container" else "taken"
            if key in seen:
                report.error(p.key, f"is already {verb} ({p.protocol}) by {seen[key]}", p.port)
                continue
            seen[key] = p.key
            server = w.kind == "container" and w.name == site.postgresql.container  # its own port
            if host_pg and key == ("tcp", POSTGRESQL_PORT) and not server:
                report.error(
                    p.key,
                    f"is the port of the host's PostgreSQL ({POSTGRESQL_PORT}), which the host runs for "
                    "containers' databases: the two would fight over it",
                    p.port,
                    hint="use another host port, e.g. 15432",
                )


POSTGRESQL_PORT = 5432


def uses_host_postgresql(site: Site) -> bool:
    """Whether the host runs PostgreSQL for the containers (a client, no server container)."""
    return site.postgresql.container is None and any(c.postgresql is not None for c in site.containers.values())


def postgresql_on_host_network(site: Site) -> bool:
    """Whether the site's PostgreSQL listens on the host's own network: the host runs it,
    or its server container has `network: none` and so shares the host's network."""
    name = site.postgresql.container
    server = site.containers.get(name) if name is not None else None
    return uses_host_postgresql(site) or (server is not None and server.network == "none")


def firewall(c: Container, routes: tuple[PublicRoute, ...]) -> tuple[tuple[int, ...] | None, tuple[int, ...]]:
    """(TCP ports, UDP ports) the container's firewall opens; None: it trusts eth0."""
    if c.firewall.mode == "trusted":
        return None, ()
    # cloudflared's every protocol (http, https, ssh, tcp) reaches the origin over TCP;
    # a forwarded port is useless unless the container's firewall lets it in too.
    forwarded = {(f.protocol, f.container_port or f.host_port) for f in c.forward_ports}
    tcp = {r.port for r in routes} | set(c.firewall.allowed_tcp_ports)
    tcp |= {p for proto, p in forwarded if proto == "tcp"}
    udp = set(c.firewall.allowed_udp_ports) | {p for proto, p in forwarded if proto == "udp"}
    return tuple(sorted(tcp)), tuple(sorted(udp))
