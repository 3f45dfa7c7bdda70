"""`Ingress`: where the tunnel sends each public hostname.

Remote ingress: one `ZeroTrustTunnelCloudflaredConfig` holding every rule, one per route
in the order of `components.nixos.render.ingress_rules` (by hostname), then the
catch-all. Local ingress: no Cloudflare resource; the same rules are rendered into
NixOS `services.cloudflared` (components/nixos/render.py) and reach the host with the
other modules. Either way the rules come from the resolved site, so a rule can only name
an address and port that a container (or a declared origin) has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import pulumi
import pulumi_cloudflare as cloudflare

from components.model.resolved import PublicRoute, ResolvedSite
from components.nixos.render import ingress_rules


def origin_request(route: PublicRoute) -> dict[str, Any] | None:
    """Per-route origin settings that the route's protocol needs, or None.

    An https origin is reached by its container address, so cloudflared must check its
    certificate against (and send SNI for) the public hostname instead of the address.
    http, ssh and tcp origins need nothing.
    """
    if route.protocol == "https":
        return {"origin_server_name": route.hostname}
    return None


def rules(site: ResolvedSite) -> list[dict[str, Any]]:
    """The ingress rules as `ZeroTrustTunnelCloudflaredConfig` takes them, catch-all last.

    One rule per route, `{"hostname", "service"}` (plus `origin_request` where
    `origin_request` says so), in the order cloudflared applies them.
    """
    if site.tunnel is None:
        raise ValueError(f"host {site.host} has no tunnel, so no ingress rules")
    by_hostname: Mapping[str, PublicRoute] = {r.hostname: r for r in site.routes}
    out: list[dict[str, Any]] = []
    for hostname, service in ingress_rules(site):
        rule: dict[str, Any] = {"hostname": hostname, "service": service}
        extra = origin_request(by_hostname[hostname])
        if extra is not None:
            rule["origin_request"] = extra
        out.append(rule)
    out.append({"service": site.tunnel.catch_all})
    return out


class Ingress(pulumi.ComponentResource):
    """The tunnel's ingress rules (`nixedge:cloudflare:Ingress`).

    Contract: in remote mode the one config resource depends on `activation`, so a rule
    changes only after the host runs the origin it names. In local mode it creates no
    resource (`config` is None) and `rules` only reports what the rendered Nix holds.
    """

    rules: pulumi.Output[list[dict[str, Any]]]
    """Every rule, catch-all last, as sent to Cloudflare (remote) or rendered (local)."""
    mode: str
    """`remote` or `local`: the site's `tunnel.ingress`."""
    config: cloudflare.ZeroTrustTunnelCloudflaredConfig | None
    """The remote config resource; None in local mode."""

    def __init__(
        self,
        name: str,
        *,
        site: ResolvedSite,
        account_id: str,
        tunnel_id: pulumi.Input[str],
        activation: pulumi.Resource,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("nixedge:cloudflare:Ingress", name, {}, opts)
        if site.tunnel is None:
            raise ValueError(f"host {site.host} has no tunnel, so no ingress")
        self.mode = site.tunnel.ingress
        wanted = rules(site)
        self.config = None
        if self.mode == "remote":
            self.config = cloudflare.ZeroTrustTunnelCloudflaredConfig(
                name,
                account_id=account_id,
                tunnel_id=tunnel_id,
                source="cloudflare",
                # The rules are plain dicts shaped as the provider's IngressArgsDict.
                config=cast(cloudflare.ZeroTrustTunnelCloudflaredConfigConfigArgsDict, {"ingresses": wanted}),
                opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(parent=self, depends_on=[activation])),
            )
        self.rules = pulumi.Output.from_input(wanted)
        self.register_outputs({"rules": self.rules, "mode": self.mode})
