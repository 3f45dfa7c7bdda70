"""Turn a stack config's data into a resolved site, or one report of every error.

Pure: the data and the texts of the module files it imports come in (components/stackfile
reads them), a complete resolved site goes out of `resolve`."""

from __future__ import annotations

from typing import Any

from components.errors import ConfigError, Issue
from components.model.keys import MAX_DEPTH, dotted, too_deep
from components.model.modules import ModuleTexts
from components.model.resolve import resolve
from components.model.resolved import ResolvedSite
from components.model.validation import validated

SITE_KEY = "nixedge:site"


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
    texts = modules or {}
    # Both passes (the one behind an unknown key too) see the same module texts: a pass
    # without them would call every imported file missing.
    site = validated(data, source, lambda s: resolve(s, texts))
    try:
        return resolve(site, texts)
    except ConfigError as exc:
        raise ConfigError(exc.issues, source) from None
