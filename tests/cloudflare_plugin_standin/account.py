"""The stand-in's Cloudflare account: a JSON file of zones, tunnels, tunnel configs, DNS
records and the hosts' running cloudflared, and the rules Cloudflare's API enforces on
them. Pure Python (no gRPC): the plugin process, the hosts' activation command and the
tests all read and write the same file, one at a time under a lock file beside it.

Every mutation is appended to `log` (the order tests assert), and after each one the
hostnames that stopped being served are appended to `outages` (a hostname is served when
its CNAME points at a tunnel that a host runs, and that tunnel has a rule for it).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

STATE_ENV = "NIXEDGE_CF_STANDIN_STATE"
"""The environment variable that names the state file."""
CNAME_SUFFIX = ".cfargotunnel.com"
ADDRESS_TYPES = frozenset({"A", "AAAA"})


class CloudflareError(Exception):
    """What the API answers with an error: its HTTP status, code and message, printed
    the way the provider reports it."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{status}: {message} ({code})")
        self.status, self.code = status, code


def empty(zones: dict[str, str], account: str) -> dict[str, Any]:
    """A fresh account holding `zones` (name -> id) and nothing else."""
    return {
        "account": account,
        "zones": zones,
        "tunnels": {},
        "configs": {},
        "records": {},
        "hosts": {},
        "log": [],
        "outages": [],
        "serial": 0,
    }


@contextlib.contextmanager
def opened(path: Path | None = None) -> Iterator[dict[str, Any]]:
    """The account, locked for the block and written back after it (also on an API error,
    which changes nothing: every rule is checked before the first write)."""
    path = path or Path(os.environ[STATE_ENV])
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state: dict[str, Any] = json.loads(path.read_text())
        before = served(state)
        yield state
        after = served(state)
        state["outages"] += [f"{h} ({before[h]})" for h in sorted(set(before) - set(after))]
        path.write_text(json.dumps(state, indent=1, sort_keys=True))


def new_id(state: dict[str, Any], kind: str) -> str:
    """A fresh id of Cloudflare's shape: 32 hex digits (records), a UUID (tunnels)."""
    state["serial"] += 1
    digest = hashlib.sha256(f"{kind}-{state['serial']}".encode()).hexdigest()
    if kind == "tunnel":
        return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    return digest[:32]


# --- DNS records ------------------------------------------------------------------------


def check_record(state: dict[str, Any], record: dict[str, Any], own_id: str | None = None) -> None:
    """Cloudflare's rules on one name, for a record created (or changed to) `record`:
    https://developers.cloudflare.com/dns/manage-dns-records/troubleshooting/records-with-same-name/
    and the API's error codes (https://developers.cloudflare.com/api/ , DNS records):
    81053 "An A, AAAA, or CNAME record with that host already exists" (a CNAME beside any
    of them), 81054 "A CNAME record with that host already exists" (an A/AAAA beside a
    CNAME), 81058 "An identical record already exists"."""
    name, kind = record["name"].lower(), record["type"].upper()
    others = [
        r
        for rid, r in state["records"].items()
        if rid != own_id and r["zoneId"] == record["zoneId"] and r["name"].lower() == name
    ]
    types = {r["type"].upper() for r in others}
    if kind == "CNAME" and types & (ADDRESS_TYPES | {"CNAME"}):
        raise CloudflareError(400, 81053, "An A, AAAA, or CNAME record with that host already exists.")
    if kind in ADDRESS_TYPES and "CNAME" in types:
        raise CloudflareError(400, 81054, "A CNAME record with that host already exists.")
    if any(r["type"].upper() == kind and r["content"] == record["content"] for r in others):
        raise CloudflareError(400, 81058, "An identical record already exists.")


def create_record(state: dict[str, Any], record: dict[str, Any]) -> str:
    check_record(state, record)
    rid = new_id(state, "record")
    state["records"][rid] = record
    state["log"].append(f"create record {record['name']} {record['type']} {record['content']}")
    return rid


def update_record(state: dict[str, Any], rid: str, record: dict[str, Any]) -> None:
    """A PATCH: the record keeps its id (name, content, proxied, ttl, comment change in place)."""
    if rid not in state["records"]:
        raise CloudflareError(404, 81044, "Record does not exist.")
    check_record(state, record, own_id=rid)
    state["records"][rid] = record
    state["log"].append(f"update record {record['name']} {record['type']} {record['content']}")


def delete_record(state: dict[str, Any], rid: str) -> None:
    record = state["records"].pop(rid, None)
    if record is not None:
        state["log"].append(f"delete record {record['name']} {record['type']}")


# --- tunnels ----------------------------------------------------------------------------


def live_tunnels(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {tid: t for tid, t in state["tunnels"].items() if not t.get("deleted")}


def create_tunnel(state: dict[str, Any], account: str, name: str, config_src: str) -> str:
    """POST /accounts/{account_id}/cfd_tunnel: a name a live tunnel of the account has is
    refused with 409 Conflict (cloudflared's `tunnel create` prints "tunnel with name
    already exists", cloudflare/cloudflared cmd/cloudflared/tunnel/subcommands.go; the API
    answers 1013 "You already have a tunnel with this name")."""
    if any(t["accountId"] == account and t["name"] == name for t in live_tunnels(state).values()):
        raise CloudflareError(409, 1013, f"You already have a tunnel named {name}.")
    tid = new_id(state, "tunnel")
    secret = base64.b64encode(hashlib.sha256(tid.encode()).digest()).decode()
    state["tunnels"][tid] = {"accountId": account, "name": name, "configSrc": config_src, "secret": secret}
    state["log"].append(f"create tunnel {name}")
    return tid


def delete_tunnel(state: dict[str, Any], tid: str) -> None:
    """DELETE /accounts/{account_id}/cfd_tunnel/{id} without `cascade` (the provider sends
    none): refused while a cloudflared runs the tunnel ("Cannot delete tunnel because it
    has active connections", 1022; cloudflared's `tunnel delete` needs `--force` to clean
    them up first, cmd/cloudflared/tunnel/subcommands.go). Deleted tunnels stay listed
    as deleted, and their name is free again."""
    tunnel = state["tunnels"].get(tid)
    if tunnel is None or tunnel.get("deleted"):
        return
    running = sorted(h for h, run in state["hosts"].items() if run.get("tunnel") == tid)
    if running:
        raise CloudflareError(
            400, 1022, f"Cannot delete tunnel {tunnel['name']} because it has active connections ({', '.join(running)})"
        )
    tunnel["deleted"] = True
    state["log"].append(f"delete tunnel {tunnel['name']}")


def token(state: dict[str, Any], tid: str) -> str:
    """GET .../cfd_tunnel/{id}/token: base64 JSON {"a", "t", "s"} (cloudflared's TunnelToken)."""
    tunnel = state["tunnels"].get(tid)
    if tunnel is None or tunnel.get("deleted"):
        raise CloudflareError(404, 1003, f"Tunnel {tid} not found")
    fields = {"a": tunnel["accountId"], "t": tid, "s": tunnel["secret"]}
    return base64.b64encode(json.dumps(fields).encode()).decode()


def put_config(state: dict[str, Any], tid: str, config: dict[str, Any]) -> None:
    """PUT .../cfd_tunnel/{id}/configurations: replaces the whole configuration."""
    state["configs"][tid] = config
    hostnames = [r.get("hostname", "*") for r in config.get("ingresses", [])]
    state["log"].append(f"put config {state['tunnels'].get(tid, {}).get('name', tid)} {','.join(hostnames)}")


# --- what is served ---------------------------------------------------------------------


def rules_of(state: dict[str, Any], tid: str) -> set[str]:
    """The hostnames tunnel `tid` has a rule for, as cloudflared applies them: the remote
    configuration of a remotely managed tunnel, else the local rules of the host running it."""
    tunnel = state["tunnels"].get(tid, {})
    if tunnel.get("configSrc") == "cloudflare":
        return {r["hostname"] for r in state["configs"].get(tid, {}).get("ingresses", []) if r.get("hostname")}
    return {h for run in state["hosts"].values() if run.get("tunnel") == tid for h in run.get("rules", [])}


def served(state: dict[str, Any]) -> dict[str, str]:
    """Hostname -> the host that serves it, for every proxied CNAME to a running tunnel
    with a rule for it."""
    out: dict[str, str] = {}
    for record in state["records"].values():
        content = str(record["content"])
        if record["type"] != "CNAME" or not content.endswith(CNAME_SUFFIX):
            continue
        tid = content.removesuffix(CNAME_SUFFIX)
        hosts = [h for h, run in state["hosts"].items() if run.get("tunnel") == tid]
        if hosts and record["name"] in rules_of(state, tid):
            out[record["name"]] = hosts[0]
    return out
