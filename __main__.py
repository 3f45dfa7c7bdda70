"""The nixedge Pulumi program: one stack config -> the host's NixOS modules and the edge.

Order that users rely on (docs/architecture.md): the tunnel exists first (its credentials go to
the host), then the host's modules are written and activated, and only then are the
ingress rules and DNS records published. On removal the reverse: a container that
leaves the stack keeps running through the host step (`retain_removed`), its ingress
rule goes, and only then does `HostPrune` remove its module and activate the host.

A site of several hosts (`hosts:`, components.model.hosts) runs this once per host: each
host's resources are named after it as a one-host stack's are, and nothing depends on
another host, so the engine deploys the hosts in parallel and a failing host rolls back
alone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pulumi

from components.errors import ConfigError
from components.host.ownership import Owner
from components.host.resources import ActivationSettings, HostModules, HostPrune
from components.model import ResolvedSite, ResolvedTunnel
from components.model.claims import claims, origin_checks
from components.model.hosts import ResolvedHosts
from components.nixos.render import render
from components.stackfile import hosts_from_engine

if TYPE_CHECKING:
    from components.cloudflare.edge import EdgeTunnel


def source(stack: str) -> str:
    """How reports name the stack's config."""
    return f"stack {stack} (nixedge:site)"


def under_mocks() -> bool:
    """Whether Pulumi's mocks run the program (tests), which set config by hand."""
    from pulumi.runtime import mocks, settings

    return isinstance(settings.SETTINGS.monitor, mocks.MockMonitor)


def load_site(stack: str) -> ResolvedHosts:
    config = pulumi.Config("nixedge")
    try:
        # The engine's reading (JSON), compared with the stack file as `check` reads it:
        # any difference stops the run here, before a resource is registered.
        site = hosts_from_engine(stack, config.require("site"), source(stack), compare=not under_mocks())
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


ROLES = {"default.nix": "imports the others", "network.nix": "host network", "cloudflared.nix": "tunnel"}


def module_roles(files: dict[str, str]) -> dict[str, str]:
    """Module path -> what it holds: a map, so that a preview names the one module that
    comes or goes (a list would show every later index shift)."""
    out = {}
    for rel in sorted(files):
        kind, _, name = rel.partition("/")
        if kind in ("containers", "oci-containers") and name.endswith(".nix"):
            out[rel] = f"{'OCI container' if kind == 'oci-containers' else 'container'} {name[:-4]}"
        else:
            out[rel] = ROLES.get(rel, "module")
    return out


def report_activation(host: str, activation: dict[str, Any] | None, started: str) -> None:
    """Say what this update did on `host`, with the activation's last lines; nothing when
    the resource was not updated (its outputs are an earlier update's)."""
    if not activation or str(activation.get("at", "")) < started:
        return
    changed = list(activation.get("changed") or [])
    said = f"{host}: wrote {len(changed)} module(s) ({', '.join(changed)})" if changed else f"{host}: no module changed"
    if activation.get("ran"):
        said += f"; `{activation.get('command')}` ran"
        if activation.get("output"):
            said += "\nIts last lines:\n" + str(activation["output"])
    elif changed and not activation.get("command"):
        said += "; nothing activated (activation mode none)"
    if activation.get("adopted"):
        said += f"\n{activation['adopted']}"
    pulumi.log.info(said)


def host_outputs(site: ResolvedSite, files: dict[str, str], host: HostModules, started: str) -> dict[str, Any]:
    """What the stack says about the host: values of the model, known before anything
    runs, so that a failed update does not show them as removed. What this update did
    is logged (`report_activation`), not exported: an export keeps an earlier run's."""
    host.activation.apply(lambda a: report_activation(site.host, a, started))
    return {
        "host": site.host,
        "files": module_roles(files),
        "containers": {
            c.name: {
                "hostAddress": c.host_address,
                "localAddress": c.local_address,
                "uid": c.user.uid,
                "gid": c.user.gid,
            }
            for c in site.containers
        },
        "routes": {r.hostname: r.service for r in site.routes},
    }


def publish(
    site: ResolvedSite,
    stack: str,
    tunnel: EdgeTunnel,
    host: HostModules,
    files: dict[str, str],
    activation: ActivationSettings,
) -> dict[str, Any]:
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
        owner=Owner(pulumi.get_project(), stack),
        opts=pulumi.ResourceOptions(depends_on=[host, edge]),
    )
    return {
        "tunnelId": tunnel.tunnel_id,
        "cnameTarget": tunnel.cname_target,
        "urls": edge.urls,
        "sshConfig": edge.ssh_config,
    }


def deploy(site: ResolvedSite, stack: str, started: str) -> dict[str, Any]:
    """One host's resources (named after it, as in a one-host stack); its outputs."""
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
        owner=Owner(pulumi.get_project(), stack),
    )
    outputs = host_outputs(site, files, host, started)
    if tunnel is not None:
        outputs.update(publish(site, stack, tunnel, host, files, activation))
    return outputs


def main() -> None:
    stack = pulumi.get_stack()
    hosts = load_site(stack)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    outputs = {site.host: deploy(site, stack, started) for site in hosts.hosts}
    if not hosts.site:
        for key, value in outputs[hosts.names[0]].items():
            pulumi.export(key, value)
        return
    pulumi.export("hosts", {name: {k: v for k, v in out.items() if k != "host"} for name, out in outputs.items()})


main()
