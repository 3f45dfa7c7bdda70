"""Turn a stack config's data into a resolved site, or one report of every error.

Pure: the data and the texts of the module files it imports come in (components/stackfile
reads them), a complete resolved site goes out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError

from components.errors import ConfigError, Issue
from components.model.keys import MAX_DEPTH, dotted, too_deep
from components.model.resolve import resolve
from components.model.resolved import ResolvedSite
from components.model.site import Site

SITE_KEY = "nixedge:site"


@dataclass(frozen=True)
class Unreadable:
    """A module file the reader could not read, and why (e.g. "No such file or directory")."""

    reason: str


ModuleTexts = Mapping[str, str | Unreadable]
"""Module path as `imports` writes it -> its text, or why it could not be read."""


def _issues(exc: ValidationError, prefix: str = "") -> list[Issue]:
    issues: list[Issue] = []
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        # A discriminated union adds the tag (e.g. `ssh`) to the path; users never wrote it.
        if loc[:2] == ["host", "target"] and len(loc) > 2 and loc[2] in ("local", "ssh"):
            del loc[2]
        msg = err["msg"]
        msg = msg.removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "is not a known key (a typo?)"
        elif err["type"] == "missing":
            msg = "is required"
        has_value = err["type"] != "missing"
        issues.append(
            Issue(dotted((prefix,) + tuple(loc) if prefix else tuple(loc)), msg, err.get("input"), has_value=has_value)
        )
    return issues


def _module_files(site: Site, modules: ModuleTexts) -> tuple[tuple[str, str], ...]:
    """The modules that containers import by path, from the texts the reader handed over."""
    files: dict[str, str] = {}
    issues: list[Issue] = []
    for name, c in site.containers.items():
        for i, ref in enumerate(c.imports):
            if ref.startswith("flake:") or ref in files:
                continue
            text = modules.get(ref, Unreadable("No such file or directory"))
            if isinstance(text, Unreadable):
                issues.append(
                    Issue(f"containers.{name}.imports[{i}]", f"cannot be read from the project: {text.reason}", ref)
                )
            else:
                files[ref] = text
    if issues:
        raise ConfigError(issues)
    return tuple(sorted(files.items()))


def _sorted_keys(data: Any) -> Any:
    """Every mapping with its keys sorted (`enable` first, as modules are written), lists
    in their order.

    Pulumi hands the program its structured config with sorted keys; sorting here too
    makes `check`, `render` and `diff` see exactly what `pulumi up` deploys, byte for byte.
    """
    if isinstance(data, dict):
        return {k: _sorted_keys(data[k]) for k in sorted(data, key=lambda k: (k != "enable", str(k)))}
    if isinstance(data, list):
        return [_sorted_keys(v) for v in data]
    return data


def site_from_data(data: Any, source: str = "stack config", modules: ModuleTexts | None = None) -> ResolvedSite:
    """Validate the `nixedge:site` value (a mapping) and resolve it.

    `modules` holds the files that containers' `imports` name by path (read by
    components/stackfile from the project directory); a missing one is an error.
    """
    if not isinstance(data, dict):
        raise ConfigError([Issue(SITE_KEY, "must be a mapping with host, network and containers", data)], source)
    deep = too_deep(data)
    if deep is not None:
        issue = Issue(dotted(deep), f"is nested more than {MAX_DEPTH} levels deep", has_value=False)
        raise ConfigError([issue], source)
    data = _sorted_keys(data)
    try:
        site = Site.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_issues(exc), source) from None
    try:
        resolved = resolve(site)
        files = _module_files(site, modules or {})
    except ConfigError as exc:
        raise ConfigError(exc.issues, source) from None
    return replace(resolved, module_files=files, nixos_release=site.host.nixos_release)
