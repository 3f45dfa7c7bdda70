"""`Report`: the problems and warnings a resolve collects, in the order found; and the
line of each problem in the stack file (`with_lines`)."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from components.errors import ConfigError, Issue


class Report:
    """Every issue (an error naming its key) and warning found so far."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.warnings: list[str] = []

    def error(
        self, loc: str, message: str, value: Any = None, hint: str | None = None, *, has_value: bool = True
    ) -> None:
        self.issues.append(Issue(loc, message, value, hint, has_value))

    def warn(self, loc: str, message: str) -> None:
        self.warnings.append(f"{loc}: {message}")


_PART = re.compile(r"\[(\d+)\]|\[('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\]|\.?([^.\[]+)")


def parts_of(loc: str) -> tuple[int | str, ...] | None:
    """The key path a dotted `loc` names (`containers.a.routes[0]` -> ('containers', 'a',
    'routes', 0)), or None when `loc` is no key path (a file name, `<root>`)."""
    if not loc or loc.startswith(("/", "<")):
        return None
    out: list[int | str] = []
    for index, quoted, plain in _PART.findall(loc):
        if index:
            out.append(int(index))
        elif quoted:
            out.append(str(ast.literal_eval(quoted)))
        else:
            out.append(plain)
    return tuple(out)


def with_lines(exc: ConfigError, line: Callable[[tuple[int | str, ...]], int | None]) -> ConfigError:
    """`exc` with each issue's line in the stack file (`line`: key path -> line number,
    the nearest written parent's for a key that is missing)."""
    issues = []
    for issue in exc.issues:
        parts = parts_of(issue.loc)
        found = line(parts) if parts is not None and issue.line is None else None
        issues.append(replace(issue, line=found) if found is not None else issue)
    return ConfigError(issues, exc.source)
