"""The tunnel: its further DNS records and imports, and what publishing it needs."""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from ipaddress import IPv4Address, IPv6Address, ip_address
from urllib.parse import urlsplit

from components.errors import Issue
from components.model.checks.report import Report
from components.model.checks.routes import routed_hostnames, warn_below_zone, zone_or_error
from components.model.resolved import DnsRecord, ResolvedTunnel
from components.model.site import Site, Tunnel


def _address_problem(rtype: str, content: str) -> str | None:
    """Why `content` is no address a record of `rtype` (A, AAAA) can publish."""
    address = IPv4Address(content) if rtype == "A" else IPv6Address(content)
    if isinstance(address, IPv6Address) and address.scope_id is not None:
        # Python reads fe80::1%eth0; the scope names an interface of one machine, DNS has none.
        return "must be an IPv6 address without a %scope: a zone index means nothing outside its machine"
    if address.is_unspecified or address.is_multicast or content == "255.255.255.255":
        return "is no address of a host (unspecified, multicast or broadcast): clients would reach nothing"
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return f"is an IPv4 address in IPv6 form: publish it as a record of type A, content {address.ipv4_mapped}"
    if str(address) != content:
        # Cloudflare and every DNS tool print the short lowercase form; the same record in
        # two spellings would pass the duplicate check and show as a change at every preview.
        return f"must be written in its one printed form: write {address}"
    return None


def _content_problem(rtype: str, name: str, content: str) -> str | None:
    try:
        if rtype in ("A", "AAAA"):
            return _address_problem(rtype, content)
    except ValueError:
        return f"must be an {'IPv4' if rtype == 'A' else 'IPv6'} address for a record of type {rtype}"
    if rtype == "CNAME" and (not all(label for label in content.rstrip(".").split(".")) or " " in content):
        return "must be a host name for a record of type CNAME"
    if rtype == "CNAME" and content.rstrip(".").lower() == name.lower():
        return f"points {name} at itself: a resolver following it never gets an address"
    return None


def _record(site: Site, report: Report, t: Tunnel, i: int) -> DnsRecord | None:
    rec, loc = t.dns_records[i], f"tunnel.dnsRecords[{i}]"
    zone = zone_or_error(site, report, f"{loc}.name", rec.name)
    if zone is None:
        return None
    problem = _content_problem(rec.type, rec.name, rec.content)
    if problem:
        report.error(f"{loc}.content", problem, rec.content)
    if rec.proxied and rec.type == "TXT":
        report.error(f"{loc}.proxied", "cannot be true for a TXT record", True)
    if rec.ttl != 1 and (rec.proxied or rec.ttl < 60):
        why = "a proxied record's TTL is automatic" if rec.proxied else "Cloudflare takes 60 to 86400 seconds"
        report.error(f"{loc}.ttl", f"must be 1 (automatic): {why}", rec.ttl)
    if rec.proxied:
        warn_below_zone(report, f"{loc}.name", rec.name, zone)
    # Cloudflare refuses an identical record, and any record beside a CNAME of the same name.
    for j, prev in enumerate(t.dns_records[:i]):
        if prev.name != rec.name:
            continue
        if (prev.type, prev.content) == (rec.type, rec.content):
            report.error(loc, f"repeats tunnel.dnsRecords[{j}] ({rec.type} {rec.content})", rec.name)
            break
        if "CNAME" in (prev.type, rec.type):
            report.error(
                f"{loc}.type",
                f"cannot share name {rec.name} with tunnel.dnsRecords[{j}] ({prev.type}): "
                "a CNAME must be the only record of its name",
                rec.type,
            )
            break
    return DnsRecord(rec.name, rec.type, rec.content, rec.proxied, rec.ttl, zone)


# A Cloudflare record id (and a zone id): 32 lowercase hex characters.
_CLOUDFLARE_ID = re.compile(r"[0-9a-f]{32}")
IMPORT_ID_SHAPE = "<record id> or <zone id>/<record id>, each 32 lowercase hex characters"


def _import_id_problem(given: str) -> str | None:
    """Why `given` is not an import id of cloudflare:DnsRecord (`<zone_id>/<record_id>`,
    or the record id alone when the zone's id is in the config); None when it is one."""
    if all(_CLOUDFLARE_ID.fullmatch(part) for part in given.split("/", 1)):
        return None
    return f"must be {IMPORT_ID_SHAPE}"


def _catch_all(report: Report, t: Tunnel) -> None:
    """A catch-all URL's port is a port: cloudflared refuses the config at start otherwise."""
    if t.catch_all.startswith("http_status:"):
        return
    try:
        port = urlsplit(t.catch_all).port
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:
        report.error(
            "tunnel.catchAll", "must have a port from 1 to 65535, or none; cloudflared refuses it at start", t.catch_all
        )
    try:
        address = ip_address((urlsplit(t.catch_all).hostname or "").strip("[]"))
    except ValueError:
        return  # a name: resolved by cloudflared on the host
    if not address.is_loopback and (address.is_link_local or address.is_multicast or address.is_reserved):
        report.error(
            "tunnel.catchAll",
            "reaches a link-local, multicast or reserved address, no service of yours: every request no route "
            "matches would go there (at 169.254.169.254 clouds serve a host's credentials)",
            t.catch_all,
            hint="use http_status:404, or the URL of a service of your own",
        )


def import_record(record_id: str) -> tuple[str | None, str]:
    """(zone id or None, record id) of an import id."""
    zone, _, record = record_id.rpartition("/")
    return zone or None, record


def _import_zone(t: Tunnel, report: Report, loc: str, hostname: str, record_id: str) -> None:
    """An import id naming a zone names the zone of its hostname, as tunnel.zones gives its id."""
    zone_id, _ = import_record(record_id)
    if zone_id is None or _import_id_problem(record_id) is not None:
        return
    zone = max((z for z in t.zones if hostname == z.name or hostname.endswith("." + z.name)),
               key=lambda z: len(z.name), default=None)  # fmt: skip
    if zone is not None and zone.zone_id is not None and zone.zone_id != zone_id:
        report.error(
            loc,
            f"names zone id {zone_id}, but {hostname} is in zone {zone.name}, whose id is {zone.zone_id}: "
            "the import would adopt a record of another zone",
            record_id,
            hint=f"use {zone.zone_id}/<record id>, or the record id alone",
        )


def _imports(site: Site, report: Report, t: Tunnel) -> None:
    """Every record the stack manages can be adopted: a route's CNAME, or the one record
    of a `tunnel.dnsRecords` name (a name with several is ambiguous by name alone); each
    record id once, in the zone of its hostname."""
    routed = routed_hostnames(site)
    further = Counter(rec.name for rec in t.dns_records)
    adopted: dict[str, str] = {}  # record id -> the first import's key
    for hostname, record_id in t.dns_imports.items():
        loc = f"tunnel.dnsImports[{hostname!r}]"  # quoted like pydantic's keys: it holds dots
        first = adopted.setdefault(import_record(record_id)[1], loc)
        if first != loc:
            why = f"adopts the record {first} adopts: an import id adopts one record of the stack"
            report.error(loc, why, record_id)
        _import_zone(t, report, loc, hostname, record_id)
        if hostname not in routed and hostname not in further:
            report.error(loc, "names no record of the stack: no route and no tunnel.dnsRecords entry", record_id)
        elif further[hostname] > 1:
            report.error(
                loc,
                f"names {further[hostname]} records of tunnel.dnsRecords; an import id adopts one",
                record_id,
                "adopt them one by one with `scripts/pulumi import` (docs/migrating.md, A record added later), "
                "or delete them at Cloudflare and let nixedge create them",
            )
        problem = _import_id_problem(record_id)
        if problem:
            hint = "the API lists a record's id: GET /zones/<zone id>/dns_records?name=<name>"
            report.error(loc, problem, record_id, hint)


def _placeholder(value: str | None) -> bool:
    return value is not None and value.startswith("<")


def publish_issues(t: Tunnel) -> tuple[Issue, ...]:
    """What refuses publishing (preview, up) but not `check`: the shipped stacks' `<...>` ids."""
    issues: list[Issue] = []
    if _placeholder(t.account_id):
        issues.append(
            Issue(
                "tunnel.accountId",
                "must hold your Cloudflare account id, not a placeholder",
                t.account_id,
                "the dashboard shows it on every zone's Overview page; leave accountId out to publish nothing",
            )
        )
    for i, z in enumerate(t.zones):
        if _placeholder(z.zone_id):
            issues.append(
                Issue(
                    f"tunnel.zones[{i}].zoneId",
                    f"must hold the Cloudflare id of zone {z.name}, not a placeholder",
                    z.zone_id,
                    "the dashboard shows it on the zone's Overview page; leave zoneId out to look it up by name",
                )
            )
    return tuple(issues)


# A tunnel id's shape: cloudflared reads a name of this shape as an id (`tunnel run <UUID>`).
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _names_and_zone_ids(report: Report, t: Tunnel) -> None:
    """A local tunnel runs by name, which must not read as an id; a zone id names one zone."""
    if t.ingress == "local" and _UUID.fullmatch(t.name):
        report.error(
            "tunnel.name",
            "has the shape of a tunnel id: `cloudflared tunnel run` reads it as the id of another tunnel, "
            "not as this tunnel's name",
            t.name,
            hint="name the tunnel after the host, e.g. 'seminar'",
        )
    ids: dict[str, str] = {}
    for i, z in enumerate(t.zones):
        if z.zone_id is None:
            continue
        first = ids.setdefault(z.zone_id, z.name)
        if first != z.name:
            report.error(f"tunnel.zones[{i}].zoneId", f"is the id of zone {first} too: a zone id names one zone",
                         z.zone_id)  # fmt: skip


def resolved_tunnel(site: Site, report: Report) -> ResolvedTunnel | None:
    t = site.tunnel
    if t is None:
        return None
    _names_and_zone_ids(report, t)
    records = [rec for i in range(len(t.dns_records)) if (rec := _record(site, report, t, i)) is not None]
    _imports(site, report, t)
    _catch_all(report, t)
    suffix = "json" if t.ingress == "local" else "token"
    return ResolvedTunnel(
        name=t.name,
        ingress=t.ingress,
        account_id=t.account_id,
        tunnel_id=t.tunnel_id,
        zones={z.name: z.zone_id for z in t.zones},
        credentials_file=posixpath.join(site.host.secrets_dir, f"cloudflared-{t.name}.{suffix}"),
        catch_all=t.catch_all,
        tune_udp_buffers=t.tune_udp_buffers,
        dns_records=tuple(sorted(records, key=lambda r: (r.name, r.type, r.content))),
        dns_imports=tuple(sorted(t.dns_imports.items())),
        publish_issues=publish_issues(t) if t.account_id is not None else (),
    )
