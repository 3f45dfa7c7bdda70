"""Read a stack config and turn it into a resolved site, or one report of every error."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from components.errors import ConfigError, Issue
from components.model.resolve import resolve
from components.model.resolved import ResolvedSite
from components.model.site import Site

SITE_KEY = "nixedge:site"
STACKS_DIR = Path(__file__).resolve().parents[2] / "stacks"


def _loc(parts: tuple[int | str, ...]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":
            continue
        elif not part or "." in part or " " in part or not part.isprintable():
            out += f"[{part!r}]"  # a key that would make the dotted path ambiguous or break the line
        else:
            out += f".{part}" if out else str(part)
    return out


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
            Issue(_loc((prefix,) + tuple(loc) if prefix else tuple(loc)), msg, err.get("input"), has_value=has_value)
        )
    return issues


def _module_files(site: Site, project_dir: Path) -> tuple[tuple[str, str], ...]:
    """The modules that containers import by path, read from the project (not from config)."""
    files: dict[str, str] = {}
    issues: list[Issue] = []
    for name, c in site.containers.items():
        for i, ref in enumerate(c.imports):
            if ref.startswith("flake:") or ref in files:
                continue
            try:
                files[ref] = (project_dir / ref).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
                issues.append(
                    Issue(f"containers.{name}.imports[{i}]", f"cannot be read from the project: {reason}", ref)
                )
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


def site_from_data(data: Any, source: str = "stack config", project_dir: Path | None = None) -> ResolvedSite:
    """Validate the `nixedge:site` value (a mapping) and resolve it.

    `project_dir` is where module paths in containers' `imports` are read from (default:
    the current directory, which is the project directory when Pulumi runs the program).
    """
    if not isinstance(data, dict):
        raise ConfigError([Issue(SITE_KEY, "must be a mapping with host, network and containers", data)], source)
    data = _sorted_keys(data)
    try:
        site = Site.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_issues(exc), source) from None
    try:
        resolved = resolve(site)
        modules = _module_files(site, project_dir or Path.cwd())
    except ConfigError as exc:
        raise ConfigError(exc.issues, source) from None
    return replace(resolved, module_files=modules, nixos_release=site.host.nixos_release)


def read_stack_file(path: Path) -> Any:
    """The raw `nixedge:site` value of a Pulumi stack file (`config:` -> `nixedge:site`)."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([Issue(source, f"cannot be read: {exc.strerror}", has_value=False)], source) from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(
            [Issue(source, f"is not valid YAML{where}: {getattr(exc, 'problem', exc)}", has_value=False)], source
        ) from None
    if doc is None:
        raise ConfigError(
            [
                Issue(
                    "config",
                    "is missing: the file is empty",
                    has_value=False,
                    hint=f"start from stacks/Pulumi.dev.yaml; the site goes under config: {SITE_KEY}:",
                )
            ],
            source,
        )
    if not isinstance(doc, dict):
        raise ConfigError([Issue("<root>", "must be a mapping with a `config` key", doc)], source)
    config = doc.get("config")
    if not isinstance(config, dict) or SITE_KEY not in config:
        raise ConfigError(
            [
                Issue(
                    f"config.{SITE_KEY}",
                    "is missing",
                    has_value=False,
                    hint=f"the site goes under config: {SITE_KEY}: (see stacks/Pulumi.dev.yaml)",
                )
            ],
            source,
        )
    return config[SITE_KEY]


def stack_path(stack: str) -> Path:
    """Where the stack file of `stack` lives."""
    return STACKS_DIR / f"Pulumi.{stack}.yaml"


def load_stack(stack: str | None = None, config_file: Path | None = None) -> ResolvedSite:
    """Resolve a stack by name (stacks/Pulumi.<stack>.yaml) or from any stack file."""
    path = config_file if config_file is not None else _shown(stack_path(stack or "dev"))
    # A stack file lives in <project>/stacks/: module paths are relative to <project>.
    return site_from_data(read_stack_file(path), str(path), path.resolve().parent.parent)


def _shown(path: Path) -> Path:
    """`path` relative to the working directory when it is below it, as people type it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
