"""The nixedge Pulumi program: one stack config -> the host's NixOS modules and the edge.

Order that users rely on (docs/architecture.md): the tunnel exists first (its credentials go to
the host), then the host's modules are written and activated, and only then are the
ingress rules and DNS records published. On removal the reverse: a container that
leaves the stack keeps running through the host step (`retain_removed`), its ingress
rule goes, and only then does `HostPrune` remove its module and activate the host.

A site of several hosts (`hosts:`, components.model.hosts) runs this once per host: each
host's resources are named after it as a one-host stack's are. The DNS records are the
site's, one per name (components.cloudflare.site_edge): before any resource the program
reads what Cloudflare holds at those names and stops on a name it may not take. Across
hosts only two things depend on each other: a route's record waits for the host that
serves it, and a host that a hostname moves away from keeps its rule until that record
points at the new host. Otherwise the engine deploys the hosts in parallel and a failing
host rolls back alone, unless the site has a `rollout:` (components.model.rollout): then
each batch's modules depend on the previous batch's, a failed host stops every later
batch before it starts, and since a host's records wait for its modules, no DNS record
moves to a host that was skipped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pulumi

from components.errors import ConfigError
from components.host.ownership import Owner
from components.host.resources import ActivationSettings, HostModules, HostPrune
from components.host.summary import emptied, modules_changed
from components.model import ResolvedSite, ResolvedTunnel
from components.model.claims import claims, origin_checks
from components.model.hosts import ResolvedHosts
from components.model.rollout import backward_moves, batches
from components.nixos.render import render
from components.stackfile import hosts_from_engine

if TYPE_CHECKING:
    from components.cloudflare.edge import EdgeTunnel
    from components.cloudflare.site_edge import SiteEdge


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


def renamed(site: ResolvedSite, name: str) -> pulumi.ResourceOptions:
    """Aliases from the name the resource had before `host.renamedFrom`'s rename (children
    named after their parent inherit them)."""
    if site.renamed_from is None:
        return pulumi.ResourceOptions()
    return pulumi.ResourceOptions(aliases=[pulumi.Alias(name=f"{site.renamed_from}-{name}")])


def site_edge(hosts: ResolvedHosts, stack: str) -> SiteEdge | None:
    """The site's edge across hosts, read at Cloudflare before any resource (None when no
    host publishes); a name the stack may not take stops the run here."""
    publishing = [s for s in hosts.hosts if published_tunnel(s, stack) is not None]
    if not publishing:
        return None
    # Imported only here: pulumi_cloudflare costs seconds and ~165 MB to import.
    from components.cloudflare.site_edge import SiteEdge

    prefixes = {s.host: f"hosts.{s.host}." if hosts.site else "" for s in publishing}
    try:
        return SiteEdge(publishing, stack, source(stack), prefixes)
    except ConfigError as exc:
        raise pulumi.RunError(str(exc)) from None


def check_rollout(hosts: ResolvedHosts, plan: tuple[tuple[str, ...], ...], sites: SiteEdge | None, stack: str) -> None:
    """Stops on a hostname moving to a later batch from a host whose modules wait for it."""
    if hosts.rollout is None or sites is None:
        return
    new = {w.key: (w.name, w.host) for w in sites.records}
    local = {s.host for s in hosts.hosts if (t := published_tunnel(s, stack)) is not None and t.ingress == "local"}
    waits = {host: [new[k] for k in keys] for host, keys in sites.waits.items() if host in local}
    if issues := backward_moves(plan, waits):
        raise pulumi.RunError(str(ConfigError(issues, source(stack))))


def edge_tunnel(
    site: ResolvedSite, published: ResolvedTunnel | None
) -> tuple[EdgeTunnel | None, dict[str, pulumi.Input[str]]]:
    """The tunnel, and the secrets the host gets from it."""
    if published is None:
        return None, {}
    from components.cloudflare.edge import EdgeTunnel

    tunnel = EdgeTunnel(f"{site.host}-tunnel", site=site, opts=renamed(site, "tunnel"))
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
    # A preview does nothing, and an unchanged resource keeps an earlier update's outputs:
    # microseconds, since an `up` and the preview after it may start within one second.
    if pulumi.runtime.is_dry_run() or not activation or str(activation.get("at", "")) < started:
        return
    changed = list(activation.get("changed") or [])
    said = f"{host}: {modules_changed(changed, activation.get('removed'))}" if changed else f"{host}: no module changed"
    said += emptied(activation)
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
    """What the stack says is deployed on the host: values of the model. In a preview
    they are plain (the diff shows the change); in an update they wait for the host's
    resource, so that a failed update registers no stack outputs at all and the engine
    keeps the previous ones (a failed host step would otherwise publish what it rolled
    back: pkg/resource/deploy/step_executor.go merges new stack outputs into the old on
    an error). What this update did is logged (`report_activation`), not exported."""
    host.activation.apply(lambda a: report_activation(site.host, a, started))
    described: dict[str, Any] = {
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
    if pulumi.runtime.is_dry_run():
        return described
    return {k: v if k == "host" else _after(host, v) for k, v in described.items()}


def _after(host: HostModules, value: Any) -> pulumi.Output[Any]:
    """`value` once the host's resource completed; None when it failed, which the SDK
    leaves out of the stack outputs, so that the engine keeps the previous value."""

    async def settled() -> Any:
        try:
            await host.id.future()
        except Exception:  # noqa: BLE001 (any error of the host step: the engine reports it)
            return None
        return value

    return pulumi.Output.from_input(asyncio.ensure_future(settled()))


def publish(
    site: ResolvedSite,
    sites: SiteEdge,
    tunnel: EdgeTunnel,
    host: HostModules,
    files: dict[str, str],
    activation: ActivationSettings,
) -> dict[str, Any]:
    """The edge after the host, then the prune step after the edge and the host's records
    (see the module docstring)."""
    from components.cloudflare.edge import Edge
    from components.cloudflare.site_dns import HostEdge

    assert site.tunnel is not None
    edge = Edge(
        f"{site.host}-edge",
        site=site,
        tunnel=tunnel,
        activation=host,
        record_ids=sites.record_ids(site.host),
        after=sites.after(site.host) if site.tunnel.ingress == "remote" else None,
        opts=renamed(site, "edge"),
    )
    config = edge.ingress.config
    sites.add_host(
        site.host,
        HostEdge(
            cname_target=tunnel.cname_target,
            after=[host] if config is None else [host, config],
            imports=dict(site.tunnel.dns_imports),
            former_names=(site.renamed_from,) if site.renamed_from else (),
        ),
    )
    HostPrune(
        f"{site.host}-prune",
        host=site.host,
        target=site.target,
        keep=sorted(files),
        leaving=host.retained,
        activation=activation,
        owner=Owner(pulumi.get_project(), pulumi.get_stack()),
        opts=pulumi.ResourceOptions.merge(
            renamed(site, "prune"),
            pulumi.ResourceOptions(
                depends_on=sites.own_records(site.host).apply(lambda records: [host, edge, *records])
            ),
        ),
    )
    return {
        "tunnelId": tunnel.tunnel_id,
        "cnameTarget": tunnel.cname_target,
        "urls": edge.urls,
        "sshConfig": edge.ssh_config,
    }


def deploy(
    site: ResolvedSite, stack: str, sites: SiteEdge | None, started: str,
    after: Sequence[HostModules] = (), rollout: Sequence[Sequence[str]] = (),
) -> tuple[dict[str, Any], HostModules]:  # fmt: skip
    """One host's resources (named after it, as in a one-host stack); its outputs and
    modules. `after`: the previous batch's modules of a rollout, `rollout` its batches."""
    files = render(site)
    published = published_tunnel(site, stack)
    tunnel, secrets = edge_tunnel(site, published)
    # With local ingress the rules are in the modules: a hostname moving away keeps its
    # rule here until its record points at the new host.
    waits = sites is not None and published is not None and published.ingress == "local"
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
        rollout=rollout,
        opts=pulumi.ResourceOptions.merge(
            pulumi.ResourceOptions.merge(
                renamed(site, "modules"),
                pulumi.ResourceOptions(depends_on=sites.after(site.host)) if waits and sites else None,
            ),
            pulumi.ResourceOptions(depends_on=list(after)) if after else None,
        ),
    )
    outputs = host_outputs(site, files, host, started)
    if tunnel is not None and sites is not None:
        outputs.update(publish(site, sites, tunnel, host, files, activation))
    return outputs, host


def outputs_kept_on_failure() -> None:
    """Register empty stack outputs first: the engine keeps the last registration it got
    and, after an error, merges it into the previous outputs. The full registration
    waits for the hosts' resources (`_after`); when one fails the engine stops before it
    arrives, and without this one the display showed every output as removed (the state
    keeps them either way)."""
    root = pulumi.runtime.get_root_resource()
    if isinstance(root, pulumi.ComponentResource) and not pulumi.runtime.is_dry_run():
        root.register_outputs({})


def main() -> None:
    outputs_kept_on_failure()
    stack = pulumi.get_stack()
    hosts = load_site(stack)
    sites = site_edge(hosts, stack)
    started = datetime.now(UTC).isoformat(timespec="microseconds")
    by_name = {site.host: site for site in hosts.hosts}
    plan = batches(hosts.names, hosts.rollout)
    check_rollout(hosts, plan, sites, stack)
    outputs: dict[str, dict[str, Any]] = {}
    after: list[HostModules] = []  # the previous batch's modules
    for batch in plan:
        deployed = [deploy(by_name[h], stack, sites, started, after, plan if hosts.rollout else ()) for h in batch]
        outputs.update((h, out) for h, (out, _) in zip(batch, deployed, strict=True))
        after = [modules for _, modules in deployed]
    if sites is not None:
        sites.register()
    if not hosts.site:
        for key, value in outputs[hosts.names[0]].items():
            pulumi.export(key, value)
        return
    pulumi.export("hosts", {name: {k: v for k, v in out.items() if k != "host"} for name, out in outputs.items()})


main()
