"""The site's DNS records as resources: one `cloudflare.DnsRecord` per `Wanted`
(components.cloudflare.records), at the stack's root, named `dns-<key>`.

What each waits for: a route's CNAME waits for its host's activation and, with remote
ingress, for that host's tunnel configuration, so the host serves the hostname before
DNS points at it; a further record waits for its host's activation. Every record is
replaced delete-first (`delete_before_replace`): Cloudflare refuses a new record of a
name beside the old one (81053, 81054, 81058), and only `zone_id` or `type` replace one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_cloudflare as cloudflare

from components.cloudflare.lookup import comment
from components.cloudflare.records import Wanted, old_urns
from components.errors import EdgeError


@dataclass
class HostEdge:
    """What a host's records need from it."""

    cname_target: pulumi.Output[str]
    after: list[pulumi.Resource]
    """Its activation, and its remote tunnel configuration."""
    imports: Mapping[str, str] = field(default_factory=dict)
    """Name -> record id (or `<zone id>/<record id>`) of `tunnel.dnsImports`."""
    former_names: tuple[str, ...] = ()
    """The names the host had before (`host.renamedFrom`)."""


def _import_id(want: Wanted, given: str, zones: Mapping[str, str]) -> str:
    return given if "/" in given else f"{zones[want.zone]}/{given}"


def register(
    wanted: Iterable[Wanted], hosts: Mapping[str, HostEdge], zones: Mapping[str, str], stack: str
) -> dict[str, cloudflare.DnsRecord]:
    """Key -> the record resource."""
    project = pulumi.get_project()
    every_host = [n for name, edge in hosts.items() for n in (name, *edge.former_names)]
    out: dict[str, cloudflare.DnsRecord] = {}
    for want in wanted:
        edge = hosts.get(want.host)
        if edge is None:
            raise EdgeError(f"host {want.host} has no edge, so no DNS record {want.name}", key="tunnel")
        given = edge.imports.get(want.name)
        opts = pulumi.ResourceOptions(
            depends_on=list(edge.after),
            delete_before_replace=True,
            aliases=list(old_urns(want, every_host, stack, project)),
            import_=_import_id(want, given, zones) if given is not None else None,
        )
        out[want.key] = cloudflare.DnsRecord(
            f"dns-{want.key}",
            zone_id=zones[want.zone],
            name=want.name,
            type=want.type,
            content=edge.cname_target if want.content is None else want.content,
            proxied=want.proxied,
            ttl=want.ttl,
            comment=comment(stack),
            opts=opts,
        )
    return out
