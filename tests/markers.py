"""Keeps the `engine` marker honest (a plugin of tests/conftest.py).

`pytest -m "not engine and not slow"` is the fast subset: it must run on a machine
without the Pulumi CLI. So a test that starts the CLI for anything but its help, itself
or through `scripts/pulumi` or the Automation API, fails at that moment unless it is
marked `engine` (`pytestmark = pytest.mark.engine` in its module, or on the test).
tests/test_markers.py checks the same statically, for what a subprocess cannot show
(a shell session that runs `scripts/pulumi` for a document).

An unmarked test also runs as on a machine without the CLI where the code asks for it
by itself: `diff` then compares no engine reading (components/stackfile/cli_config.py).
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Generator, Sequence
from typing import Any

import pytest

MARKER = "engine"
HELP = frozenset({"--help", "-h", "help", "--version", "version"})
_running: list[pytest.Item] = []


def starts_the_engine(args: str | bytes | os.PathLike[str] | Sequence[Any]) -> bool:
    """Whether a process started with `args` runs the Pulumi CLI (or scripts/pulumi)
    for more than its help or version."""
    if isinstance(args, str | bytes):
        words = shlex.split(os.fsdecode(args), posix=True) if isinstance(args, str) else [os.fsdecode(args)]
    elif isinstance(args, os.PathLike):
        words = [os.fspath(args)]
    else:
        words = [os.fsdecode(a) if isinstance(a, bytes) else str(a) for a in args]
    for i, word in enumerate(words):
        if os.path.basename(word) == "pulumi" and (i == 0 or words[i - 1] in ("&&", ";", "||", "exec")):
            return not HELP & set(words[i + 1 :])
    return False


def _guarded_init(real: Any) -> Any:
    def init(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        item = _running[-1] if _running else None
        if item is not None and item.get_closest_marker(MARKER) is None and starts_the_engine(args):
            raise AssertionError(
                f"{item.nodeid} starts the Pulumi engine ({args!r}) but is not marked `{MARKER}`: add "
                f"`pytestmark = pytest.mark.{MARKER}` to its module (docs/testing.md, the fast subset)"
            )
        real(self, args, *rest, **kwargs)

    return init


def pytest_configure(config: pytest.Config) -> None:
    subprocess.Popen.__init__ = _guarded_init(subprocess.Popen.__init__)  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _no_cli_unless_engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker(MARKER) is None:
        monkeypatch.setattr("components.stackfile.cli_config.engine_cli", lambda: None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    # Setup included: a module's fixture that deploys runs within its first test's setup.
    _running.append(item)
    try:
        yield
    finally:
        _running.pop()
