"""Which hostnames move from one host of a site to another in this run, read from where
their CNAMEs point now; and what each host's removal of its old rules waits for.

A move must not cut service: the new host serves the hostname (activated; with remote
ingress, its tunnel configuration holds the rule) before the record points at its
tunnel, and the old host keeps its rule until then. The first half is each record's own
dependencies (components.cloudflare.site_dns); the second is here: the old host's
remote configuration, or with local ingress its modules, wait for the moved records.
Waits that would close a cycle (two hosts swapping hostnames) are dropped, with a
warning: one of them then drops its rule before DNS has moved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from components.cloudflare.lookup import Found, FoundTunnel, comment
from components.cloudflare.records import Wanted

CNAME_SUFFIX = ".cfargotunnel.com"


def moves(
    records: Sequence[Wanted], found: Mapping[str, list[Found]], tunnels: Mapping[str, FoundTunnel], stack: str
) -> list[tuple[str, str, str]]:
    """(key, old host, new host) of each route record of this stack that points at
    another host's tunnel now."""
    hosts_by_tunnel = {t.id: host for host, t in tunnels.items()}
    out: list[tuple[str, str, str]] = []
    for want in records:
        if not want.route:
            continue
        for record in found.get(want.name, []):
            if record.comment != comment(stack) or not record.content.endswith(CNAME_SUFFIX):
                continue
            old = hosts_by_tunnel.get(record.content.removesuffix(CNAME_SUFFIX))
            if old is not None and old != want.host:
                out.append((want.key, old, want.host))
    return out


def _reaches(edges: Mapping[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        host = todo.pop()
        if host == goal:
            return True
        if host not in seen:
            seen.add(host)
            todo += edges.get(host, set())
    return False


def waits(moved: Sequence[tuple[str, str, str]]) -> tuple[dict[str, list[str]], list[str]]:
    """Old host -> the keys of the records its rule removal waits for; and the warnings
    for the waits dropped to keep the order free of cycles."""
    edges: dict[str, set[str]] = {}
    out: dict[str, list[str]] = {}
    dropped: list[str] = []
    for key, old, new in sorted(moved):
        if _reaches(edges, new, old):
            dropped.append(
                f"{key} moves from host {old} to host {new} while another hostname moves the other way: "
                f"host {old} drops its rule for it without waiting for DNS (a few seconds of errors)"
            )
            continue
        edges.setdefault(old, set()).add(new)
        out.setdefault(old, []).append(key)
    return out, dropped
