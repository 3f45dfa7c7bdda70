"""What `nixedge status` compares: the Pulumi state's view of each host and hostname,
checked against the host's files and Cloudflare's live records.

Pure apart from the reads it names: `host_status` reads a host's module directory
(through the host transports), `hostname_status` asks the Cloudflare API (with a token).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from components.commands.cloudflare_api import CloudflareApi, CloudflareApiError
from components.errors import HostError
from components.host.manifest import FAILED, MANIFEST, failed_record
from components.host.ownership import Owner, foreign_owner, manifest_owner
from components.host.plan import join
from components.host.summary import emptied, modules_changed
from components.host.target import location, make_transport
from components.model import ResolvedSite

HOST_MODULES = "nixedge:HostModules"


@dataclass
class HostStatus:
    host: str
    path: str
    files: dict[str, str]  # module path -> "in sync", "edited on the host", "deleted on the host"
    activation: dict[str, Any]
    error: str | None = None
    owner: str | None = None  # the other stack its manifest names now (handed over), else None
    failed: dict[str, Any] | None = None  # the host's record of a failed, undone activation (manifest.FAILED)

    @property
    def drifted(self) -> list[str]:
        """Modules changed by hand; none in a directory another stack owns (its files are that stack's)."""
        return [] if self.owner else [rel for rel, how in self.files.items() if how != "in sync"]


@dataclass
class HostnameStatus:
    hostname: str
    origin: str
    dns: str
    rule: str
    ok: bool | None  # None: not checked


@dataclass
class TunnelStatus:
    name: str
    ingress: str
    tunnel_id: str | None
    live: str  # "healthy, 4 connection(s) (fra06, ams01)" or why not checked
    connections: list[dict[str, Any]] = field(default_factory=list)


def host_resources(export: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The outputs of every HostModules resource of a `pulumi stack export`."""
    resources = (export.get("deployment") or {}).get("resources") or []
    return [r.get("outputs") or {} for r in resources if str(r.get("type", "")).endswith(HOST_MODULES)]


def stack_outputs(export: Mapping[str, Any]) -> dict[str, Any]:
    resources = (export.get("deployment") or {}).get("resources") or []
    stack: dict[str, Any] = next((r for r in resources if r.get("type") == "pulumi:pulumi:Stack"), {})
    return dict(stack.get("outputs") or {})


def host_status(outputs: Mapping[str, Any], stack: str | None = None) -> HostStatus:
    """The state's modules of one host against what its module directory holds now, or
    the other stack (`stack`: this one) its manifest names when it was handed over."""
    host = str(outputs.get("host", "?"))
    target = dict(outputs.get("target") or {})
    files = {str(k): str(v) for k, v in (outputs.get("files") or {}).items()}
    activation = dict(outputs.get("activation") or {})
    try:
        transport, root = make_transport(target)
        with transport:
            paths = [join(root, rel) for rel in sorted(files)] + [join(root, MANIFEST), join(root, FAILED)]
            found = transport.read_files(paths)
    except HostError as exc:
        return HostStatus(host, str(outputs.get("path", "")), {}, activation, error=str(exc))
    theirs = foreign_owner(manifest_owner(found[join(root, MANIFEST)]), Owner.from_props(outputs.get("owner")), stack)
    if theirs is not None:
        held = {rel: f"stack {theirs.stack}'s" for rel in sorted(files)}
        return HostStatus(host, location(target, root), held, activation, owner=theirs.stack)
    states = {}
    for rel, text in sorted(files.items()):
        now = found[join(root, rel)]
        same = now == text.encode()
        states[rel] = "deleted on the host" if now is None else "in sync" if same else "edited on the host"
    return HostStatus(host, location(target, root), states, activation, failed=failed_record(found[join(root, FAILED)]))


def failed_line(failed: Mapping[str, Any], stack: str) -> str:
    """The host's record of a failed activation, in words."""
    said = " ".join(str(line) for line in failed.get("said") or [])
    return (
        f"FAILED at {failed.get('at', '?')}: {said or '`' + str(failed.get('command')) + '` failed'} "
        "The state (and the files above) are the previous update's; fix the cause and run "
        f"`scripts/pulumi up --stack {stack} --yes` again (the record goes with the next update that changes "
        "this host's modules)."
    )


def activation_line(activation: Mapping[str, Any]) -> str:
    """The last activation, in words, from the resource's `activation` output."""
    changed = list(activation.get("changed") or [])
    command = activation.get("command") or ""
    if not activation:
        return "unknown (the state has no activation yet)"
    what = modules_changed(changed, activation.get("removed"), names=False) + emptied(activation)  # table lists them
    if activation.get("ran"):
        checked = list(activation.get("checked") or [])
        return f"`{command}` ran after the last update {what}" + (
            f"; origins checked: {', '.join(checked)}" if checked else ""
        )
    if not command:
        return f"none (activation mode none): the last update {what}"
    return "none needed: the last update changed no module"


def hostname_status(
    site: ResolvedSite, outputs: Mapping[str, Any], api: CloudflareApi | None, deployed: bool = True
) -> tuple[TunnelStatus | None, list[HostnameStatus]]:
    """Per hostname: does DNS point at the tunnel, does the tunnel route it to its origin.
    `deployed`: the state has the site's host (with local ingress, its cloudflared.nix
    holds the rules; without it, no rule is anywhere yet)."""
    tunnel = site.tunnel
    if tunnel is None:
        return None, []
    tunnel_id = str(outputs.get("tunnelId") or tunnel.tunnel_id or "") or None
    live = "not checked: no Cloudflare account in the stack (tunnel.accountId)"
    if tunnel.account_id is not None and api is None:
        live = "not checked: set CLOUDFLARE_API_TOKEN to ask Cloudflare"
    found = TunnelStatus(tunnel.name, tunnel.ingress, tunnel_id, live)
    ingress: dict[str, str] | None = None
    if api is not None and tunnel.account_id is not None and tunnel_id is not None:
        try:
            live_tunnel = api.tunnel(tunnel.account_id, tunnel_id)
            connections = [c for c in live_tunnel.get("connections") or [] if isinstance(c, dict)]
            places = sorted({str(c.get("colo_name")) for c in connections if c.get("colo_name")})
            found.live = f"{live_tunnel.get('status', 'unknown')}, {len(connections)} connection(s)" + (
                f" ({', '.join(places)})" if places else ""
            )
            found.connections = connections
            if tunnel.ingress == "remote":
                ingress = api.ingress(tunnel.account_id, tunnel_id)
        except CloudflareApiError as exc:
            found.live = f"could not be read: {exc}"
    routes = dict(outputs.get("routes") or {})  # what the last completed update deployed
    rows = [
        _hostname(site, r.hostname, str(routes.get(r.hostname) or r.service), tunnel_id, api, ingress, deployed)
        for r in site.routes
    ]
    for row, route in zip(rows, site.routes, strict=True):  # compared as deployed, shown with the stack file's
        row.origin = _origin(row.origin, route.service)
    return found, rows


def _origin(deployed: str, wanted: str) -> str:
    """The deployed origin, and the stack file's when it differs (not deployed yet)."""
    return deployed if deployed == wanted else f"{deployed} (stack file: {wanted}, not deployed)"


def _hostname(
    site: ResolvedSite, hostname: str, origin: str, tunnel_id: str | None, api: CloudflareApi | None,
    ingress: dict[str, str] | None, deployed: bool,
) -> HostnameStatus:  # fmt: skip
    tunnel = site.tunnel
    assert tunnel is not None
    if tunnel.ingress == "local" and not deployed:
        rule, rule_ok = "not deployed yet (local ingress: cloudflared.nix on the host)", None
    elif tunnel.ingress == "local":
        rule, rule_ok = "in cloudflared.nix on the host (local ingress: see its file above)", True
    elif ingress is None:
        rule, rule_ok = "not checked", None
    elif hostname not in ingress:
        rule, rule_ok = "missing from the tunnel's ingress rules", False
    elif ingress[hostname] != origin:
        rule, rule_ok = f"routes to {ingress[hostname]}, the stack says {origin}", False
    else:
        rule, rule_ok = "routes to the origin", True
    dns, dns_ok = _dns(site, hostname, tunnel_id, api)
    ok = None if dns_ok is None or rule_ok is None else dns_ok and rule_ok
    return HostnameStatus(hostname, origin, dns, rule, ok)


def _dns(
    site: ResolvedSite, hostname: str, tunnel_id: str | None, api: CloudflareApi | None
) -> tuple[str, bool | None]:
    tunnel = site.tunnel
    assert tunnel is not None
    if api is None or tunnel.account_id is None or tunnel_id is None:
        return "not checked", None
    want = f"{tunnel_id}.cfargotunnel.com"
    zone = max((z for z in tunnel.zones if hostname == z or hostname.endswith("." + z)), key=len, default=None)
    zone_id = tunnel.zones.get(zone) if zone else None
    if zone_id is None:
        return "not checked: the zone has no zoneId in the stack", None
    try:
        records = api.dns_records(zone_id, hostname)
    except CloudflareApiError as exc:
        return f"could not be read: {exc}", None
    if not records:
        return f"no record: the stack says CNAME {want}", False
    contents = sorted(f"{r.get('type')} {r.get('content')}" for r in records)
    if contents == [f"CNAME {want}"]:
        return "CNAME to the tunnel", True
    return f"points elsewhere ({', '.join(contents)}): the stack says CNAME {want}", False


def camel(name: str) -> str:
    """A JSON key as every nixedge JSON output writes it, like the stack file: `tunnelId`."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def as_json(value: Any) -> dict[str, Any]:
    """A status row as JSON: its fields camelCase, and so the last activation's keys (the
    host provider's outputs); other mappings' keys (module paths) as they are."""
    out = {camel(k): v for k, v in asdict(value).items()}
    if isinstance(out.get("activation"), dict):
        out["activation"] = {camel(k): v for k, v in out["activation"].items()}
    return out
