"""Forgejo: DOMAIN, ports and ROOT_URL follow its routes; its database follows `postgresql`."""

from __future__ import annotations

from typing import Any

from components.model.presets.base import Derived, Preset
from components.model.site import Container

WEB_KEYS = ("HTTP_PORT", "DOMAIN", "ROOT_URL", "PROTOCOL")
SSH_KEYS = ("SSH_PORT", "SSH_DOMAIN", "START_SSH_SERVER")


def _server(loc: str, c: Container) -> tuple[dict[str, Any], dict[tuple[str, ...], str]]:
    server: dict[str, Any] = {}
    sources: dict[tuple[str, ...], str] = {}
    for i, route in enumerate(c.routes):
        rloc = f"{loc}.routes[{i}]"
        if route.protocol in ("http", "https"):
            server |= {"HTTP_PORT": route.port, "DOMAIN": route.hostname, "ROOT_URL": f"https://{route.hostname}/"}
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


PRESET = Preset(
    protocols=frozenset({"http", "https", "ssh"}),
    max_routes={"http": 1, "https": 1, "ssh": 1},
    derive=derive,
    default_wrapper="forgejo",
)
