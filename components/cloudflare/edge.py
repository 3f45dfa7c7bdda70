"""`EdgeTunnel` and `Edge`: a site's whole edge, in the order users rely on.

The program builds it in two steps, because the host needs the tunnel's credentials
before it is activated, and the routes may be published only after it was:

    tunnel = EdgeTunnel(f"{site.host}-tunnel", site=site)
    host = HostModules(..., secrets={site.tunnel.credentials_file: tunnel.credentials})
    edge = Edge(f"{site.host}-edge", site=site, tunnel=tunnel, activation=host, record_ids=...)

The DNS records are the site's (components.cloudflare.site_dns), registered after every
host's `Edge`; `record_ids` is how the host's `DnsRecords` reports its own. Every ingress
rule depends on `activation`: a hostname is published only after the host runs its
origin. The reverse on removal is the program's part (a `HostPrune` after the edge and
the records): see `Edge`'s docstring.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

from components.cloudflare.dns import DnsRecords
from components.cloudflare.ingress import Ingress
from components.cloudflare.ssh_config import ssh_config
from components.cloudflare.tunnel import Tunnel, TunnelArgs
from components.errors import EdgeError
from components.model.resolved import ResolvedSite


# Route protocol -> URL scheme a person uses for the public hostname.
def _account_id(site: ResolvedSite) -> str:
    if site.tunnel is None or site.tunnel.account_id is None:
        raise EdgeError(
            f"host {site.host} has no Cloudflare account (tunnel.accountId), so it has no edge",
            key="tunnel.accountId",
            hint="create Edge and EdgeTunnel only when site.tunnel.account_id is set",
        )
    return site.tunnel.account_id


def urls(site: ResolvedSite) -> dict[str, str]:
    """Hostname -> the URL people use: `https://<hostname>/`, or `ssh://`/`tcp://<hostname>`."""
    return {r.hostname: r.public_url for r in site.routes}


class EdgeTunnel(Tunnel):
    """The `Tunnel` of a site's `tunnel:` config: created, or adopted when `tunnelId` is set."""

    def __init__(self, name: str, site: ResolvedSite, opts: pulumi.ResourceOptions | None = None) -> None:
        account_id = _account_id(site)
        assert site.tunnel is not None
        args: TunnelArgs = {
            "account_id": account_id,
            "name": site.tunnel.name,
            "ingress": site.tunnel.ingress,
            "tunnel_id": site.tunnel.tunnel_id,
        }
        super().__init__(name, args, opts)


class Edge(pulumi.ComponentResource):
    """A site's ingress rules and DNS records on its tunnel (`nixedge:cloudflare:Edge`).

    Contract:
    - one ingress rule per route hostname (remote: in one
      `ZeroTrustTunnelCloudflaredConfig`; local: in the rendered Nix), catch-all last;
    - the remote configuration depends on `activation` (and on `after`: the records
      that move away from this host, so its old rule stays until DNS has moved), so it
      changes only after the host was activated (and its origins answered, when checks
      are on);
    - on removal, Pulumi updates the ingress config in step but deletes a removed
      hostname's DNS record only at the end of the update. So the program keeps a
      leaving container through `activation` (`HostModules(retain_removed=True)`) and
      removes it in a `HostPrune` that depends on this component: its rule is gone
      before it stops (its record, pointing at a tunnel without a rule for it, goes
      last and meanwhile gets the catch-all).
    """

    tunnel_id: pulumi.Output[str]
    """The tunnel's UUID."""
    cname_target: pulumi.Output[str]
    """`<tunnel id>.cfargotunnel.com`."""
    hostnames: pulumi.Output[list[str]]
    """Every published hostname, in ingress order."""
    rules: pulumi.Output[list[dict[str, object]]]
    """The ingress rules, catch-all last (see `components.cloudflare.ingress.rules`)."""
    record_ids: pulumi.Output[dict[str, str]]
    """Hostname -> DNS record id, for the host's routes."""
    urls: pulumi.Output[dict[str, str]]
    """Hostname -> URL (`https://<hostname>/`, `ssh://<hostname>`, ...)."""
    ssh_config: pulumi.Output[str]
    """The ~/.ssh/config snippet for the ssh routes ("" when there are none)."""
    ingress: Ingress
    """The ingress child (its `config` is the remote config resource, or None)."""
    dns: DnsRecords
    """The DNS child: the host's view of the site's records."""

    def __init__(
        self,
        name: str,
        *,
        site: ResolvedSite,
        tunnel: Tunnel,
        activation: pulumi.Resource,
        record_ids: pulumi.Input[Mapping[str, str]],
        after: pulumi.Input[list[pulumi.Resource]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`record_ids`: hostname -> record id of the host's routes; `after`: what the
        remote configuration waits for besides `activation`."""
        super().__init__("nixedge:cloudflare:Edge", name, {}, opts)
        account_id = _account_id(site)
        child = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(parent=self))
        self.ingress = Ingress(
            f"{name}-ingress",
            site=site,
            account_id=account_id,
            tunnel_id=tunnel.tunnel_id,
            activation=activation,
            after=after,
            opts=child,
        )
        self.dns = DnsRecords(f"{name}-dns", record_ids=record_ids, opts=child)
        self.tunnel_id = tunnel.tunnel_id
        self.cname_target = tunnel.cname_target
        self.hostnames = pulumi.Output.from_input([r.hostname for r in site.routes])
        self.rules = self.ingress.rules
        self.record_ids = self.dns.record_ids
        self.urls = pulumi.Output.from_input(urls(site))
        self.ssh_config = pulumi.Output.from_input(ssh_config(site))
        self.register_outputs(
            {
                "tunnel_id": self.tunnel_id,
                "cname_target": self.cname_target,
                "hostnames": self.hostnames,
                "rules": self.rules,
                "record_ids": self.record_ids,
                "urls": self.urls,
                "ssh_config": self.ssh_config,
            }
        )
