"""The nixedge Pulumi program: one stack config -> the host's NixOS modules and the edge.

Order that users rely on (design.md): the tunnel exists first (its credentials go to
the host), then the host's modules are written and activated, and only then are the
ingress rules and DNS records published. On removal the reverse: a container that
leaves the stack keeps running through the host step (`retain_removed`), its ingress
rule goes, and only then does `HostPrune` remove its module and activate the host.
"""

from __future__ import annotations

import pulumi

from components.errors import ConfigError
from components.model import ResolvedSite, site_from_engine
from components.nixos.host import ActivationSettings, HostModules
from components.nixos.layout import TUNNEL_ID
from components.nixos.prune import HostPrune
from components.nixos.render import render, tunnel_id_value


def load_site(stack: str) -> ResolvedSite:
    config = pulumi.Config("nixedge")
    try:
        # The raw JSON: parsed (and the stack file read again, as `check` reads it) in the model.
        site = site_from_engine(stack, config.require("site"), f"stack {stack} (nixedge:site)")
    except ConfigError as exc:
        # RunError prints the report alone, without a Python traceback.
        raise pulumi.RunError(str(exc)) from None
    for warning in site.warnings:
        pulumi.log.warn(warning)
    return site


def origin_checks(site: ResolvedSite) -> list[dict[str, object]]:
    """One TCP check per (container, port): run after activation when its module changed."""
    checks: list[dict[str, object]] = []
    for c in site.containers:
        for port in sorted({r.port for r in c.routes}):
            checks.append(
                {
                    "container": c.name,
                    "address": c.local_address,
                    "port": port,
                    "files": [f"containers/{c.name}.nix"],
                }
            )
    return checks


def claims(site: ResolvedSite) -> dict[str, dict[str, str]]:
    """What each container module holds that a new module could take over: its
    addresses, user and group ids, forwarded host ports, state directory and writable
    mounts. A leaving container whose claim a new one takes (a rename keeping its
    address or data) cannot run beside it until the prune step, so the host step
    removes it at once."""
    out: dict[str, dict[str, str]] = {}
    for c in site.containers:
        u = c.user
        held = {
            f"uid {u.uid}": u.name,
            f"user {u.name}": str(u.uid),
            f"gid {u.gid}": u.group,
            f"group {u.group}": str(u.gid),
        }
        for address in (c.host_address, c.local_address):
            if address is not None:
                held[f"address {address}"] = c.name
        for protocol, host_port, _ in c.isolation.forward_ports:
            held[f"hostPort {protocol}/{host_port}"] = c.name
        # Its data: two containers must not run one app on the same directory.
        for path in [c.state_dir, *(m.host_path for m in c.mounts if not m.read_only)]:
            if path is not None:
                held[f"path {path}"] = c.name
        out[f"containers/{c.name}.nix"] = held
    return out


def main() -> None:
    stack = pulumi.get_stack()
    site = load_site(stack)
    files = render(site)
    ids: dict[str, pulumi.Input[str]] = {}  # files known only once the tunnel exists
    secrets: dict[str, pulumi.Input[str]] = {}
    # Only a stack with a Cloudflare account publishes anything (the dev stack does not).
    published = site.tunnel if site.tunnel is not None and site.tunnel.account_id is not None else None
    tunnel = None
    if published is not None:
        placeholders = [v for v in (published.account_id, *published.zones.values()) if v and v.startswith("<")]
        if placeholders:
            raise pulumi.RunError(
                f"stack {stack}: tunnel.accountId and tunnel.zones[].zoneId must hold your Cloudflare ids, "
                f"not the placeholders {', '.join(placeholders)}; nothing was changed."
            )
        # Imported only here: pulumi_cloudflare costs seconds and ~165 MB to import.
        from components.cloudflare.edge import EdgeTunnel

        tunnel = EdgeTunnel(f"{site.host}-tunnel", site=site)
        secrets[published.credentials_file] = tunnel.credentials
        if published.ingress == "local" and published.tunnel_id is None:
            # Created by this stack: its id exists only once Cloudflare made the tunnel.
            ids[TUNNEL_ID] = tunnel.tunnel_id.apply(lambda tunnel_id: tunnel_id_value(site, published, tunnel_id))
    activation: ActivationSettings = {
        "command": list(site.activation_command),
        "rollback": list(site.rollback_command),
    }
    host = HostModules(
        f"{site.host}-modules",
        host=site.host,
        target=site.target,
        files={**files, **ids},
        secrets=secrets,
        activation=activation,
        checks=origin_checks(site) if site.check_origins else [],
        # With an edge, a leaving container stays until its routes are gone (HostPrune below).
        retain_removed=published is not None,
        claims=claims(site) if published is not None else {},
    )
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
    if published is not None and tunnel is not None:
        from components.cloudflare.edge import Edge

        edge = Edge(
            f"{site.host}-edge",
            site=site,
            stack=stack,
            tunnel=tunnel,
            activation=host,
            dns_imports=dict(published.dns_imports) or None,
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


main()
