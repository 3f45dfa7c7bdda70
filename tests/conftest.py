"""Shared fixtures: the OpenSSH server (tests.sshd) and the real Pulumi engine.

Engine tests drive the CLI in `.venv/bin` (built by scripts/setup) through the
Automation API with inline programs and a local file backend in tmp_path; they are
skipped when the CLI is missing. The dynamic provider process runs in the stack's work
directory (a tmp dir), so `PYTHONPATH=<repo>` makes `components.host.provider`
importable there.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest

from components.model.claims import OriginCheck

if TYPE_CHECKING:  # imported lazily at run time: pulumi.automation costs ~0.5 s
    from pulumi import automation as auto

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # plain `pytest` as well as `python -m pytest`

pytest_plugins = ["tests.sshd", "tests.s3server", "tests.markers"]

VENV_BIN = REPO / ".venv" / "bin"
PROJECT = "nixedge-test"


@dataclass
class Engine:
    """One local backend and work directory; `stack()` gives Automation API stacks."""

    work_dir: Path
    backend: Path
    env: dict[str, str]

    def stack(self, program: Callable[[], None], name: str = "test") -> auto.Stack:
        from pulumi import automation as auto

        return auto.create_or_select_stack(
            stack_name=name,
            project_name=PROJECT,
            program=program,
            opts=auto.LocalWorkspaceOptions(
                work_dir=str(self.work_dir),
                env_vars=self.env,
                pulumi_command=_pulumi_command(),
                # `main` is the program directory: the engine starts the
                # provider there, so relative local targets resolve inside it.
                project_settings=auto.ProjectSettings(name=PROJECT, runtime="python", main=str(self.work_dir)),
            ),
        )

    def state_text(self) -> str:
        """Every file of the backend (state, history, backups), as one text."""
        return "\n".join(p.read_text(errors="replace") for p in self.backend.rglob("*") if p.is_file())


@functools.cache
def _pulumi_command() -> auto.PulumiCommand:
    """The CLI in .venv/bin (asked for its version once per session)."""
    from pulumi import automation as auto

    return auto.PulumiCommand(root=str(VENV_BIN.parent), skip_version_check=True)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    """A fresh file backend and program directory for one test."""
    if not (VENV_BIN / "pulumi").exists() or not (VENV_BIN / "pulumi-resource-pulumi-python").exists():
        pytest.skip("no Pulumi CLI in .venv/bin: run scripts/setup")
    work_dir = tmp_path / "program"
    backend = tmp_path / "state"
    work_dir.mkdir()
    backend.mkdir()
    env = {
        "PULUMI_BACKEND_URL": f"file://{backend}",
        "PULUMI_CONFIG_PASSPHRASE": "test",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        # The provider process runs in work_dir; it must import components.host.provider.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    return Engine(work_dir=work_dir, backend=backend, env=env)


@dataclass
class HostSpec:
    """Arguments of one HostModules resource; tests mutate it between engine runs."""

    target: dict[str, object]
    files: dict[str, str]
    secrets: dict[str, str] = field(default_factory=dict)
    activation: dict[str, object] = field(default_factory=lambda: {"command": [], "rollback": []})
    checks: list[OriginCheck] = field(default_factory=list)
    host: str = "seminar"

    def program(self) -> Callable[[], None]:
        """An inline Pulumi program declaring `<host>-modules` from this spec, as it is
        at the time the engine runs it."""

        def program() -> None:
            import pulumi

            from components.host.resources import HostModules

            modules = HostModules(
                f"{self.host}-modules",
                host=self.host,
                target=dict(self.target),
                files=dict(self.files),
                secrets={p: pulumi.Output.secret(v) for p, v in self.secrets.items()},
                activation=dict(self.activation),
                checks=list(self.checks),
            )
            pulumi.export("hashes", modules.hashes)
            pulumi.export("activation", modules.activation)
            pulumi.export("path", modules.path)

        return program


@pytest.fixture(autouse=True)
def one_update_per_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the host provider saw of "this update" (components/host/outcomes.py,
    rollout.py) starts empty in each test, as in a new provider process: a host another
    test deployed must not show in this test's failure messages, whatever the order the
    tests run in (mutmut runs them in its own)."""
    from components.host import outcomes, rollout

    monkeypatch.setattr(outcomes, "_deployed", [])
    monkeypatch.setattr(rollout, "_started", set())
    monkeypatch.setattr(rollout, "_failed", {})


@pytest.fixture
def listener() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts TCP connections while the test runs."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (free when this returns)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def recording_command(directory: Path, name: str, log: Path, exit_code: int = 0) -> list[str]:
    """A command (a shell script in `directory`) that appends `name` to `log`, prints two
    lines and exits with `exit_code`: counts activations and rollbacks."""
    script = directory / f"{name}.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'echo {name} >> "{log}"\n'
        f'echo "{name}: building the system configuration..."\n'
        f'echo "{name}: exit {exit_code}"\n'
        f"exit {exit_code}\n"
    )
    script.chmod(0o755)
    return [str(script)]


_Text = TypeVar("_Text", str, bytes)


def log_lines(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


def without_failed_record(tree: dict[str, _Text]) -> dict[str, _Text]:
    """A module directory's files without the failed-activation record, which must be
    there (components.host.manifest.FAILED: what `nixedge status` reads of a failed,
    undone activation)."""
    from components.host.manifest import FAILED

    rest = dict(tree)
    assert json.loads(rest.pop(FAILED))["activation"] == "failed", tree
    return rest
