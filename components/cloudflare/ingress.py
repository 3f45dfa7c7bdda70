"""`Ingress`: where the tunnel sends each public hostname.

Remote ingress: one `ZeroTrustTunnelCloudflaredConfig` holding every rule of the
model's `ResolvedSite.ingress` (one per route, by hostname, then the catch-all). Local
ingress: no Cloudflare resource; the same rules are rendered into NixOS
`services.cloudflared` (components/nixos/render.py) and reach the host with the other
modules. Either way the rules come from the resolved site, so a rule can only name an
address and port that a container (or a declared origin) has.
"""

from __future__ import annotations

from typing import Any, cast

import pulumi
import pulumi_cloudflare as cloudflare

from components.errors import EdgeError
from components.model.resolved import IngressRule, ResolvedSite


def rule_args(rule: IngressRule) -> dict[str, Any]:
    """One rule as `ZeroTrustTunnelCloudflaredConfig` takes it: `{"hostname", "service"}`
    plus `origin_request` where the origin has a certificate to check; the catch-all
    only `{"service"}`."""
    if rule.hostname is None:
        return {"service": rule.service}
    args: dict[str, Any] = {"hostname": rule.hostname, "service": rule.service}
    if rule.origin_server_name is not None:
        args["origin_request"] = {"origin_server_name": rule.origin_server_name}
    return args


def _no_tunnel(site: ResolvedSite) -> EdgeError:
    return EdgeError(
        f"host {site.host} has no tunnel, so no ingress rules",
        key="tunnel",
        hint="create Ingress only for a site whose stack config has a tunnel",
    )


def rules(site: ResolvedSite) -> list[dict[str, Any]]:
    """The ingress rules in the order cloudflared applies them, catch-all last."""
    if site.tunnel is None:
        raise _no_tunnel(site)
    return [rule_args(rule) for rule in site.ingress]


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
        after: pulumi.Input[list[pulumi.Resource]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`after`: what the remote configuration waits for besides `activation` (the
        records moving away from this host, so its old rules stay until DNS has moved)."""
        super().__init__("nixedge:cloudflare:Ingress", name, {}, opts)
        if site.tunnel is None:
            raise _no_tunnel(site)
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
                opts=pulumi.ResourceOptions.merge(
                    opts,
                    pulumi.ResourceOptions(
                        parent=self,
                        depends_on=pulumi.Output.from_input(after or []).apply(lambda more: [activation, *more]),
                    ),
                ),
            )
        self.rules = pulumi.Output.from_input(wanted)
        self.register_outputs({"rules": self.rules, "mode": self.mode})
