"""App presets: what each app's NixOS service needs, derived from the container's config.

A preset turns routes, user, state directory and database into the app's
`services.<app>` attribute set, so that e.g. Forgejo's DOMAIN and HTTP_PORT always equal
the route that publishes it. User `settings` are merged on top, but may not override a
derived key: that would let the route and the app disagree. One module per app holds
its derivation and its own rules (`Preset.check`); a new app is a new module here.
"""

from __future__ import annotations

from typing import Any

from components.model.presets import atticd, forgejo, generic, postgresql
from components.model.presets.base import Derived, Preset

__all__ = ["PRESETS", "Derived", "Preset", "merge_settings"]

PRESETS: dict[str, Preset] = {
    "forgejo": forgejo.PRESET,
    "atticd": atticd.PRESET,
    "postgresql": postgresql.PRESET,
    "generic": generic.PRESET,
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
