"""A generic app: nothing derived; its NixOS options come as data under `nixos`."""

from __future__ import annotations

from components.errors import Issue
from components.model.presets.base import Derived, Preset, no_environment_file
from components.model.secret_keys import redacted
from components.model.site import Container


def derive(loc: str, c: Container) -> Derived:
    return Derived({}, {})


def check(loc: str, c: Container) -> list[Issue]:
    issues = []
    if c.settings:
        issues.append(
            Issue(
                f"{loc}.settings",
                "is for the app presets; give a generic app's options under nixos",
                redacted(c.settings),
            )
        )
    return issues + no_environment_file(loc, c)


PRESET = Preset(
    protocols=frozenset({"http", "https", "ssh", "tcp"}),
    max_routes={},
    derive=derive,
    default_wrapper=None,
    check=check,
    takes_settings=False,
)
