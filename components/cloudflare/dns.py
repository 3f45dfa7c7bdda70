"""`DnsRecords`: a host's view of the site's DNS records (`nixedge:cloudflare:DnsRecords`).

The records themselves are the site's (components.cloudflare.site_dns, planned by
components.cloudflare.records): one resource per name, so that a route moving between
hosts stays one record. This component, under each host's `Edge`, keeps the name and
place a host's records had before, and reports the ids of the host's own CNAMEs.

Adopting records that exist already (made by hand or by `cloudflared tunnel route dns`):
`tunnel.dnsImports` (name -> record id, or `<zone_id>/<record_id>`) imports each on the
next `pulumi up` instead of creating it. The pinned engine (3.274.1) imports the record
and then updates it to what nixedge wants (its comment, and content or proxied status
where they differ), in the same `up`. Before that, the program reads each name at
Cloudflare (components.cloudflare.lookup): a record another stack manages is refused,
and so is an unmanaged one that `tunnel.dnsImports` does not name. Remove the import id
after the first successful `pulumi up`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

from components.cloudflare.lookup import comment

__all__ = ["DnsRecords", "comment"]


class DnsRecords(pulumi.ComponentResource):
    """Contract: `record_ids` maps each route hostname of the host to its record's id."""

    record_ids: pulumi.Output[dict[str, str]]
    """Hostname -> Cloudflare record id, for the host's tunnel CNAMEs."""

    def __init__(
        self,
        name: str,
        *,
        record_ids: pulumi.Input[Mapping[str, str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("nixedge:cloudflare:DnsRecords", name, {}, opts)
        self.record_ids = pulumi.Output.from_input(record_ids).apply(lambda ids: dict(sorted(ids.items())))
        self.register_outputs({"record_ids": self.record_ids})
