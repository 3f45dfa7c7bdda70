"""The host: how it is activated, rolled back, and whether origins are checked after."""

from __future__ import annotations

from components.model.site import Site


def activation_command(site: Site) -> tuple[str, ...]:
    a = site.host.activation
    if a.command is not None:
        return tuple(a.command)
    return () if a.mode == "none" else ("nixos-rebuild", a.mode)


def rollback_command(site: Site) -> tuple[str, ...]:
    a = site.host.activation
    if a.rollback is not None:
        return tuple(a.rollback)
    # The previous modules are back in place when this runs, so the activation command
    # itself restores the previous system. `switch --rollback` would go one generation
    # too far when the failed command never built a new one (an evaluation error).
    return activation_command(site)


def check_origins(site: Site) -> bool:
    # Nothing to check without an activation, nor after `boot` (it takes a reboot).
    return site.host.activation.check and bool(activation_command(site)) and site.host.activation.mode != "boot"
