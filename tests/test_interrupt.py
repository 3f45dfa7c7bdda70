"""Ctrl-C, as a terminal sends it (SIGINT to the whole process group), ends
`scripts/pulumi`'s jobs and the `nixedge` commands with one line and exit code 130, no
Python traceback; `nixedge destroy` and `status` first wait for the `scripts/pulumi`
they run to stop by itself.

Each process waits at a known point until the test signals it (a stubbed job that
sleeps, a stub `scripts/pulumi` that writes a file): no timing depends on the machine.
"""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

from components.__main__ import INTERRUPTED as NIXEDGE_INTERRUPTED
from scripts.wrapper.main import INTERRUPTED as WRAPPER_INTERRUPTED
from tests.paths import REPO

DEADLINE = 60.0  # only for a process that never gets there; the tests wait for events

# A stub `scripts/pulumi`: `stack export` prints an empty state unless STUB_BLOCK names
# it; the blocked command says it is running, and on SIGINT says so and stops only when
# the test creates `release` (as pulumi finishes its cancellation in its own time).
STUB = """#!/usr/bin/env bash
if [ "$1" != "$STUB_BLOCK" ]; then echo '{}'; exit 0; fi
trap 'touch got-int; while [ ! -e release ]; do sleep 0.02; done; touch finished; exit 130' INT
touch ready
while :; do sleep 0.02; done
"""


def wait_for(path: Path, proc: subprocess.Popen[str]) -> None:
    end = time.monotonic() + DEADLINE
    while not path.exists():
        assert proc.poll() is None, f"exited ({proc.returncode}) before {path.name}: {proc.communicate()}"
        assert time.monotonic() < end, f"no {path.name} after {DEADLINE} s"
        time.sleep(0.02)


def start(argv: list[str], cwd: Path, **env: str) -> subprocess.Popen[str]:
    """`argv` as the leader of its own process group, as a shell starts a job."""
    return subprocess.Popen(
        argv,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_wrapper_interrupted_before_the_cli_says_one_line(tmp_path: Path) -> None:
    # The wrapper's first job sleeps (as a slow import would) after saying so.
    code = (
        "import runpy, sys, time\n"
        "from scripts.wrapper import backend\n"
        "def slow(env):\n"
        "    open('ready', 'w').close()\n"
        "    time.sleep(600)\n"
        "backend.environment = slow\n"
        f"sys.argv = [{str(REPO / 'scripts/wrapper/main.py')!r}, 'preview', '--stack', 'dev']\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    )
    proc = start([sys.executable, "-c", code], tmp_path)
    wait_for(tmp_path / "ready", proc)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=DEADLINE)
    assert (proc.returncode, err, out) == (130, WRAPPER_INTERRUPTED + "\n", "")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A checkout where `nixedge` finds the stub as its scripts/pulumi (next to its own
    components/, as it finds the real one)."""
    for part in ("components", "stacks"):
        shutil.copytree(REPO / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    stub = tmp_path / "scripts" / "pulumi"
    stub.parent.mkdir()
    stub.write_text(STUB, encoding="utf-8")
    stub.chmod(0o755)
    return tmp_path


@pytest.mark.parametrize(
    ("command", "blocked"),
    [
        (["destroy", "--stack", "dev", "--yes"], "destroy"),
        (["status", "--config", str(REPO / "stacks" / "Pulumi.dev.yaml")], "stack"),
    ],
)
def test_nixedge_waits_for_scripts_pulumi_then_says_one_line(checkout: Path, command: list[str], blocked: str) -> None:
    proc = start([sys.executable, "-m", "components", *command], checkout, STUB_BLOCK=blocked, PYTHONPATH=str(checkout))
    wait_for(checkout / "ready", proc)
    os.killpg(proc.pid, signal.SIGINT)
    wait_for(checkout / "got-int", proc)
    # The child is still cancelling: nixedge must not exit (nor kill it) meanwhile.
    with pytest.raises(subprocess.TimeoutExpired):
        proc.wait(timeout=1)
    (checkout / "release").touch()
    out, err = proc.communicate(timeout=DEADLINE)
    assert (checkout / "finished").exists()
    assert (proc.returncode, err) == (130, NIXEDGE_INTERRUPTED + "\n")
    assert "Traceback" not in out


def test_nixedge_interrupted_during_a_command_says_one_line(tmp_path: Path) -> None:
    code = (
        "import sys, time\n"
        "from components import __main__ as nixedge\n"
        "from components.commands import check\n"
        "def slow(args):\n"
        "    open('ready', 'w').close()\n"
        "    time.sleep(600)\n"
        "check.run = slow\n"
        "sys.exit(nixedge.main(['check', '--stack', 'dev']))\n"
    )
    proc = start([sys.executable, "-c", code], tmp_path)
    wait_for(tmp_path / "ready", proc)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=DEADLINE)
    assert (proc.returncode, err, out) == (130, NIXEDGE_INTERRUPTED + "\n", "")


class _Log:
    def __init__(self) -> None:
        self.said: list[tuple[str, str]] = []

    def __getattr__(self, level: str) -> Callable[[str], None]:
        return lambda message: self.said.append((level, message))


def run_host(monkeypatch: pytest.MonkeyPatch, failure: BaseException, interrupted: bool) -> list[tuple[str, str]]:
    """The language host's `run_stack` over a program that fails with `failure`, after a
    SIGINT reached the host when `interrupted`; what it logged to the engine."""
    monkeypatch.syspath_prepend(str(REPO / "scripts" / "engine"))
    host = importlib.import_module("pulumi_language_python")
    from pulumi.runtime.proto import language_pb2

    log = _Log()

    async def in_stack(program: Callable[[], None]) -> None:
        program()

    def program() -> None:
        if interrupted:
            os.kill(os.getpid(), signal.SIGINT)  # as the terminal does; the host's handler takes it
        raise failure

    monkeypatch.setattr(host, "reset_options", lambda **_: None)
    monkeypatch.setattr(host, "run_in_stack", in_stack)
    monkeypatch.setattr(host, "log", log)
    monkeypatch.setattr(host, "STOPPING", threading.Event())
    previous = signal.signal(signal.SIGINT, lambda *_: host.STOPPING.set())
    try:
        response = host.run_stack(language_pb2.RunRequest(parallel=1), "", program)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert response.bail
    return log.said


def test_language_host_keeps_a_failure_after_sigint_out_of_the_output(monkeypatch: pytest.MonkeyPatch) -> None:
    failure = RuntimeError("cannot schedule new futures after shutdown")
    said = run_host(monkeypatch, failure, interrupted=True)
    assert [level for level, _ in said] == ["debug"], said


class _Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self) -> None:
        self.logs: list[engine_pb2.LogRequest] = []

    def Log(self, request: engine_pb2.LogRequest, context: grpc.ServicerContext) -> empty_pb2.Empty:
        self.logs.append(request)
        return empty_pb2.Empty()


def test_language_host_tells_the_engine_it_was_interrupted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(REPO / "scripts" / "engine"))
    host = importlib.import_module("pulumi_language_python")
    engine = _Engine()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    engine_pb2_grpc.add_EngineServicer_to_server(engine, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        host.say_interrupted(f"127.0.0.1:{port}")
    finally:
        server.stop(grace=None)
    assert [(log.severity, log.message) for log in engine.logs] == [
        (engine_pb2.WARNING, "the program stopped: the run was interrupted (SIGINT)")
    ]


@pytest.mark.parametrize("address", ["", "127.0.0.1:1"], ids=["no-address", "nobody-listening"])
def test_language_host_without_an_engine_says_it_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], address: str
) -> None:
    monkeypatch.syspath_prepend(str(REPO / "scripts" / "engine"))
    host = importlib.import_module("pulumi_language_python")
    host.say_interrupted(address)
    assert capsys.readouterr().err == "the program stopped: the run was interrupted (SIGINT)\n"


def test_language_host_reports_the_same_failure_without_sigint_in_full(monkeypatch: pytest.MonkeyPatch) -> None:
    failure = RuntimeError("cannot schedule new futures after shutdown")
    [(level, message)] = run_host(monkeypatch, failure, interrupted=False)
    assert level == "error" and "Traceback" in message and str(failure) in message
