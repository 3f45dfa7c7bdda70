"""Routes: each public hostname in a zone of the tunnel, in exactly one route, to a port
its origin serves."""

from __future__ import annotations

from components.model.checks.isolation import POSTGRESQL_PORT, postgresql_on_host_network
from components.model.checks.report import Report
from components.model.presets import PRESETS
from components.model.resolved import PublicRoute
from components.model.shared import Route
from components.model.site import Container, Site
from components.model.workloads import workloads


def zone_of(site: Site, hostname: str) -> str | None:
    """The longest zone of tunnel.zones that holds `hostname`, or None."""
    if site.tunnel is None:
        return None
    matches = [z.name for z in site.tunnel.zones if hostname == z.name or hostname.endswith("." + z.name)]
    return max(matches, key=len) if matches else None


def zone_or_error(site: Site, report: Report, loc: str, hostname: str) -> str | None:
    """The zone of `hostname`; reports `loc` when it has none."""
    zone = zone_of(site, hostname)
    if zone is None and site.tunnel is not None:
        zones = ", ".join(z.name for z in site.tunnel.zones)
        report.error(loc, f"is not in any zone of tunnel.zones ({zones})", hostname)
    return zone


def warn_below_zone(report: Report, loc: str, hostname: str, zone: str) -> None:
    """A proxied name two levels below its zone gets no free certificate."""
    if hostname.count(".") - zone.count(".") > 1:
        report.warn(
            loc,
            f"{hostname} is more than one level below zone {zone}; Cloudflare's "
            f"free Universal SSL certificate covers only *.{zone}",
        )


def zones_listed_twice(site: Site, report: Report) -> None:
    if site.tunnel is None:
        return
    names = [z.name for z in site.tunnel.zones]
    for i, zname in enumerate(names):
        if zname in names[:i]:
            report.error(f"tunnel.zones[{i}].name", "is listed twice", zname)


def published_zone(site: Site, report: Report, rloc: str, r: Route, allow_privileged: bool, owner: str) -> str | None:
    """Checks every route shares; returns its zone, or None when it cannot be published."""
    if r.port < 1024 and not allow_privileged:
        report.error(
            f"{rloc}.port",
            "is a privileged port (< 1024); services listen on 1024 or above",
            r.port,
            hint=f"use e.g. 8080, or set {owner}.allowPrivilegedPorts: true",
        )
    if site.tunnel is None:
        report.error(
            f"{rloc}.hostname",
            "needs a tunnel to be published, but the site has no `tunnel`",
            r.hostname,
            hint="add tunnel: {name: ..., zones: [...]} or remove the route",
        )
        return None
    zone = zone_or_error(site, report, f"{rloc}.hostname", r.hostname)
    if zone is not None:
        warn_below_zone(report, f"{rloc}.hostname", r.hostname, zone)
    return zone


def _unservable(report: Report, loc: str, rloc: str, r: Route, c: Container, local_address: str | None) -> bool:
    """Whether the route has nothing to point at (reported)."""
    if local_address is None:
        report.error(rloc, "cannot be served: the container has network none, so no address to route to", r.hostname)
        return True
    if not c.auto_start:
        report.error(
            rloc,
            "would point at a container that does not start: autoStart is false",
            r.hostname,
            hint=f"set {loc}.autoStart: true, or remove the route",
        )
        return True
    return False


class _AppRoutes:
    """What the container's app serves: protocols, routes per protocol, one protocol per port."""

    def __init__(self, report: Report, c: Container) -> None:
        self.report, self.app, self.preset = report, c.app, PRESETS[c.app]
        self.ports: dict[int, tuple[str, str]] = {}
        self.per_protocol: dict[str, int] = {}

    def check(self, rloc: str, r: Route) -> None:
        preset, app = self.preset, self.app
        if r.protocol not in preset.protocols:
            served = ", ".join(sorted(preset.protocols)) or "no route"
            self.report.error(f"{rloc}.protocol", f"is not served by app {app} (it serves {served})", r.protocol)
        web = "http" if r.protocol in ("http", "https") else r.protocol
        self.per_protocol[web] = self.per_protocol.get(web, 0) + 1
        limit = preset.max_routes.get(web)
        if limit is not None and self.per_protocol[web] > limit:
            self.report.error(
                rloc, f"app {app} can serve only {limit} {web} route(s); its settings follow one hostname", r.hostname
            )
        if r.port in self.ports and self.ports[r.port][1] != r.protocol:
            first, protocol = self.ports[r.port]
            self.report.error(f"{rloc}.port", f"is already used with protocol {protocol} by {first}", r.port)
        self.ports.setdefault(r.port, (rloc, r.protocol))


def container_routes(
    site: Site, report: Report, name: str, c: Container, local_address: str | None
) -> tuple[PublicRoute, ...]:
    out: list[PublicRoute] = []
    loc = f"containers.{name}"
    app = _AppRoutes(report, c)
    for i, r in enumerate(c.routes):
        rloc = f"{loc}.routes[{i}]"
        if _unservable(report, loc, rloc, r, c, local_address):
            continue
        assert local_address is not None
        app.check(rloc, r)
        zone = published_zone(site, report, rloc, r, c.allow_privileged_ports, loc)
        if zone is not None:
            out.append(PublicRoute(r.hostname, r.protocol, r.port, name, local_address, zone, rloc))
    return tuple(out)


def origin_routes(site: Site, report: Report) -> tuple[PublicRoute, ...]:
    out: list[PublicRoute] = []
    for name, origin in site.origins.items():
        for i, r in enumerate(origin.routes):
            rloc = f"origins.{name}.routes[{i}]"
            if origin.kind == "host" and r.port == POSTGRESQL_PORT and postgresql_on_host_network(site):
                report.error(
                    f"{rloc}.port",
                    f"is the host's PostgreSQL ({origin.address}:{POSTGRESQL_PORT}), which holds the containers' "
                    "databases: a route would publish it",
                    r.port,
                    hint="route to the app that uses the database, never to the database",
                )
            zone = published_zone(site, report, rloc, r, origin.allow_privileged_ports, f"origins.{name}")
            if zone is not None:
                out.append(PublicRoute(r.hostname, r.protocol, r.port, name, origin.address, zone, rloc, origin.kind))
    return tuple(out)


def unique_hostnames(site: Site, report: Report) -> None:
    """A hostname has one route, and a route's hostname no further DNS record."""
    seen: dict[str, str] = {}
    for w in workloads(site):
        for rloc, r in w.route_locs:
            loc = f"{rloc}.hostname"
            if r.hostname in seen:
                report.error(
                    loc, f"is already routed by {seen[r.hostname]}; a hostname has exactly one route", r.hostname
                )
            else:
                seen[r.hostname] = loc
    if site.tunnel is not None:
        for i, rec in enumerate(site.tunnel.dns_records):
            if rec.name in seen:
                report.error(
                    f"tunnel.dnsRecords[{i}].name",
                    f"is the hostname of {seen[rec.name]}, which gets its tunnel CNAME already",
                    rec.name,
                )


def routed_hostnames(site: Site) -> set[str]:
    """Every hostname a route of the config names."""
    return {r.hostname for w in workloads(site) for _, r in w.route_locs}
