"""Stack files to resolved sites: the reading here, the validation in the (pure) model.

`check`, `render`, `diff` and the scripts read a stack file by name or path; the program
gets the engine's reading of it and has it compared with this room's own
(components/stackfile/agree.py), so that what was reviewed is what deploys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from components.errors import ConfigError
from components.model.checks.report import with_lines
from components.model.hosts import ResolvedHosts, hosts_from_data
from components.model.load import site_from_data
from components.model.resolved import ResolvedSite
from components.stackfile.agree import engine_site
from components.stackfile.read import read_modules, read_stack, shown, stack_path


def site_in_project(data: Any, source: str = "stack config", project_dir: Path | None = None) -> ResolvedSite:
    """A one-host site whose imported modules are read from `project_dir` (default: the
    working directory, the project's when Pulumi runs the program)."""
    return site_from_data(data, source, read_modules(data, project_dir or Path.cwd()))


def hosts_in_project(data: Any, source: str = "stack config", project_dir: Path | None = None) -> ResolvedHosts:
    """Every host of a site (either shape), its modules read as for site_in_project."""
    project = project_dir or Path.cwd()
    return hosts_from_data(data, source, read_modules(data, project), str(project))


def _path(stack: str | None, config_file: Path | None) -> Path:
    return config_file if config_file is not None else shown(stack_path(stack or "dev"))


def load_stack(stack: str | None = None, config_file: Path | None = None) -> ResolvedSite:
    """Resolve a one-host stack by name (stacks/Pulumi.<stack>.yaml) or from any stack file."""
    path = _path(stack, config_file)
    written = read_stack(path)
    try:
        # A stack file lives in <project>/stacks/: module paths are relative to <project>.
        return site_in_project(written.site, str(path), path.resolve().parent.parent)
    except ConfigError as exc:
        raise with_lines(exc, written.line) from None


def load_hosts(stack: str | None = None, config_file: Path | None = None) -> ResolvedHosts:
    """Every host of a stack by name (stacks/Pulumi.<stack>.yaml) or from any stack file."""
    path = _path(stack, config_file)
    written = read_stack(path)
    try:
        return hosts_in_project(written.site, str(path), path.resolve().parent.parent)
    except ConfigError as exc:
        raise with_lines(exc, written.line) from None


def hosts_from_engine(stack: str, text: str, source: str, *, compare: bool = True) -> ResolvedHosts:
    """Every host of `pulumi up`: `text` is `nixedge:site` as the engine hands it over,
    compared with the stack file as `check` reads it (components/stackfile/agree.py);
    imported modules come from the working directory, the project's. Errors name their
    line when the stack file in stacks/ holds the site the engine handed over."""
    site = engine_site(stack, text, source, compare=compare)
    try:
        return hosts_in_project(site, source)
    except ConfigError as exc:
        path = shown(stack_path(stack))
        written = read_stack(path) if compare and path.exists() else None
        if written is None or written.site != site:
            raise
        raise with_lines(exc, written.line) from None
