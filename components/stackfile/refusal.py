"""A reason to refuse a stack file, where it is and how to fix it; and the exception that
carries every one found (components/stackfile/read.py turns them into a ConfigError)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    """One reason to refuse the file: where (key parts from the document root), what, a fix."""

    parts: tuple[int | str, ...]
    message: str
    value: object = None
    hint: str | None = None
    has_value: bool = True


class Refused(Exception):
    """Raised with every refusal found; the caller turns them into a ConfigError."""

    def __init__(self, refusals: list[Refusal]) -> None:
        self.refusals = refusals
        super().__init__("; ".join(r.message for r in refusals))
