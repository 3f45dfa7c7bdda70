"""The three Cloudflare resources nixedge manages, as the stand-in plugin serves them:
which inputs each keeps, which force a replacement, and what each CRUD call does at the
account (tests.cloudflare_plugin_standin.account). Property names are the Pulumi
schema's (camelCase), as the engine sends them.

Replacement rules, from terraform-provider-cloudflare v5 (bridged by pulumi-cloudflare 6):
- dns_record: `zone_id` is RequiresReplace (internal/services/dns_record/schema.go);
  `type` forces a replacement as issue 22 states for the pinned provider (newer schema.go
  updates it in place: either way a create-before-delete replacement of a record trips
  81053, which is what nixedge must avoid); name, content, proxied, ttl, comment are a
  PATCH of the same record.
- zero_trust_tunnel_cloudflared: account_id, config_src and tunnel_secret are
  RequiresReplace; the name is a PATCH.
- zero_trust_tunnel_cloudflared_config: account_id and tunnel_id are RequiresReplace;
  create and update are one PUT of the whole configuration, and delete is a no-op (the
  resource's Delete calls no API: the configuration stays at Cloudflare).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.cloudflare_plugin_standin import account
from tests.cloudflare_plugin_standin.account import CloudflareError

DNS = "cloudflare:index/dnsRecord:DnsRecord"
TUNNEL = "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared"
CONFIG = "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig"


@dataclass(frozen=True)
class Kind:
    inputs: tuple[str, ...]
    replaces: tuple[str, ...]
    defaults: tuple[tuple[str, Any], ...] = ()


KINDS: dict[str, Kind] = {
    DNS: Kind(
        ("zoneId", "name", "type", "content", "proxied", "ttl", "comment"),
        ("zoneId", "type"),
        (("proxied", False), ("ttl", 1.0)),
    ),
    TUNNEL: Kind(
        ("accountId", "name", "configSrc", "tunnelSecret"),
        ("accountId", "configSrc", "tunnelSecret"),
        (("configSrc", "local"),),
    ),
    CONFIG: Kind(("accountId", "tunnelId", "config", "source"), ("accountId", "tunnelId")),
}


def checked(kind: str, news: dict[str, Any]) -> dict[str, Any]:
    """The inputs with the schema's defaults filled in."""
    out = dict(news)
    for key, value in KINDS[kind].defaults:
        out.setdefault(key, value)
    return out


def create(state: dict[str, Any], kind: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Create at the account: (id, outputs)."""
    if kind == DNS:
        record = {k: props.get(k) for k in KINDS[DNS].inputs}
        rid = account.create_record(state, record)
        return rid, {**record, "proxiable": True}
    if kind == TUNNEL:
        tid = account.create_tunnel(state, props["accountId"], props["name"], props.get("configSrc", "local"))
        return tid, tunnel_outputs(state, tid)
    account.put_config(state, props["tunnelId"], props.get("config") or {})
    return props["tunnelId"], dict(props)


def update(state: dict[str, Any], kind: str, rid: str, props: dict[str, Any]) -> dict[str, Any]:
    if kind == DNS:
        record = {k: props.get(k) for k in KINDS[DNS].inputs}
        account.update_record(state, rid, record)
        return {**record, "proxiable": True}
    if kind == TUNNEL:
        tunnel = state["tunnels"][rid]
        others = account.live_tunnels(state)
        if any(t["name"] == props["name"] and i != rid for i, t in others.items()):
            raise CloudflareError(409, 1013, f"You already have a tunnel named {props['name']}.")
        tunnel["name"] = props["name"]
        state["log"].append(f"rename tunnel {props['name']}")
        return tunnel_outputs(state, rid)
    account.put_config(state, props["tunnelId"], props.get("config") or {})
    return dict(props)


def delete(state: dict[str, Any], kind: str, rid: str) -> None:
    if kind == DNS:
        account.delete_record(state, rid)
    elif kind == TUNNEL:
        account.delete_tunnel(state, rid)
    else:
        state["log"].append(f"forget config {state['tunnels'].get(rid, {}).get('name', rid)}")


def tunnel_outputs(state: dict[str, Any], tid: str) -> dict[str, Any]:
    t = state["tunnels"][tid]
    return {"accountId": t["accountId"], "name": t["name"], "configSrc": t["configSrc"], "status": "inactive"}


def read(state: dict[str, Any], kind: str, rid: str) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """(id, outputs, inputs) of what exists at the account, or None when it is gone. An
    import or `.get` id is the provider's `<zone or account id>/<id>`."""
    rid = rid.rsplit("/", 1)[-1]
    if kind == DNS:
        record = state["records"].get(rid)
        if record is None:
            return None
        return rid, {**record, "proxiable": True}, dict(record)
    if kind == TUNNEL:
        if rid not in account.live_tunnels(state):
            return None
        out = tunnel_outputs(state, rid)
        return rid, out, {k: out[k] for k in ("accountId", "name", "configSrc")}
    config = state["configs"].get(rid)
    if config is None:
        return None
    props = {"accountId": state["tunnels"].get(rid, {}).get("accountId"), "tunnelId": rid, "config": config,
             "source": "cloudflare"}  # fmt: skip
    return rid, props, props
