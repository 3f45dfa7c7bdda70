"""App presets: what each app's NixOS service needs, derived from the container's config.

A preset turns routes, user, state directory and database into the app's
`services.<app>` attribute set, so that e.g. Forgejo's DOMAIN and HTTP_PORT always equal
the route that publishes it. User `settings` are merged on top, but may not override a
derived key: that would let the route and the app disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from components.model.site import Container


@dataclass(frozen=True)
class Derived:
    """A preset's output: the service attrs, and which config key each derived setting follows."""

    service: dict[str, Any]
    sources: dict[tuple[str, ...], str]  # settings path -> config key it is derived from
    wrapper: str | None


@dataclass(frozen=True)
class Preset:
    """What an app accepts and how it derives its service."""

    protocols: frozenset[str]  # route protocols the app can serve
    max_routes: dict[str, int]  # per protocol, how many routes the settings can express
    derive: Callable[[str, Container], Derived]
    default_wrapper: str | None


def _forgejo(loc: str, c: Container) -> Derived:
    server: dict[str, Any] = {}
    sources: dict[tuple[str, ...], str] = {}
    for i, route in enumerate(c.routes):
        rloc = f"{loc}.routes[{i}]"
        if route.protocol in ("http", "https"):
            server |= {
                "HTTP_PORT": route.port,
                "DOMAIN": route.hostname,
                "ROOT_URL": f"https://{route.hostname}/",
            }
            if route.protocol == "https":
                server["PROTOCOL"] = "https"
            for k in ("HTTP_PORT", "DOMAIN", "ROOT_URL", "PROTOCOL"):
                sources[("server", k)] = rloc
        elif route.protocol == "ssh":
            server |= {
                "SSH_PORT": route.port,
                "SSH_DOMAIN": route.hostname,
                # Forgejo's own SSH server, so the host's OpenSSH is not in the path.
                "START_SSH_SERVER": True,
            }
            for k in ("SSH_PORT", "SSH_DOMAIN", "START_SSH_SERVER"):
                sources[("server", k)] = rloc
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
        database: dict[str, Any] = {"type": "postgres", "createDatabase": False, "socket": "/run/postgresql"}
        db = c.postgresql.database or c.user.name
        if db != "forgejo":
            database["name"] = db
        if c.user.name != "forgejo":
            database["user"] = c.user.name
        service["database"] = database
    service["settings"] = settings
    return Derived(service, sources, None)


def _atticd(loc: str, c: Container) -> Derived:
    settings: dict[str, Any] = {}
    sources: dict[tuple[str, ...], str] = {}
    for i, route in enumerate(c.routes):
        settings["listen"] = f"[::]:{route.port}"
        sources[("listen",)] = f"{loc}.routes[{i}]"
    if c.postgresql:
        db = c.postgresql.database or c.user.name
        settings["database"] = {"url": f"postgresql:///{db}?host=/run/postgresql"}
        sources[("database", "url")] = f"{loc}.postgresql"
    if c.state_dir:
        settings["storage"] = {"type": "local", "path": c.state_dir}
        sources[("storage", "path")] = f"{loc}.stateDir"
    service: dict[str, Any] = {"enable": True}
    if c.environment_file:
        service["environmentFile"] = c.environment_file
    if c.user.name != "atticd":
        service |= {"user": c.user.name, "group": c.user.group or c.user.name}
    service["settings"] = settings
    return Derived(service, sources, None)


def _generic(loc: str, c: Container) -> Derived:
    return Derived({}, {}, None)


def _postgresql(loc: str, c: Container) -> Derived:
    # Databases and roles are added by the resolver, from the containers that use it.
    return Derived({"enable": True}, {}, None)


PRESETS: dict[str, Preset] = {
    "forgejo": Preset(
        protocols=frozenset({"http", "https", "ssh"}),
        max_routes={"http": 1, "https": 1, "ssh": 1},
        derive=_forgejo,
        default_wrapper="forgejo",
    ),
    "atticd": Preset(
        protocols=frozenset({"http"}),
        max_routes={"http": 1},
        derive=_atticd,
        default_wrapper="atticd-atticadm",
    ),
    "postgresql": Preset(
        # Reached through its socket only: TCP would need enableTCPIP and pg_hba rules.
        protocols=frozenset(),
        max_routes={},
        derive=_postgresql,
        default_wrapper=None,
    ),
    "generic": Preset(
        protocols=frozenset({"http", "https", "ssh", "tcp"}),
        max_routes={},
        derive=_generic,
        default_wrapper=None,
    ),
}


def merge_settings(
    derived: dict[str, Any],
    user: dict[str, Any],
    sources: dict[tuple[str, ...], str],
    loc: str,
    prefix: tuple[str, ...] = (),
) -> tuple[dict[str, Any], list[tuple[str, str, Any]]]:
    """Deep-merge `user` over `derived`; return the result and the refused overrides.

    Each refusal is (config key, message, value).
    """
    out = dict(derived)
    refused: list[tuple[str, str, Any]] = []
    for k, v in user.items():
        path = (*prefix, k)
        key_loc = f"{loc}.{k}"
        if path in sources:
            refused.append((key_loc, f"is derived from {sources[path]}; change it there instead", v))
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k], more = merge_settings(out[k], v, sources, key_loc, path)
            refused += more
        else:
            out[k] = v
    return out, refused
