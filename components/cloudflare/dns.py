"""`DnsRecords`: one proxied CNAME per public hostname, to the tunnel; and the site's
further records (`tunnel.dnsRecords`).

Each record lives in its route's zone: the zone id from the stack config, or looked up
by the zone's name in the site's account (`get_zone`) when the config has none.
Resource names come from the hostname, so adding or removing one route never renames (and so never replaces) another.
A further record is named `<name>-<type>`, plus a hash of its content when several
share a name and type (two TXT records at the apex).

Adopting records that exist already (made by hand or by `cloudflared tunnel route dns`):
pass `imports={name: record_id}` (or `<zone_id>/<record_id>`), for a route's hostname or
the name of a further record (the model lets a name with one such record only), and it is
imported on the next `pulumi up` instead of created, which Cloudflare would refuse
("a record with that host already exists"). Or, once, from the command line:

    pulumi import cloudflare:index/dnsRecord:DnsRecord <resource name> <zone_id>/<record_id> \
        --parent 'urn:pulumi:<stack>::nixedge::nixedge:cloudflare:Edge$nixedge:cloudflare:DnsRecords::<host>-edge-dns' \
        --protect=false

with `<resource name>` as this component names it, e.g. `seminar-edge-dns-forgejo.ncaq.net`
(the parent URN is that of the `DnsRecords` component; `pulumi stack --show-urns` lists
it once the stack has been updated). An import fails when the record differs
from what nixedge wants; only the comment is exempt (`ignore_changes`) while the import
id is given, so that a hand-made record without nixedge's comment can be adopted.
Remove the import id after the first successful `pulumi up`; the next one sets the comment.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping

import pulumi
import pulumi_cloudflare as cloudflare

from components.errors import EdgeError
from components.model.resolved import PublicRoute, ResolvedSite

CNAME_TTL = 1  # "automatic": the only TTL a proxied record has


def _mapping(outputs: Mapping[str, pulumi.Output[str]]) -> pulumi.Output[dict[str, str]]:
    """One output of a sorted dict from a dict of outputs (also when it is empty)."""
    if not outputs:
        return pulumi.Output.from_input({})
    return pulumi.Output.all(**outputs).apply(lambda values: dict(sorted(values.items())))


def comment(stack: str) -> str:
    """The comment on every record nixedge manages."""
    return f"managed by nixedge stack {stack}"


class DnsRecords(pulumi.ComponentResource):
    """The site's DNS records (`nixedge:cloudflare:DnsRecords`).

    Contract: exactly one proxied CNAME (ttl 1) per route hostname, content
    `cname_target`, each depending on `activation`, so a hostname resolves to the tunnel
    only after the host runs its origin. Zone lookups happen once per zone.
    """

    record_ids: pulumi.Output[dict[str, str]]
    """Hostname -> Cloudflare record id, for the tunnel CNAMEs."""
    zone_ids: pulumi.Output[dict[str, str]]
    """Zone name -> zone id, for the zones that hold a record."""
    records: dict[str, cloudflare.DnsRecord]
    """Hostname -> the CNAME resource."""

    def __init__(
        self,
        name: str,
        *,
        site: ResolvedSite,
        stack: str,
        cname_target: pulumi.Input[str],
        activation: pulumi.Resource,
        imports: Mapping[str, str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("nixedge:cloudflare:DnsRecords", name, {}, opts)
        if site.tunnel is None:
            raise EdgeError(
                f"host {site.host} has no tunnel, so no DNS records",
                key="tunnel",
                hint="create DnsRecords only for a site whose stack config has a tunnel",
            )
        self._tunnel = site.tunnel
        self._zone_ids: dict[str, pulumi.Output[str]] = {}
        imports = dict(imports or {})
        managed = {r.hostname for r in site.routes} | {rec.name for rec in site.tunnel.dns_records}
        unknown = sorted(set(imports) - managed)
        if unknown:
            raise EdgeError(
                f"DNS import ids given for {', '.join(unknown)}, which no record of host {site.host} names",
                key="tunnel.dnsImports",
            )
        child = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(parent=self, depends_on=[activation]))
        self.records = {
            route.hostname: self._cname(name, route, stack, cname_target, imports.get(route.hostname), child)
            for route in site.routes
        }
        self._further_records(name, stack, imports, child)
        self.record_ids = _mapping({h: r.id for h, r in self.records.items()})
        self.zone_ids = _mapping(self._zone_ids)
        self.register_outputs({"record_ids": self.record_ids, "zone_ids": self.zone_ids})

    def _zone_id(self, zone: str) -> pulumi.Output[str]:
        """The zone's id: from the stack config, else looked up by name (once per zone)."""
        if zone not in self._zone_ids:
            configured = self._tunnel.zones.get(zone)
            if configured is not None:
                self._zone_ids[zone] = pulumi.Output.from_input(configured)
            else:
                # By the account too: a token that sees two zones of one name (in two
                # accounts) would otherwise match both, and the lookup fails.
                wanted: cloudflare.GetZoneFilterArgsDict = {"name": zone, "match": "all"}
                if self._tunnel.account_id is not None:
                    wanted["account"] = {"id": self._tunnel.account_id}
                found = cloudflare.get_zone_output(
                    filter=wanted,
                    opts=pulumi.InvokeOutputOptions(parent=self),
                )
                self._zone_ids[zone] = found.id
        return self._zone_ids[zone]

    def _adopting(
        self, hostname: str, zone: str, import_id: str | None, opts: pulumi.ResourceOptions
    ) -> pulumi.ResourceOptions:
        """`opts`, plus the import of an existing record when `import_id` is given."""
        if import_id is None:
            return opts
        return pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(
                import_=self._import_id(hostname, zone, import_id, self._tunnel.zones),
                ignore_changes=["comment"],
            ),
        )

    def _cname(
        self,
        name: str,
        route: PublicRoute,
        stack: str,
        cname_target: pulumi.Input[str],
        import_id: str | None,
        opts: pulumi.ResourceOptions,
    ) -> cloudflare.DnsRecord:
        """The route's proxied CNAME to the tunnel; imported when `import_id` is given."""
        opts = self._adopting(route.hostname, route.zone, import_id, opts)
        return cloudflare.DnsRecord(
            f"{name}-{route.hostname}",
            zone_id=self._zone_id(route.zone),
            name=route.hostname,
            type="CNAME",
            content=cname_target,
            proxied=True,
            ttl=CNAME_TTL,
            comment=comment(stack),
            opts=opts,
        )

    def _further_records(self, name: str, stack: str, imports: Mapping[str, str], opts: pulumi.ResourceOptions) -> None:
        """The site's `tunnel.dnsRecords`, named `<name>-<type>` (plus a content hash when
        several share a name and type); the one record of a name in `imports` is imported."""
        records = self._tunnel.dns_records
        groups = Counter((rec.name, rec.type) for rec in records)
        for rec in records:
            key = f"{rec.name}-{rec.type.lower()}"
            if groups[(rec.name, rec.type)] > 1:  # several of one name and type: named by content
                key += "-" + hashlib.sha256(rec.content.encode()).hexdigest()[:8]
            cloudflare.DnsRecord(
                f"{name}-{key}",
                zone_id=self._zone_id(rec.zone),
                name=rec.name,
                type=rec.type,
                content=rec.content,
                proxied=rec.proxied,
                ttl=rec.ttl,
                comment=comment(stack),
                opts=self._adopting(rec.name, rec.zone, imports.get(rec.name), opts),
            )

    @staticmethod
    def _import_id(hostname: str, zone: str, given: str, zones: Mapping[str, str | None]) -> str:
        """`<zone_id>/<record_id>`, the provider's import id, from what the caller gave."""
        if "/" in given:
            return given
        zone_id = zones.get(zone)
        if zone_id is None:
            raise EdgeError(
                f"cannot import the DNS record of {hostname}: zone {zone} has no zoneId in the stack "
                "config, and an import id must be known before the zone is looked up",
                key=f"tunnel.dnsImports[{hostname!r}]",
                hint=f"give the import id as <zone_id>/{given}, or set the zone's zoneId",
            )
        return f"{zone_id}/{given}"
