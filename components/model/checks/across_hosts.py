"""What only a site of several hosts shows: each host was checked alone before.

A hostname is routed once in the whole site (one DNS record, one tunnel serving it); a
record, and an adopted record id, is one host's; a zone has one id and an id one zone;
each host runs its own tunnel, so no two hosts share a tunnel name or adopt the same
tunnel id; no two hosts write to the same target, nor share one SSH machine. Address plans and user
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


def _records(hosts: list[ResolvedSite]) -> list[Issue]:
    """One record is one stack's: the same record, or a CNAME beside any record of its
    name, on two hosts would have two stacks create, change and delete it."""
    issues: list[Issue] = []
    owners: dict[str, list[tuple[str, str, str]]] = {}  # name -> [(host, type, content)]
    for h in hosts:
        for rec in h.tunnel.dns_records if h.tunnel is not None else ():
            others = [o for o in owners.get(rec.name, []) if o[0] != h.host]
            same = next((o for o in others if o[1:] == (rec.type, rec.content)), None)
            beside = next((o for o in others if "CNAME" in (o[1], rec.type)), None)
            first = same or beside
            if first is not None:
                why = ("one record cannot be managed by two stacks" if same is not None
                       else "a CNAME must be the only record of its name")  # fmt: skip
                issues.append(Issue(
                    _loc(h.host, "tunnel.dnsRecords"),
                    f"has {rec.name} ({rec.type} {rec.content}), and host {first[0]} has {rec.name} "
                    f"({first[1]} {first[2]}) too: {why}",
                    rec.name,
                ))  # fmt: skip
            owners.setdefault(rec.name, []).append((h.host, rec.type, rec.content))
    return issues


def _imports(hosts: list[ResolvedSite]) -> list[Issue]:
    """A record id is adopted by one host's stack."""
    issues: list[Issue] = []
    adopted: dict[str, tuple[str, str]] = {}  # record id -> (host, its import's key)
    for h in hosts:
        for hostname, import_id in h.tunnel.dns_imports if h.tunnel is not None else ():
            loc = f"tunnel.dnsImports[{hostname!r}]"
            first = adopted.setdefault(import_id.rpartition("/")[2], (h.host, loc))
            if first[0] != h.host:
                issues.append(Issue(
                    _loc(h.host, loc),
                    f"adopts the record host {first[0]} adopts ({_loc(*first)}): one record cannot be "
                    "managed by two stacks",
                    import_id,
                ))  # fmt: skip
    return issues


def _zones(hosts: list[ResolvedSite]) -> list[Issue]:
    """A zone has one id, and an id is one zone's."""
    issues: list[Issue] = []
    ids: dict[str, tuple[str, str]] = {}  # zone name -> (host, zone id)
    names: dict[str, tuple[str, str]] = {}  # zone id -> (host, zone name)
    for h in hosts:
        zones = h.tunnel.zones if h.tunnel is not None else {}
        for i, (zone, zone_id) in enumerate(zones.items()):
            if zone_id is None:
                continue
            loc = _loc(h.host, f"tunnel.zones[{i}].zoneId")
            first = ids.setdefault(zone, (h.host, zone_id))
            named = names.setdefault(zone_id, (h.host, zone))
            if first[1] != zone_id:
                why = f"differs from host {first[0]}'s id of zone {zone} ({first[1]}): a zone has one id"
                issues.append(Issue(loc, why, zone_id))
            elif named[1] != zone:
                why = f"is host {named[0]}'s id of zone {named[1]} too: a zone id names one zone"
                issues.append(Issue(loc, why, zone_id))
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
                Issue(
                    _loc(h.host, "tunnel.name"),
                    f"is host {first}'s tunnel name too: {why}",
                    t.name,
                    hint=f"name it after the host, e.g. {h.host}",
                )
            )
        if t.tunnel_id is not None and (owner := ids.setdefault(t.tunnel_id, h.host)) != h.host:
            issues.append(Issue(_loc(h.host, "tunnel.tunnelId"), f"is host {owner}'s tunnel too: {why}", t.tunnel_id))
    return issues


def _targets(hosts: list[ResolvedSite], project_dir: str | None) -> list[Issue]:
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
            if mine.transport == "ssh" and (mine.machine, mine.port) == (other.machine, other.port):
                issues.append(_same_machine(h.host, owner, mine))
                break
        seen.append((mine, h.host))
    return issues


def _same_machine(host: str, owner: str, mine: TargetIdentity) -> Issue:
    """Two hosts of a site on one SSH machine: each host's containers, subnet and tunnel
    assume a machine of their own (its addresses and user ids may repeat another
    host's), and each activation rebuilds the whole machine."""
    return Issue(
        _loc(host, "host.target"),
        f"is host {owner}'s machine too ({str(mine).removesuffix(mine.path)}): a host of a site is one machine, "
        "and two hosts' containers, addresses and tunnels would clash on it",
        str(mine),
        hint=f"put these containers under host {owner}, or point this host at its own machine",
    )


def check_across_hosts(hosts: list[ResolvedSite], project_dir: str | None = None) -> list[Issue]:
    """Every problem across the hosts of a site (each host already valid alone);
    `project_dir` is where relative local targets start (see targets.target_identity)."""
    edge = _hostnames(hosts) + _records(hosts) + _imports(hosts) + _zones(hosts)
    return edge + _tunnels(hosts) + _targets(hosts, project_dir)
