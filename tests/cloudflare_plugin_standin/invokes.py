"""The provider functions nixedge calls, answered from the stand-in's account."""

from __future__ import annotations

from typing import Any

from tests.cloudflare_plugin_standin import account
from tests.cloudflare_plugin_standin.account import CloudflareError

GET_ZONE = "cloudflare:index/getZone:getZone"
GET_TOKEN = "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken"
GET_DNS_RECORDS = "cloudflare:index/getDnsRecords:getDnsRecords"


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


FUNCTIONS = {GET_ZONE: get_zone, GET_TOKEN: get_token, GET_DNS_RECORDS: get_dns_records}
