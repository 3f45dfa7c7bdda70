"""`Report`: the problems and warnings a resolve collects, in the order found."""

from __future__ import annotations

from typing import Any

from components.errors import Issue


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
