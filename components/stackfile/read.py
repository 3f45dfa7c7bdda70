"""Every read of a stack file and of the module files it names, as the Pulumi engine reads
them (components/stackfile/stack_yaml.py), with the key of each problem named."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from components.errors import ConfigError, Issue, StackFileError
from components.model.keys import dotted
from components.model.load import SITE_KEY
from components.model.modules import Unreadable, module_refs
from components.model.secret_keys import literal, secret_like
from components.stackfile.stack_yaml import Refused, read_yaml_lines
from components.stackfile.yaml_errors import yaml_message

STACKS_DIR = Path(__file__).resolve().parents[2] / "stacks"

Lines = dict[tuple[int | str, ...], int]


@dataclass(frozen=True)
class StackFile:
    """The `nixedge:site` value of a stack file, and the line of each of its key paths."""

    site: Any
    lines: Lines = field(default_factory=dict)

    def line(self, parts: tuple[int | str, ...]) -> int | None:
        """The line of `parts` (relative to the site), or of its nearest written parent."""
        for n in range(len(parts), -1, -1):
            if parts[:n] in self.lines:
                return self.lines[parts[:n]]
        return None


def stack_path(stack: str) -> Path:
    """Where the stack file of `stack` lives."""
    return STACKS_DIR / f"Pulumi.{stack}.yaml"


def shown(path: Path) -> Path:
    """`path` relative to the working directory when it is below it, as people type it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _refused(exc: Refused, source: str, site_key: str) -> StackFileError:
    """Our message for a stack file the YAML readers would read differently (or Pulumi refuses)."""
    issues = []
    for r in exc.refusals:
        inside = r.parts[:2] in (("config", SITE_KEY), ("config", site_key)) and len(r.parts) > 2
        parts = r.parts[2:] if inside else r.parts
        issues.append(Issue(dotted(parts) or source, r.message, r.value, hint=r.hint, has_value=r.has_value))
    return StackFileError(issues, source)


def _namespaced(config: dict[str, Any], source: str) -> dict[str, str]:
    """`config:` keys as Pulumi reads them -> the key written: `site` is `nixedge:site`."""
    written: dict[str, str] = {}
    for key in config:
        name = key if ":" in key else f"nixedge:{key}"
        if name in written:
            raise ConfigError([Issue(
                f"config.{key}", f"is {name} a second time (as {written[name]}); Pulumi would keep one of them",
                has_value=False, hint=f"keep one of {written[name]} and {key}",
            )], source)  # fmt: skip
        written[name] = key
    return written


def _other_keys(config: dict[str, Any], written: dict[str, str]) -> list[Issue]:
    """Config keys beside `nixedge:site` that are mistakes: any other `nixedge:` key
    (nixedge reads only the site, so the value would be ignored), and a secret written
    in plain text under any key (the stack file is committed; Pulumi keeps secrets as
    `secure:` values)."""
    issues: list[Issue] = []
    for name, key in written.items():
        loc, value = f"config.{key}", config[key]
        if name.startswith("nixedge:") and name != SITE_KEY:
            close = difflib.get_close_matches(name.partition(":")[2], ["site"], n=1, cutoff=0.6)
            hint = (
                "a secret of a container is a file on the host: declare it under nixedge:site's `secrets:` "
                "(docs/secrets.md) and delete this key"
                if secret_like(name.partition(":")[2])
                else f"put the site's keys under {SITE_KEY}, or delete this key"
            )
            issues.append(Issue(
                loc, f"is not a key nixedge reads; did you mean {SITE_KEY}?" if close
                else f"is not a key nixedge reads (it reads only {SITE_KEY}); its value would be ignored",
                has_value=False, hint=hint,
            ))  # fmt: skip
        elif ":" in key and secret_like(name.partition(":")[2]) and literal(value):
            issues.append(Issue(
                loc, "is a secret in plain text in the stack file, which is committed and reviewed",
                has_value=False, hint=f"set it encrypted instead: scripts/pulumi config set --secret {name}",
            ))  # fmt: skip
    return issues


def _yaml_error(exc: yaml.YAMLError, source: str, data: bytes) -> StackFileError:
    # An indentation mistake is named at the line that is off (components.stackfile.yaml_errors).
    message, hint = yaml_message(exc, data.decode(errors="replace"))
    return StackFileError([Issue(source, message, has_value=False, hint=hint)], source)


def _missing(loc: str, message: str, hint: str, source: str) -> ConfigError:
    return ConfigError([Issue(loc, message, has_value=False, hint=hint)], source)


def read_stack_bytes(data: bytes, source: str) -> StackFile:
    """The `nixedge:site` of a stack file's bytes (`config:` -> `nixedge:site`, or the
    short `config: site:`), read as the Pulumi engine reads it; ConfigError otherwise."""
    try:
        doc, lines = read_yaml_lines(data)
    except Refused as exc:
        raise _refused(exc, source, "site") from None
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source, data) from None
    if doc is None:
        hint = f"start from stacks/Pulumi.dev.yaml; the site goes under config: {SITE_KEY}:"
        raise _missing("config", "is missing: the file is empty", hint, source)
    if not isinstance(doc, dict):
        raise ConfigError([Issue("<root>", "must be a mapping with a `config` key", doc)], source)
    config = doc.get("config")
    written = _namespaced(config, source) if isinstance(config, dict) else {}
    others = _other_keys(config, written) if isinstance(config, dict) else []
    if not isinstance(config, dict) or SITE_KEY not in written:
        hint = f"the site goes under config: {SITE_KEY}: (see stacks/Pulumi.dev.yaml)"
        raise ConfigError([*others, *_missing(f"config.{SITE_KEY}", "is missing", hint, source).issues], source)
    if others:
        raise ConfigError(others, source)
    key = written[SITE_KEY]
    inside = {parts[2:]: line for parts, line in lines.items() if parts[:2] == ("config", key)}
    return StackFile(config[key], inside)


def read_stack_file(path: Path) -> Any:
    """The raw `nixedge:site` value of a stack file, as the Pulumi engine reads it."""
    return read_stack(path).site


def read_stack(path: Path) -> StackFile:
    """The `nixedge:site` of the stack file at `path` with its lines (read_stack_bytes)."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError([Issue(source, f"cannot be read: {exc.strerror}", has_value=False)], source) from None
    return read_stack_bytes(data, source)


def read_modules(site: Any, project_dir: Path) -> dict[str, str | Unreadable]:
    """The module files that the site's containers import by path, read from `project_dir`
    (the project: a stack file lives in <project>/stacks/)."""
    out: dict[str, str | Unreadable] = {}
    for ref in sorted(module_refs(site)):
        try:
            out[ref] = (project_dir / ref).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            out[ref] = Unreadable(exc.strerror or str(exc) if isinstance(exc, OSError) else "not UTF-8 text")
    return out
