"""The provider functions nixedge calls, answered from the stand-in's account."""

from __future__ import annotations

from typing import Any

from tests.cloudflare_plugin_standin import account
from tests.cloudflare_plugin_standin.account import CloudflareError

GET_ZONE = "cloudflare:index/getZone:getZone"
GET_TOKEN = "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken"
GET_DNS_RECORDS = "cloudflare:index/getDnsRecords:getDnsRecords"
GET_TUNNELS = "cloudflare:index/getZeroTrustTunnelCloudflareds:getZeroTrustTunnelCloudflareds"


def get_zone(state: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    """`get_zone(filter={name, account: {id}})`: the one zone of that name in the account."""
    wanted = (args.get("filter") or {}).get("name")
    owner = ((args.get("filter") or {}).get("account") or {}).get("id")
    if owner not in (None, state["account"]) or wanted not in state["zones"]:
        raise CloudflareError(404, 1001, f"no zone named {wanted} in account {owner}")
    return {"id": state["zones"][wanted], "name": wanted, "account": {"id": state["account"]}}


def get_token(state: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    tid = args["tunnelId"]
    return {"accountId": args["accountId"], "tunnelId": tid, "token": account.token(state, tid)}


def get_dns_records(state: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    """`get_dns_records(zone_id, name={exact}, type)`: the zone's records of that name."""
    name = ((args.get("name") or {}).get("exact") or "").lower()
    kind = args.get("type")
    results = [
        {"id": rid, **record}
        for rid, record in sorted(state["records"].items())
        if record["zoneId"] == args["zoneId"]
        and (not name or record["name"].lower() == name)
        and (not kind or record["type"] == kind)
    ]
    return {"zoneId": args["zoneId"], "results": results}


def get_tunnels(state: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    """`get_zero_trust_tunnel_cloudflareds(account_id, name, uuid, is_deleted)`."""
    results = [
        {
            "id": tid,
            "name": t["name"],
            "accountTag": t["accountId"],
            "configSrc": t["configSrc"],
        }
        for tid, t in sorted(state["tunnels"].items())
        if t["accountId"] == args.get("accountId")
        and args.get("name") in (None, t["name"])
        and args.get("uuid") in (None, tid)
        and (args.get("isDeleted") is None or bool(t.get("deleted")) == args["isDeleted"])
    ]
    return {"accountId": args.get("accountId"), "results": results}


FUNCTIONS = {GET_ZONE: get_zone, GET_TOKEN: get_token, GET_DNS_RECORDS: get_dns_records, GET_TUNNELS: get_tunnels}
