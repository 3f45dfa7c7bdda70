"""The DNS records a site wants, one per name where the name has one: a pure plan, no Pulumi.

Every record is a resource of the site, not of a host: `dns-<key>`, where the key is the
record's name when the site has one record of that name, else `<name>-<type>` (plus a
hash of the content when several share a name and type, such as two TXT records at the
apex). So a route moving from host alpha to host beta keeps its resource and its record
at Cloudflare: the engine updates the CNAME's content in place, which Cloudflare allows,
where a new record beside the old one is refused (81053). A further record becoming a
route, or changing its type, stays the same resource too, replaced delete-first.

Before a site, each host named its records `<host>-edge-dns-<key>` under its
`DnsRecords` component; `old_urns` lists those URNs (for every host of the site, and
the names hosts had before a rename), which the program gives as aliases, so an
upgraded stack keeps its records and previews no change.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from components.model.resolved import ResolvedSite

OLD_PARENT = "nixedge:cloudflare:Edge$nixedge:cloudflare:DnsRecords$cloudflare:index/dnsRecord:DnsRecord"
"""The type chain of a record under a host's `Edge` and `DnsRecords` components."""
CNAME_TTL = 1  # "automatic": the only TTL a proxied record has
CONFLICTING = ("a", "aaaa", "cname")


@dataclass(frozen=True)
class Wanted:
    """One record of the site."""

    key: str
    """The resource name's tail: `dns-<key>`."""
    host: str
    """The host that serves it (a route), or whose `tunnel.dnsRecords` lists it."""
    name: str
    zone: str
    type: str
    content: str | None
    """None for a route: the CNAME to its host's tunnel."""
    proxied: bool
    ttl: int
    old_keys: tuple[str, ...]
    """Keys it may have had as a host's record (`<host>-edge-dns-<old key>`)."""

    @property
    def route(self) -> bool:
        return self.content is None


def _host_key(name: str, kind: str, content: str, shared: bool) -> str:
    """The key a host's `DnsRecords` gave a further record."""
    key = f"{name}-{kind.lower()}"
    return key + "-" + hashlib.sha256(content.encode()).hexdigest()[:8] if shared else key


def wanted(hosts: Sequence[ResolvedSite]) -> list[Wanted]:
    """Every record of every host that publishes, routes first."""
    rows: list[tuple[str, str, str, str, str | None, bool, int]] = []
    for site in hosts:
        if site.tunnel is None or site.tunnel.account_id is None:
            continue
        rows += [(site.host, r.hostname, r.zone, "CNAME", None, True, CNAME_TTL) for r in site.routes]
        rows += [(site.host, d.name, d.zone, d.type, d.content, d.proxied, d.ttl) for d in site.tunnel.dns_records]
    names = Counter(row[1] for row in rows)
    shared = Counter((row[0], row[1], row[3]) for row in rows if row[4] is not None)
    out: list[Wanted] = []
    for host, name, zone, kind, content, proxied, ttl in rows:
        old = name if content is None else _host_key(name, kind, content, shared[(host, name, kind)] > 1)
        if names[name] == 1:
            # Alone at its name: keyed by the name, so a change of host or type keeps it.
            olds = dict.fromkeys([old, name, *(f"{name}-{t}" for t in CONFLICTING)])
            out.append(Wanted(name, host, name, zone, kind, content, proxied, ttl, tuple(olds)))
        else:
            out.append(Wanted(old, host, name, zone, kind, content, proxied, ttl, (old,)))
    return out


def old_urns(record: Wanted, hosts: Iterable[str], stack: str, project: str) -> list[str]:
    """The URNs the record may have had as a host's record."""
    return [
        f"urn:pulumi:{stack}::{project}::{OLD_PARENT}::{host}-edge-dns-{key}"
        for host in dict.fromkeys(hosts)
        for key in record.old_keys
    ]
