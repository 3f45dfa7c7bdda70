"""`SiteEdge`: the part of the edge that spans a site's hosts, for the program.

Built once, before any resource: it plans every record of the site
(components.cloudflare.records), reads what Cloudflare holds at those names and which
live tunnel each host has (components.cloudflare.lookup), and stops the run, with the
key and the way out, on a record another stack manages or an unmanaged one that
`tunnel.dnsImports` does not name, and on a `tunnel.ingress` the host's tunnel cannot
run. Then the program registers each host (tunnel, modules, `Edge`) with the waits
`after(host)` gives it, reports each host's edge with `add_host`, and `register` adds
the records and resolves those waits.

What depends on what across hosts (the rest is each host's own, as in a one-host stack):
a route's record waits for the host that serves it; the host a hostname moves away from
waits, to drop its rule, for that record (see components.cloudflare.moves).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import pulumi

from components.cloudflare import lookup, moves, records, site_dns
from components.cloudflare.site_dns import HostEdge
from components.cloudflare.tunnel import same_mode
from components.errors import ConfigError, EdgeError, Issue
from components.model.resolved import ResolvedSite

T = TypeVar("T")
Deferred = tuple[pulumi.Output[T], Callable[[pulumi.Output[T]], None]]


class SiteEdge:
    def __init__(self, hosts: Sequence[ResolvedSite], stack: str, source: str, prefixes: Mapping[str, str]) -> None:
        self.stack = stack
        self.records = records.wanted(hosts)
        self.zones = lookup.zone_ids(hosts)
        found = lookup.current(self.records, self.zones)
        tunnels = lookup.tunnels(hosts)
        problems = _mode_issues(hosts, tunnels, prefixes)
        imports = {name: rid for s in hosts if s.tunnel for name, rid in s.tunnel.dns_imports}
        refused, warnings = lookup.issues(self.records, found, stack, imports, prefixes)
        if problems + refused:
            raise ConfigError(problems + refused, source)
        self.waits, dropped = moves.waits(moves.moves(self.records, found, tunnels, stack))
        for warning in warnings + dropped:
            pulumi.log.warn(warning)
        self.edges: dict[str, HostEdge] = {}
        self._after: dict[str, Deferred[list[pulumi.Resource]]] = {s.host: pulumi.deferred_output() for s in hosts}
        self._ids: dict[str, Deferred[dict[str, str]]] = {s.host: pulumi.deferred_output() for s in hosts}
        self._own: dict[str, Deferred[list[pulumi.Resource]]] = {s.host: pulumi.deferred_output() for s in hosts}

    def after(self, host: str) -> pulumi.Output[list[pulumi.Resource]]:
        """What the host's rule removal waits for: the records moving away from it."""
        return self._after[host][0]

    def record_ids(self, host: str) -> pulumi.Output[dict[str, str]]:
        """Hostname -> record id, for the host's routes."""
        return self._ids[host][0]

    def own_records(self, host: str) -> pulumi.Output[list[pulumi.Resource]]:
        """The records of the host's names (its prune step waits for them)."""
        return self._own[host][0]

    def add_host(self, host: str, edge: HostEdge) -> None:
        self.edges[host] = edge

    def register(self) -> None:
        """The site's records; then every wait handed out resolves."""
        made = site_dns.register(self.records, self.edges, self.zones, self.stack)
        for host in self._after:
            mine = [w for w in self.records if w.host == host]
            self._after[host][1](pulumi.Output.from_input([made[k] for k in self.waits.get(host, [])]))
            routes = {w.name: made[w.key].id for w in mine if w.route}
            self._ids[host][1](pulumi.Output.all(**routes) if routes else pulumi.Output.from_input({}))
            self._own[host][1](pulumi.Output.from_input([made[w.key] for w in mine]))


def _mode_issues(
    hosts: Sequence[ResolvedSite], tunnels: Mapping[str, lookup.FoundTunnel], prefixes: Mapping[str, str]
) -> list[Issue]:
    """A `tunnel.ingress` the host's live tunnel cannot run, found before anything changes."""
    out: list[Issue] = []
    for site in hosts:
        found = tunnels.get(site.host)
        if site.tunnel is None or found is None:
            continue
        try:
            same_mode(site.tunnel.name, site.tunnel.ingress, found.config_src)
        except EdgeError as exc:
            message = str(exc).split("\n", 1)[0].removeprefix("tunnel.ingress: ")
            out.append(Issue(f"{prefixes.get(site.host, '')}tunnel.ingress", message, has_value=False, hint=exc.hint))
    return out
