"""Secrets by reference: declared once in `secrets`, listed by the containers that read them."""

from __future__ import annotations

from typing import Any

from components.model.checks.report import Report
from components.model.site import Container, Site

SECRET_KEY = "_secret"  # {"_secret": NAME} in settings or nixos data: the secret's path


def unknown_secret(site: Site) -> str:
    declared = ", ".join(sorted(site.secrets)) or "none declared"
    return f"names no secret of the site's secrets ({declared})"


def substitute(site: Site, report: Report, loc: str, data: Any, owner: str, listed: list[str]) -> Any:
    """Replace {"_secret": NAME} with the secret's path; nixedge never reads the secret.

    `owner` is the container's key and `listed` its `secrets`: only those are mounted.
    """
    if isinstance(data, dict):
        if set(data) == {SECRET_KEY}:
            return _path(site, report, f"{loc}.{SECRET_KEY}", data[SECRET_KEY], owner, listed)
        return {k: substitute(site, report, f"{loc}.{k}", v, owner, listed) for k, v in data.items()}
    if isinstance(data, list):
        return [substitute(site, report, f"{loc}[{i}]", v, owner, listed) for i, v in enumerate(data)]
    return data


def _path(site: Site, report: Report, loc: str, name: object, owner: str, listed: list[str]) -> str:
    ref = site.secrets.get(name) if isinstance(name, str) else None
    if ref is None:
        report.error(loc, unknown_secret(site), name)
        return ""
    if name not in listed:
        report.error(
            loc,
            f"names secret {name}, which {owner}.secrets does not list, so it is not mounted in the container",
            name,
            hint=f"add {name} to {owner}.secrets",
        )
    return ref.path


def units(site: Site, c: Container) -> list[str]:
    """Host units that install the container's secrets, in its order."""
    out: list[str] = []
    for secret in c.secrets:
        ref = site.secrets.get(secret)
        if ref is not None and ref.unit is not None and ref.unit not in out:
            out.append(ref.unit)
    return out
