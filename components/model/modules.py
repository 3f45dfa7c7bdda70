"""The module files that containers import by path: handed over as texts (components/stackfile
reads them from the project), shipped as they are; a missing one is an error of its key."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from components.errors import Issue
from components.model.checks.report import Report
from components.model.site import Container, Site


@dataclass(frozen=True)
class Unreadable:
    """A module file the reader could not read, and why (e.g. "No such file or directory")."""

    reason: str


ModuleTexts = Mapping[str, str | Unreadable]
"""Module path as `imports` writes it -> its text, or why it could not be read."""


def module_files(site: Site, report: Report, modules: ModuleTexts) -> tuple[tuple[str, str], ...]:
    """(path under modules/, text) of every module imported by path, sorted by path."""
    files: dict[str, str] = {}
    for name, c in site.containers.items():
        for i, ref in enumerate(c.imports):
            if ref.startswith("flake:") or ref in files:
                continue
            text = modules.get(ref, Unreadable("No such file or directory"))
            if isinstance(text, Unreadable):
                loc = f"containers.{name}.imports[{i}]"
                report.issues.append(Issue(loc, f"cannot be read from the project: {text.reason}", ref))
            else:
                files[ref] = text
    return tuple(sorted(files.items()))


def _imports(key: object) -> bool:
    """`imports`, or an unknown key that nearly spells it: the pass behind an unknown key
    reads it as `imports` (components/model/validation.py), and needs its files too."""
    if key == "imports":
        return True
    known = tuple(f.alias or name for name, f in Container.model_fields.items())
    return key not in known and difflib.get_close_matches(str(key), known, n=1, cutoff=0.6) == ["imports"]


def module_refs(raw: object) -> set[str]:
    """Module paths that containers import (`containers.<name>.imports`), as written, in
    either shape of a site (validation comes later): the files a reader must hand over."""
    hosts = raw.get("hosts") if isinstance(raw, dict) else None
    if isinstance(hosts, dict):
        return {ref for host in hosts.values() for ref in module_refs(host)}
    containers = raw.get("containers") if isinstance(raw, dict) else None
    if not isinstance(containers, dict):
        return set()
    refs = (c[key] for c in containers.values() if isinstance(c, dict) for key in c if _imports(key))
    return {
        r
        for imports in refs
        if isinstance(imports, list)
        for r in imports
        # Never a path outside the project: validation refuses those with its own message.
        if isinstance(r, str) and not r.startswith(("flake:", "/")) and ".." not in r.split("/")
    }
