"""atticd (a Nix binary cache): listens on its route's port, stores in its state directory,
and reads its secrets from `environmentFile`, which it requires."""

from __future__ import annotations

from typing import Any

from components.errors import Issue
from components.model.presets.base import Derived, Preset
from components.model.site import Container


def derive(loc: str, c: Container) -> Derived:
    settings: dict[str, Any] = {}
    sources: dict[tuple[str, ...], str] = {}
    for i, route in enumerate(c.routes):
        settings["listen"] = f"[::]:{route.port}"
        sources[("listen",)] = f"{loc}.routes[{i}]"
    if c.postgresql:
        settings["database"] = {"url": f"postgresql:///{c.database}?host=/run/postgresql"}
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
    return Derived(service, sources)


def check(loc: str, c: Container) -> list[Issue]:
    if c.environment_file is not None:
        return []
    return [
        Issue(
            f"{loc}.environmentFile",
            "is required by app atticd (services.atticd.environmentFile holds its secrets)",
            has_value=False,
            hint="e.g. /etc/atticd.env, created on the host outside the Nix store",
        )
    ]


PRESET = Preset(
    protocols=frozenset({"http"}),
    max_routes={"http": 1},
    derive=derive,
    default_wrapper="atticd-atticadm",
    check=check,
)
