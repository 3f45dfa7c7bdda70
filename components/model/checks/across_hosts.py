"""What only a site of several hosts shows: each host was checked alone before.

A hostname is routed once in the whole site (one DNS record, one tunnel serving it); a
zone has one id; each host runs its own tunnel, so no two hosts share a tunnel name or
adopt the same tunnel id; no two hosts write to the same target. Address plans and user
ids are per host and may repeat.
"""

from __future__ import annotations

from components.errors import Issue
from components.model.resolved import ResolvedSite
from components.model.targets import TargetIdentity, overlap, target_identity


def _loc(host: str, loc: str) -> str:
    return f"hosts.{host}.{loc}"


def _hostnames(hosts: list[ResolvedSite]) -> list[Issue]:
    issues: list[Issue] = []
    routed: dict[str, tuple[str, str]] = {}  # hostname -> (host, key of its route)
    for h in hosts:
        for r in h.routes:
            first = routed.setdefault(r.hostname, (h.host, r.loc))
            if first[0] != h.host:
                issues.append(
                    Issue(
                        _loc(h.host, f"{r.loc}.hostname"),
                        f"is routed by host {first[0]} too ({_loc(*first)}): a hostname is routed once in the site",
                        r.hostname,
                        hint="keep the route on the host whose container serves it",
                    )
                )
    for h in hosts:
        records = h.tunnel.dns_records if h.tunnel is not None else ()
        for rec in records:
            owner = routed.get(rec.name)
            if owner is not None and owner[0] != h.host:
                issues.append(
                    Issue(
                        _loc(h.host, "tunnel.dnsRecords"),
                        f"names {rec.name}, which host {owner[0]} routes ({_loc(*owner)}): "
                        "a CNAME must be the only record of its name",
                        rec.name,
                    )
                )
    return issues


def _zones(hosts: list[ResolvedSite]) -> list[Issue]:
    issues: list[Issue] = []
    ids: dict[str, tuple[str, str]] = {}  # zone name -> (host, zone id)
    for h in hosts:
        zones = h.tunnel.zones if h.tunnel is not None else {}
        for i, (zone, zone_id) in enumerate(zones.items()):
            if zone_id is None:
                continue
            first = ids.setdefault(zone, (h.host, zone_id))
            if first[1] != zone_id:
                issues.append(
                    Issue(
                        _loc(h.host, f"tunnel.zones[{i}].zoneId"),
                        f"differs from host {first[0]}'s id of zone {zone} ({first[1]}): a zone has one id",
                        zone_id,
                    )
                )
    return issues


def _tunnels(hosts: list[ResolvedSite]) -> list[Issue]:
    issues: list[Issue] = []
    names: dict[str, str] = {}
    ids: dict[str, str] = {}
    why = "each host runs its own tunnel, which reaches only that host's containers"
    for h in hosts:
        t = h.tunnel
        if t is None:
            continue
        first = names.setdefault(t.name, h.host)
        if first != h.host:
            issues.append(
                Issue(_loc(h.host, "tunnel.name"), f"is host {first}'s tunnel name too: {why}", t.name,
                      hint=f"name it after the host, e.g. {h.host}")
            )
        if t.tunnel_id is not None and (owner := ids.setdefault(t.tunnel_id, h.host)) != h.host:
            issues.append(
                Issue(_loc(h.host, "tunnel.tunnelId"), f"is host {owner}'s tunnel too: {why}", t.tunnel_id)
            )
    return issues


def _targets(hosts: list[ResolvedSite], project_dir: str) -> list[Issue]:
    """No two hosts write one directory, nor one inside the other's: compared by their
    canonical identity (components.model.targets), not as spelled."""
    issues: list[Issue] = []
    seen: list[tuple[TargetIdentity, str]] = []
    why = {
        "same": "is host {}'s target too ({}): the two hosts would overwrite each other's modules",
        "inside": "lies inside host {}'s target ({}): that host's modules directory would hold this one's",
        "holds": "holds host {}'s target ({}): this host's modules directory would hold that one's",
    }
    for h in hosts:
        mine = target_identity(h.target, project_dir)
        for other, owner in seen:
            how = overlap(mine, other)
            if how is not None:
                issues.append(Issue(_loc(h.host, "host.target"), why[how].format(owner, other), str(mine)))
                break
        seen.append((mine, h.host))
    return issues


def check_across_hosts(hosts: list[ResolvedSite], project_dir: str | None = None) -> list[Issue]:
    """Every problem across the hosts of a site (each host already valid alone);
    `project_dir` is where relative local targets start; without it they are compared
    as relative to one common directory, which is what they are."""
    base = project_dir if project_dir is not None else "/"
    return _hostnames(hosts) + _zones(hosts) + _tunnels(hosts) + _targets(hosts, base)
