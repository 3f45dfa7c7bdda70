"""The nixedge Pulumi program: one stack config -> the host's NixOS modules and the edge.

Order that users rely on (design.md): the tunnel exists first (its credentials go to
the host), then the host's modules are written and activated, and only then are the
ingress rules and DNS records published. On removal the reverse: a container that
leaves the stack keeps running through the host step (`retain_removed`), its ingress
rule goes, and only then does `HostPrune` remove its module and activate the host.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi

from components.errors import ConfigError
from components.host.resources import ActivationSettings, HostModules, HostPrune
from components.model import ResolvedSite, ResolvedTunnel, site_from_data
from components.model.claims import claims, origin_checks
from components.nixos.render import render

if TYPE_CHECKING:
    from components.cloudflare.edge import EdgeTunnel


def source(stack: str) -> str:
    """How reports name the stack's config."""
    return f"stack {stack} (nixedge:site)"


def load_site(stack: str) -> ResolvedSite:
    config = pulumi.Config("nixedge")
    try:
        site = site_from_data(config.require_object("site"), source(stack))
    except ConfigError as exc:
        # RunError prints the report alone, without a Python traceback.
        raise pulumi.RunError(str(exc)) from None
    for warning in site.warnings:
        pulumi.log.warn(warning)
    return site


def published_tunnel(site: ResolvedSite, stack: str) -> ResolvedTunnel | None:
    """The tunnel this run publishes, or None: only a stack with a Cloudflare account
    publishes anything (the dev stack does not). Refuses, like a bad config, what
    `check` lets pass but publishing cannot use (the shipped stacks' placeholder ids)."""
    tunnel = site.tunnel
    if tunnel is None or tunnel.account_id is None:
        return None
    if tunnel.publish_issues:
        raise pulumi.RunError(str(ConfigError(list(tunnel.publish_issues), source(stack))))
    return tunnel


def edge_tunnel(
    site: ResolvedSite, published: ResolvedTunnel | None
) -> tuple[EdgeTunnel | None, dict[str, pulumi.Input[str]]]:
    """The tunnel, and the secrets the host gets from it."""
    if published is None:
        return None, {}
    # Imported only here: pulumi_cloudflare costs seconds and ~165 MB to import.
    from components.cloudflare.edge import EdgeTunnel

    tunnel = EdgeTunnel(f"{site.host}-tunnel", site=site)
    return tunnel, {published.credentials_file: tunnel.credentials}


def export_site(site: ResolvedSite, files: dict[str, str], host: HostModules) -> None:
    pulumi.export("host", site.host)
    pulumi.export("files", sorted(files))
    pulumi.export("hashes", host.hashes)
    pulumi.export("activation", host.activation)
    pulumi.export(
        "containers",
        {
            c.name: {
                "hostAddress": c.host_address,
                "localAddress": c.local_address,
                "uid": c.user.uid,
                "gid": c.user.gid,
            }
            for c in site.containers
        },
    )
    pulumi.export("routes", {r.hostname: r.service for r in site.routes})


def publish(
    site: ResolvedSite,
    stack: str,
    tunnel: EdgeTunnel,
    host: HostModules,
    files: dict[str, str],
    activation: ActivationSettings,
) -> None:
    """The edge after the host, then the prune step after the edge (see the module docstring)."""
    from components.cloudflare.edge import Edge

    assert site.tunnel is not None
    edge = Edge(
        f"{site.host}-edge",
        site=site,
        stack=stack,
        tunnel=tunnel,
        activation=host,
        dns_imports=dict(site.tunnel.dns_imports) or None,
    )
    HostPrune(
        f"{site.host}-prune",
        host=site.host,
        target=site.target,
        keep=sorted(files),
        leaving=host.retained,
        activation=activation,
        opts=pulumi.ResourceOptions(depends_on=[host, edge]),
    )
    pulumi.export("tunnelId", tunnel.tunnel_id)
    pulumi.export("cnameTarget", tunnel.cname_target)
    pulumi.export("urls", edge.urls)
    pulumi.export("sshConfig", edge.ssh_config)


def main() -> None:
    stack = pulumi.get_stack()
    site = load_site(stack)
    files = render(site)
    published = published_tunnel(site, stack)
    tunnel, secrets = edge_tunnel(site, published)
    activation: ActivationSettings = {
        "command": list(site.activation_command),
        "rollback": list(site.rollback_command),
    }
    host = HostModules(
        f"{site.host}-modules",
        host=site.host,
        target=site.target,
        files=files,
        secrets=secrets,
        activation=activation,
        checks=origin_checks(site) if site.check_origins else [],
        # With an edge, a leaving container stays until its routes are gone (HostPrune below).
        retain_removed=published is not None,
        claims=claims(site) if published is not None else {},
    )
    export_site(site, files, host)
    if tunnel is not None:
        publish(site, stack, tunnel, host, files, activation)


main()
