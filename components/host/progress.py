"""What the host engine says while it works, for the person watching `pulumi up`.

The provider's own output (stdout, stderr) never reaches the person: the engine keeps a
plugin's stderr for its debug log. The engine shows what a provider sends it as a log
message for the resource at work; an `ephemeral` one is the resource's status while it
works: the text beside its row in a terminal, a line of its own in a log (`up
--non-interactive`, CI). Nothing of it goes to the run's Diagnostics: the program's
summary there (what was written, the activation's last lines) is the record. The
dynamic provider's process
installs a `Reporter` factory that does this (scripts/engine/engine_log.py); anywhere
else (tests, the `nixedge` commands) the default says nothing.

`reporter()` must be called in the thread serving the engine's request: that is where
the factory learns which resource is at work. The reporter it returns may then be used
from any thread (the activation's output is read in one of its own).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class Reporter(Protocol):
    def status(self, message: str) -> None:
        """A passing line: the resource's status while it works."""


class Silent:
    """Says nothing: outside the provider process."""

    def status(self, message: str) -> None:
        pass


_factory: Callable[[], Reporter] = Silent


def install(factory: Callable[[], Reporter]) -> None:
    """Make `reporter()` return what `factory` makes (the provider process does this)."""
    global _factory
    _factory = factory


def reporter() -> Reporter:
    """The reporter for the resource whose request this thread serves."""
    return _factory()
