"""What a preset is: the routes it serves, how it derives its service, what it refuses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from components.errors import Issue
from components.model.site import Container


@dataclass(frozen=True)
class Derived:
    """A preset's output: the service attrs, and which config key each derived setting follows."""

    service: dict[str, Any]
    sources: dict[tuple[str, ...], str]  # settings path -> config key it is derived from


def no_environment_file(loc: str, c: Container) -> list[Issue]:
    """Only atticd reads `environmentFile`."""
    if c.environment_file is None:
        return []
    return [
        Issue(
            f"{loc}.environmentFile",
            "is only used by app atticd; give a generic app's secrets file under nixos",
            c.environment_file,
        )
    ]


@dataclass(frozen=True)
class Preset:
    """What an app accepts and how it derives its service."""

    protocols: frozenset[str]  # route protocols the app can serve
    max_routes: dict[str, int]  # per protocol, how many routes the settings can express
    derive: Callable[[str, Container], Derived]
    default_wrapper: str | None
    check: Callable[[str, Container], list[Issue]] = no_environment_file  # the app's own rules
    takes_settings: bool = True  # `settings` merge over the derived `services.<app>.settings`
