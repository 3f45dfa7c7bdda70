"""Read a stack config and turn it into a resolved site, or one report of every error."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from components.errors import ConfigError, Issue
from components.model.resolve import resolve
from components.model.resolved import ResolvedSite
from components.model.site import Site
from components.model.stack_yaml import MAX_DEPTH, Refused, dotted, read_yaml, too_deep
from components.model.validation import validated
from components.model.yaml_errors import yaml_message

SITE_KEY = "nixedge:site"
STACKS_DIR = Path(__file__).resolve().parents[2] / "stacks"


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
    deep = too_deep(data)
    if deep is not None:
        issue = Issue(dotted(deep), f"is nested more than {MAX_DEPTH} levels deep", has_value=False)
        raise ConfigError([issue], source)
    data = _sorted_keys(data)
    site = validated(data, source, resolve)
    try:
        resolved = resolve(site)
        modules = _module_files(site, project_dir or Path.cwd())
    except ConfigError as exc:
        raise ConfigError(exc.issues, source) from None
    return replace(resolved, module_files=modules, nixos_release=site.host.nixos_release)


def _refused(exc: Refused, source: str) -> ConfigError:
    """Our message for a stack file the YAML readers would read differently (or Pulumi refuses)."""
    site = ("config", SITE_KEY)
    issues = []
    for r in exc.refusals:
        parts = r.parts[2:] if r.parts[:2] == site and len(r.parts) > 2 else r.parts
        issues.append(Issue(dotted(parts) or source, r.message, r.value, hint=r.hint, has_value=r.has_value))
    return ConfigError(issues, source)


def _namespaced(config: dict[str, Any], source: str) -> dict[str, Any]:
    """`config:` keys as Pulumi reads them: `site` is this project's `nixedge:site`."""
    out: dict[str, Any] = {}
    written: dict[str, str] = {}
    for key, value in config.items():
        name = key if ":" in key else f"nixedge:{key}"
        if name in out:
            raise ConfigError([Issue(
                f"config.{key}", f"is {name} a second time (as {written[name]}); Pulumi would keep one of them",
                has_value=False, hint=f"keep one of {written[name]} and {key}",
            )], source)  # fmt: skip
        out[name] = value
        written[name] = key
    return out


def read_stack_file(path: Path) -> Any:
    """The raw `nixedge:site` value of a Pulumi stack file (`config:` -> `nixedge:site`),
    read as the Pulumi engine reads it (components/model/stack_yaml.py)."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError([Issue(source, f"cannot be read: {exc.strerror}", has_value=False)], source) from None
    try:
        doc = read_yaml(data)
    except Refused as exc:
        raise _refused(exc, source) from None
    except yaml.YAMLError as exc:
        message, hint = yaml_message(exc, data.decode(errors="replace"))
        raise ConfigError([Issue(source, message, has_value=False, hint=hint)], source) from None
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
    if isinstance(config, dict):
        config = _namespaced(config, source)
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


def site_from_engine(stack: str, text: str, source: str) -> ResolvedSite:
    """The site of `pulumi up`: `text` is `nixedge:site` as the engine hands it over (JSON)."""
    return site_from_data(engine_data(stack, text, source), source)


def engine_data(stack: str, text: str, source: str) -> Any:
    """`nixedge:site` as the engine hands it over (JSON), parsed.

    When the stack file is the one in stacks/, it is read here too, with `check`'s
    reader, so that a file `check` refuses (a value YAML readers read differently, a
    key twice, nesting too deep) is refused under the engine with the same message.
    That the values agree otherwise is tests/test_stack_yaml_corpus.py's to prove:
    config may reach the program another way (Pulumi's mocks, a config file option).
    """
    path = _shown(stack_path(stack))
    try:
        data = json.loads(text)
    except (RecursionError, ValueError):
        if path.exists():
            read_stack_file(path)  # names the key (nesting too deep for Python's JSON)
        issue = Issue(SITE_KEY, "must be a mapping with host, network and containers", text[:80])
        raise ConfigError([issue], source) from None
    if path.exists():
        _written(path)
    return data


def _written(path: Path) -> Any:
    """The site of the stack file as `check` reads it (raises what `check` refuses), or
    None when the file has none (the engine got it some other way)."""
    try:
        return read_stack_file(path)
    except ConfigError as exc:
        if all(issue.message.startswith("is missing") for issue in exc.issues):
            return None
        raise


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
