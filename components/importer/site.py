"""From the option values of a hand-written container setup (nix.py) to `nixedge:site`.

What the seed's modules write by hand maps onto the model's keys: `containers.<name>`'s
addresses, bind mounts (the writable one is the state directory), the user inside and
its ids, the wrapper script, `systemd.services."container@<name>"`, PostgreSQL's
databases, the cloudflared ingress (each rule becomes a route of the container whose
address it names) and the host's trust of `ve-+`. Preset settings keep only what the
preset would not derive itself, so the stack says what is particular to this setup.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from components.importer.nix import ImportError_
from components.model import site_from_data

PRESET_APPS = ("forgejo", "atticd")


def _plain(value: Any) -> Any:
    """`lib.mkForce x` and `lib.mkDefault x` as the value they set."""
    if isinstance(value, dict):
        if value.get("_type") == "override":
            return _plain(value.get("content"))
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _app(cfg: dict[str, Any]) -> str:
    services = cfg.get("services") or {}
    return next((app for app in PRESET_APPS if (services.get(app) or {}).get("enable")), "generic")


def _user(name: str, cfg: dict[str, Any], app: str) -> dict[str, Any]:
    users = (cfg.get("users") or {}).get("users") or {}
    groups = (cfg.get("users") or {}).get("groups") or {}
    if not users:
        raise ImportError_(f"containers.{name}: no users.users entry inside the container: nixedge needs its uid")
    user = app if app in users else name if name in users else min(users)
    entry = users[user]
    group = entry.get("group", user)
    out: dict[str, Any] = {"name": user, "uid": entry.get("uid"), "gid": (groups.get(group) or {}).get("gid")}
    if group != user:
        out["group"] = group
    return out


def _mounts(mounts: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]]]:
    """The state directory (the writable mount at its own path) and the other mounts."""
    state = None
    rest = []
    for path, mount in sorted(mounts.items()):
        host = mount.get("hostPath", path)
        if state is None and not mount.get("isReadOnly", True) and host == path:
            state = path
            continue
        entry: dict[str, Any] = {"path": path}
        if host != path:
            entry["hostPath"] = host
        if mount.get("isReadOnly", True):
            entry["readOnly"] = True
        rest.append(entry)
    return state, rest


def _routes(address: str, ingress: dict[str, str]) -> list[dict[str, Any]]:
    """The ingress rules to `address`. Nix hands attribute sets over sorted, so the
    order written is lost: web routes come first, then by hostname."""
    routes = []
    for hostname, service in sorted(ingress.items()):
        url = urlsplit(service)
        if url.hostname == address and url.port is not None:
            routes.append({"hostname": hostname, "protocol": url.scheme, "port": url.port})
    return sorted(routes, key=lambda r: (r["protocol"] not in ("http", "https"), r["hostname"]))


def _container(name: str, raw: dict[str, Any], values: dict[str, Any], ingress: dict[str, str]) -> dict[str, Any]:
    cfg = _plain(raw.get("config") or {})
    app = _app(cfg)
    out: dict[str, Any] = {"app": app}
    for key in ("hostAddress", "localAddress"):
        if key in raw:
            out[key] = raw[key]
    out["user"] = _user(name, cfg, app)
    state, mounts = _mounts(raw.get("bindMounts") or {})
    if state:
        out["stateDir"] = state
    if mounts:
        out["bindMounts"] = mounts
    service = (cfg.get("services") or {}).get(app) or {}
    if service.get("environmentFile"):
        out["environmentFile"] = service["environmentFile"]
    databases = (values.get("postgresql") or {}).get("ensureDatabases") or []
    socket = any(m["path"] == "/run/postgresql" for m in mounts)
    database = next((d for d in (out["user"]["name"], name) if d in databases), None)
    if socket and database:
        out["postgresql"] = {"database": database}
    units = (values.get("systemd") or {}).get(f"container@{name}") or {}
    derived = {"postgresql.service"} if "postgresql" in out else set()
    for key in ("after", "requires"):
        extra = [u for u in units.get(key) or [] if u not in derived]
        if extra:
            out[key] = extra
    version = (cfg.get("system") or {}).get("stateVersion")
    if version is None:
        raise ImportError_(f"containers.{name}: no system.stateVersion inside the container")
    out["stateVersion"] = str(version)
    if raw.get("autoStart") is False:
        out["autoStart"] = False
    wrapper = next((w["name"] for w in values.get("wrappers") or []
                    if f"nixos-container run {name} " in str(w.get("text", ""))), None)  # fmt: skip
    if wrapper:
        out["wrapper"] = wrapper
    routes = _routes(str(raw.get("localAddress", "")), ingress)
    if routes:
        out["routes"] = routes
    if app == "generic":
        out["nixos"] = {"services": cfg.get("services") or {}}
    elif service.get("settings"):
        out["settings"] = service["settings"]
    return out


def _without_derived(mine: Any, derived: Any) -> Any:
    """What `mine` sets beyond `derived` (the preset's own settings); None: nothing."""
    if isinstance(mine, dict) and isinstance(derived, dict):
        out = {k: r for k, v in mine.items() if (r := _without_derived(v, derived.get(k))) is not None}
        return out or None
    return None if mine == derived else mine


def _zones(hostnames: list[str]) -> list[dict[str, str]]:
    names = sorted({".".join(h.split(".")[-2:]) for h in hostnames})
    return [{"name": n, "zoneId": f"<your-{n}-zone-id>"} for n in names]


def import_site(
    values: dict[str, Any], host: str | None = None, destination: str | None = None, nixos_release: str | None = None
) -> dict[str, Any]:
    """The `nixedge:site` that renders the setup `values` describes."""
    raw = values.get("containers") or {}
    if not raw:
        raise ImportError_("the modules define no containers.<name>: nothing to import")
    tunnels = values.get("tunnels") or {}
    tunnel_name = min(tunnels) if tunnels else None
    ingress = {str(k): str(v) for k, v in ((tunnels.get(tunnel_name) or {}).get("ingress") or {}).items()}
    name = host or tunnel_name or "host"
    addresses = [c["hostAddress"] for c in raw.values() if "hostAddress" in c]
    network: dict[str, Any] = {}
    if addresses:
        network["subnet"] = str(ipaddress.ip_network(f"{addresses[0]}/24", strict=False))
    if "ve-+" in ((values.get("firewall") or {}).get("trustedInterfaces") or []):
        network["trustAllContainers"] = True
    site: dict[str, Any] = {
        "host": {
            "name": name,
            "target": {"transport": "ssh", "destination": destination or f"root@{name}", "path": "/etc/nixos/nixedge"},
            "activation": {"mode": "switch"},
            **({"nixosRelease": nixos_release} if nixos_release else {}),
        },
        "network": network,
    }
    if tunnel_name is not None:
        site["tunnel"] = {"name": tunnel_name, "ingress": "local", "accountId": "<your-cloudflare-account-id>",
                          "zones": _zones(list(ingress))}  # fmt: skip
    site["containers"] = {n: _container(n, c, values, ingress) for n, c in sorted(raw.items())}
    return _settings_beyond_presets(site)


def _settings_beyond_presets(site: dict[str, Any]) -> dict[str, Any]:
    """Each preset container's settings without what its preset derives anyway."""
    bare = {**site, "containers": {n: {k: v for k, v in c.items() if k != "settings"}
                                   for n, c in site["containers"].items()}}  # fmt: skip
    resolved = {c.name: c for c in site_from_data(bare, "the imported site").containers}
    for name, c in site["containers"].items():
        if "settings" in c:
            left = _without_derived(c["settings"], resolved[name].service.get("settings") or {})
            if left:
                c["settings"] = left
            else:
                del c["settings"]
    return site
