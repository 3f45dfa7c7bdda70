"""Generated stack configs of any size, for the benchmarks and the engine suites.

`generated_site(n)` is a valid `nixedge:site` mapping with `n` containers that look like
a real host's: each container a generic app with its own user, state directory, one
public route and a few NixOS options; every fifth has a read-only bind mount, every
seventh a `ports` firewall and resource limits. Addresses are left out, so the model
allocates them (stable under additions); the subnet grows with `n`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ZONE = "bench.test"
ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
"""A well-formed Cloudflare account id: with it the program declares the Cloudflare half."""
ZONE_ID = "fedcba9876543210fedcba9876543210"


def container_name(i: int) -> str:
    return f"c{i:04d}"


def subnet_for(n: int) -> str:
    """A 10.x network with room for `n` address pairs, their hash slots spread out."""
    bits = max(8, math.ceil(math.log2(max(4 * n + 8, 2))))
    return f"10.64.0.0/{32 - bits}"


def container(i: int, port: int = 8000) -> dict[str, Any]:
    name = container_name(i)
    user = f"svc{i:04d}"
    data: dict[str, Any] = {
        "app": "generic",
        "user": {"name": user, "uid": 20000 + i, "gid": 20000 + i},
        "stateDir": f"/var/lib/{user}",
        "stateVersion": "25.05",
        "routes": [{"hostname": f"{name}.{ZONE}", "port": port}],
        "nixos": {
            "services": {
                "static-web-server": {
                    "enable": True,
                    "listen": f"[::]:{port}",
                    "root": f"/var/lib/{user}/www",
                    "configuration": {"general": {"log-level": "warn", "compression": True}},
                }
            },
            "environment": {"etc": {f"{name}/motd": {"text": f"container {name}, generated for benchmarks\n"}}},
        },
    }
    if i % 5 == 0:
        data["bindMounts"] = [{"path": f"/srv/shared/{name}", "readOnly": True}]
    if i % 7 == 0:
        data["firewall"] = {"mode": "ports", "allowedTcpPorts": [9100]}
        data["resources"] = {"memoryMax": "1G", "cpuQuota": "50%"}
    return data


def generated_site(
    n: int,
    *,
    host: str = "bench",
    target: Mapping[str, Any] | None = None,
    activation: Mapping[str, Any] | None = None,
    cloudflare: bool = False,
) -> dict[str, Any]:
    """A valid site of `n` containers.

    `target` defaults to a local directory `.bench-host/<host>`; `activation` to mode
    none; `cloudflare` adds a tunnel account id (remote ingress), so the program
    declares the tunnel, its ingress and one DNS record per route.
    """
    tunnel: dict[str, Any] = {"name": host, "ingress": "local", "zones": [{"name": ZONE}]}
    if cloudflare:
        tunnel.update(ingress="remote", accountId=ACCOUNT_ID, zones=[{"name": ZONE, "zoneId": ZONE_ID}])
    return {
        "host": {
            "name": host,
            "target": dict(target or {"transport": "local", "path": f".bench-host/{host}"}),
            "activation": dict(activation or {"mode": "none"}),
        },
        "network": {"subnet": subnet_for(n)},
        "tunnel": tunnel,
        "containers": {container_name(i): container(i) for i in range(1, n + 1)},
    }


def change_containers(site: Mapping[str, Any], count: int, port: int = 9000) -> dict[str, Any]:
    """A copy of `site` whose first `count` containers listen on `port` instead."""
    out = copy.deepcopy(dict(site))
    for name in sorted(out["containers"])[:count]:
        c = out["containers"][name]
        c["routes"][0]["port"] = port
        c["nixos"]["services"]["static-web-server"]["listen"] = f"[::]:{port}"
    return out


def touch_containers(site: Mapping[str, Any], count: int, tag: str) -> dict[str, Any]:
    """A copy of `site` whose first `count` containers carry `tag` in a NixOS option:
    only their own modules change (routes, and so cloudflared.nix, stay as they are)."""
    out = copy.deepcopy(dict(site))
    for name in sorted(out["containers"])[:count]:
        out["containers"][name]["nixos"]["environment"]["etc"][f"{name}/motd"]["text"] = f"container {name}, {tag}\n"
    return out


def stack_yaml(site: Mapping[str, Any] | None, *, salt: str | None = None) -> str:
    """A Pulumi stack file holding `site` under `nixedge:site` (and the stack's salt)."""
    doc: dict[str, Any] = {}
    if salt:
        doc["encryptionsalt"] = salt
    if site is not None:
        doc["config"] = {"nixedge:site": site}
    # sort_keys=False keeps the config's own order, as a person would write it.
    return yaml.safe_dump(doc, sort_keys=False, width=120)


def write_stack(project: Path, stack: str, site: Mapping[str, Any] | None, *, salt: str | None = None) -> Path:
    path = project / "stacks" / f"Pulumi.{stack}.yaml"
    path.write_text(stack_yaml(site, salt=salt), encoding="utf-8")
    return path
