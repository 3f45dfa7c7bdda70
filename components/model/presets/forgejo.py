"""Forgejo: DOMAIN, ports and ROOT_URL follow its routes; its database follows `postgresql`."""

from __future__ import annotations

from typing import Any

from components.errors import Issue
from components.model.presets.base import Derived, Preset, no_environment_file
from components.model.resolved import public_url
from components.model.site import Container

WEB_KEYS = ("HTTP_PORT", "DOMAIN", "ROOT_URL", "PROTOCOL")
SSH_KEYS = ("SSH_PORT", "SSH_DOMAIN", "START_SSH_SERVER")


def _server(loc: str, c: Container) -> tuple[dict[str, Any], dict[tuple[str, ...], str]]:
    server: dict[str, Any] = {}
    sources: dict[tuple[str, ...], str] = {}
    for i, route in enumerate(c.routes):
        rloc = f"{loc}.routes[{i}]"
        if route.protocol in ("http", "https"):
            url = public_url(route.protocol, route.hostname)
            server |= {"HTTP_PORT": route.port, "DOMAIN": route.hostname, "ROOT_URL": url}
            if route.protocol == "https":
                server["PROTOCOL"] = "https"
            sources |= {("server", k): rloc for k in WEB_KEYS}
        elif route.protocol == "ssh":
            server |= {
                "SSH_PORT": route.port,
                "SSH_DOMAIN": route.hostname,
                # Forgejo's own SSH server, so the host's OpenSSH is not in the path.
                "START_SSH_SERVER": True,
            }
            sources |= {("server", k): rloc for k in SSH_KEYS}
    return server, sources


def _database(c: Container) -> dict[str, Any]:
    database: dict[str, Any] = {"type": "postgres", "createDatabase": False, "socket": "/run/postgresql"}
    if c.database != "forgejo":
        database["name"] = c.database
    if c.user.name != "forgejo":
        database["user"] = c.user.name
    return database


def derive(loc: str, c: Container) -> Derived:
    server, sources = _server(loc, c)
    settings: dict[str, Any] = {}
    if server:
        settings["server"] = server
    if any(r.protocol in ("http", "https") for r in c.routes):
        # Served as https through the tunnel, whatever the origin speaks.
        settings["session"] = {"COOKIE_SECURE": True}
    service: dict[str, Any] = {"enable": True}
    if c.user.name != "forgejo":
        service |= {"user": c.user.name, "group": c.user.group or c.user.name}
    if c.state_dir and c.state_dir != "/var/lib/forgejo":
        service["stateDir"] = c.state_dir
    if c.postgresql:
        service["database"] = _database(c)
    service["settings"] = settings
    return Derived(service, sources)


# Addresses cloudflared on the host reaches: every address of the container ("" is
# Forgejo's default, 0.0.0.0).
EVERY_ADDRESS = frozenset({"", "0.0.0.0", "::", "[::]"})


def _server_settings(loc: str, c: Container) -> list[tuple[str, dict[str, Any]]]:
    """(key, server section) of the user's settings and of nixos' services.forgejo.settings."""
    out = []
    data: Any
    for key, data, path in (
        (f"{loc}.settings", c.settings, ("server",)),
        (f"{loc}.nixos.services.forgejo.settings", c.nixos, ("services", "forgejo", "settings", "server")),
    ):
        for part in path:
            data = data.get(part) if isinstance(data, dict) else None
        if isinstance(data, dict):
            out.append((f"{key}.server", data))
    return out


def _listens(loc: str, key: str, server: dict[str, Any], setting: str, c: Container, rloc: str) -> list[Issue]:
    addr = server.get(setting)
    if setting not in server or addr in EVERY_ADDRESS or addr == c.local_address:
        return []
    return [
        Issue(
            f"{key}.{setting}",
            f"makes Forgejo listen only on {addr}, where cloudflared on the host cannot reach it: "
            f"{rloc} would be a dead route",
            addr,
            f"leave {setting} out (Forgejo listens on every address of the container), or remove the route",
        )
    ]


def _dead_routes(loc: str, c: Container) -> list[Issue]:
    """Settings that turn off what a route points at."""
    web = next((i for i, r in enumerate(c.routes) if r.protocol in ("http", "https")), None)
    ssh = next((i for i, r in enumerate(c.routes) if r.protocol == "ssh"), None)
    issues: list[Issue] = []
    for key, server in _server_settings(loc, c):
        if web is not None:
            issues += _listens(loc, key, server, "HTTP_ADDR", c, f"{loc}.routes[{web}]")
            derived = key.startswith(f"{loc}.settings")  # PROTOCOL follows the route there
            if server.get("PROTOCOL") in ("http+unix", "fcgi+unix") and not derived:
                issues.append(
                    Issue(
                        f"{key}.PROTOCOL",
                        f"makes Forgejo listen on a Unix socket, not on a port: {loc}.routes[{web}] would be dead",
                        server["PROTOCOL"],
                    )
                )
        if ssh is None:
            continue
        rloc = f"{loc}.routes[{ssh}]"
        for setting, off in (("DISABLE_SSH", True), ("START_SSH_SERVER", False)):
            derived = setting in SSH_KEYS and key.startswith(f"{loc}.settings")  # refused as derived already
            if setting in server and server[setting] == off and not derived:
                issues.append(
                    Issue(
                        f"{key}.{setting}",
                        f"turns Forgejo's SSH server off, so {rloc} (ssh) would be a dead route",
                        off,
                        f"remove {setting}, or remove the ssh route",
                    )
                )
        issues += _listens(loc, key, server, "SSH_LISTEN_HOST", c, rloc)
        port = server.get("SSH_LISTEN_PORT")
        if "SSH_LISTEN_PORT" in server and port != c.routes[ssh].port:
            issues.append(
                Issue(
                    f"{key}.SSH_LISTEN_PORT",
                    f"makes Forgejo's SSH server listen on {port}, but {rloc} points at port {c.routes[ssh].port}",
                    port,
                    f"leave SSH_LISTEN_PORT out; it follows {rloc}.port",
                )
            )
    return issues


def check(loc: str, c: Container) -> list[Issue]:
    return no_environment_file(loc, c) + _dead_routes(loc, c)


PRESET = Preset(
    protocols=frozenset({"http", "https", "ssh"}),
    max_routes={"http": 1, "https": 1, "ssh": 1},
    derive=derive,
    default_wrapper="forgejo",
    check=check,
)
