"""The activation's output reaches the person while it runs (components/host/streaming.py,
components/host/progress.py): a line when it starts, each line as it is printed, its
duration when it ends; the whole output still in the result. Under the real engine:
tests/test_progress_engine.py."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from components.errors import ActivationError
from components.host import progress
from components.host.apply import apply
from components.host.local import LocalTransport
from components.host.plan import Activation, Desired
from components.host.streaming import MAX_LINE, run_streaming
from components.model.module_paths import INDEX
from components.nixos.layout import index_module


class Recorder:
    def __init__(self) -> None:
        self.statuses: list[str] = []

    def status(self, message: str) -> None:
        self.statuses.append(message)


@pytest.fixture
def said() -> Iterator[Recorder]:
    recorder = Recorder()
    progress.install(lambda: recorder)
    try:
        yield recorder
    finally:
        progress.install(progress.Silent)


def test_each_line_arrives_while_the_command_still_runs(tmp_path: Path) -> None:
    # The command prints a line, then waits for a file the test writes only after it
    # received that line: it finishes only if the line came through before it ended.
    go = tmp_path / "go"
    script = f'echo first; while [ ! -e "{go}" ]; do sleep 0.05; done; echo second'
    lines: list[str] = []

    def on_line(line: str) -> None:
        lines.append(line)
        if line == "first":
            go.write_text("")

    result = run_streaming(["sh", "-c", script], timeout=60, on_line=on_line)
    assert result.exit_code == 0
    assert lines == ["first", "second"]
    assert result.output == "first\nsecond\n"


def test_stderr_comes_in_order_with_stdout_and_the_exit_code_is_kept() -> None:
    lines: list[str] = []
    result = run_streaming(["sh", "-c", "echo out; echo err >&2; exit 3"], timeout=60, on_line=lines.append)
    assert (result.exit_code, lines) == (3, ["out", "err"])


def test_a_timeout_kills_and_keeps_what_was_printed() -> None:
    with pytest.raises(subprocess.TimeoutExpired) as caught:
        run_streaming(["sh", "-c", "echo started; exec sleep 30"], timeout=1, on_line=None)
    assert caught.value.output == b"started\n"


def test_a_child_left_holding_the_output_does_not_hold_the_run() -> None:
    # `sleep 30 &` keeps the pipe open after the command itself exited.
    result = run_streaming(["sh", "-c", "echo done; sleep 30 &"], timeout=2)
    assert (result.exit_code, result.output) == (0, "done\n")


def test_a_failing_display_does_not_fail_the_command() -> None:
    def broken(line: str) -> None:
        raise RuntimeError("display gone")

    result = run_streaming(["sh", "-c", "echo a; echo b"], timeout=60, on_line=broken)
    assert (result.exit_code, result.output) == (0, "a\nb\n")


def test_a_long_line_is_cut_for_the_display_only() -> None:
    lines: list[str] = []
    code = f"print('x' * {MAX_LINE * 2})"
    result = run_streaming([sys.executable, "-c", code], timeout=60, on_line=lines.append)
    assert [len(line) for line in lines] == [MAX_LINE]
    assert len(result.output) == MAX_LINE * 2 + 1


def test_local_run_streams_and_names_a_missing_command(tmp_path: Path) -> None:
    lines: list[str] = []
    result = LocalTransport().run(["sh", "-c", "pwd"], 60, cwd=str(tmp_path), on_line=lines.append)
    assert lines == [str(tmp_path)]
    assert result.output == f"{tmp_path}\n"
    missing = LocalTransport().run(["/nonexistent/nixos-rebuild"], 60, on_line=lines.append)
    assert (missing.exit_code, missing.output) == (127, "/nonexistent/nixos-rebuild: command not found")
    slow = LocalTransport().run(["sh", "-c", "echo begun; exec sleep 30"], 1)
    assert slow.exit_code == 124 and slow.output.startswith("begun\n") and "killed after 1 s" in slow.output


def _desired(root: Path, command: list[str], rollback: list[str] | None = None) -> Desired:
    modules = {"containers/a.nix": "{ a = 1; }\n"}
    return Desired(
        host="seminar",
        root=str(root),
        files={**modules, INDEX: index_module("seminar", modules)},
        activation=Activation(command=tuple(command), rollback=tuple(rollback or ())),
    )


def test_an_activation_says_when_it_starts_each_line_and_how_long_it_took(tmp_path: Path, said: Recorder) -> None:
    script = "echo building the system configuration...; echo activating the configuration...; echo done"
    report = apply(LocalTransport(), _desired(tmp_path / "nixedge", ["sh", "-c", script]), (), ())
    assert report.ran
    start, *lines, end = said.statuses
    assert start == f"seminar: activating (2 modules changed): `sh -c '{script}'`"
    assert lines == ["building the system configuration...", "activating the configuration...", "done"]
    assert re.fullmatch(r"seminar: activated in \d+ s", end), end


def test_a_failed_activation_says_so_and_streams_the_rollback(tmp_path: Path, said: Recorder) -> None:
    desired = _desired(tmp_path / "nixedge", ["sh", "-c", "echo broken; exit 4"], ["sh", "-c", "echo rolling back"])
    with pytest.raises(ActivationError):
        apply(LocalTransport(), desired, (), ())
    start, broken, failed, rolling = said.statuses
    assert start.startswith("seminar: activating (2 modules changed): ")
    assert (broken, rolling) == ("broken", "rolling back")
    assert re.fullmatch(r"seminar: `sh -c 'echo broken; exit 4'` failed after \d+ s \(exit 4\); restoring", failed)


def test_a_changed_secret_alone_is_named_as_the_reason(tmp_path: Path, said: Recorder) -> None:
    root = tmp_path / "nixedge"
    desired = _desired(root, ["true"])
    apply(LocalTransport(), desired, (), ())
    secret = str(tmp_path / "secrets" / "token")
    again = replace(desired, secrets={secret: "v2"})
    apply(LocalTransport(), again, desired.files.keys(), ())
    assert said.statuses[-2] == "seminar: activating (1 secret changed): `true`"


def test_without_a_provider_process_nothing_is_said(tmp_path: Path) -> None:
    assert isinstance(progress.reporter(), progress.Silent)
    report = apply(LocalTransport(), _desired(tmp_path / "nixedge", ["sh", "-c", "echo quiet"]), (), ())
    assert report.output == "quiet"


def test_a_reporter_is_usable_from_the_reading_thread(tmp_path: Path) -> None:
    threads: list[str] = []
    progress.install(lambda: _ThreadNoting(threads))
    try:
        apply(LocalTransport(), _desired(tmp_path / "nixedge", ["sh", "-c", "echo x"]), (), ())
    finally:
        progress.install(progress.Silent)
    assert threading.current_thread().name in threads and len(set(threads)) == 2


class _ThreadNoting:
    def __init__(self, threads: list[str]) -> None:
        self._threads = threads

    def status(self, message: str) -> None:
        self._threads.append(threading.current_thread().name)


# -- what the update did, in words (components/host/summary.py) ------------------------------


@pytest.mark.parametrize(
    ("changed", "removed", "said"),
    [
        (["a.nix", "default.nix"], [], "wrote 2 module(s) (a.nix, default.nix)"),
        (["containers/kuma.nix", "containers/uptime.nix", "default.nix"], ["containers/uptime.nix"],
         "wrote 2 module(s) (containers/kuma.nix, default.nix), removed 1 (containers/uptime.nix)"),
        (["containers/vault.nix"], ["containers/vault.nix"], "removed 1 module(s) (containers/vault.nix)"),
        (["a.nix"], None, "changed 1 module(s) (a.nix)"),  # a state from before `removed` was kept
        ([], [], "changed no module"),
    ],
)  # fmt: skip
def test_written_and_removed_modules_are_said_apart(changed: list[str], removed: list[str] | None, said: str) -> None:
    from components.host.summary import modules_changed

    assert modules_changed(changed, removed) == said
    assert modules_changed(changed, removed, names=False) == re.sub(r" \([^)]*\)", "", said)


def test_the_report_names_the_removed_modules(tmp_path: Path) -> None:
    root = tmp_path / "nixedge"
    first = _desired(root, [])
    apply(LocalTransport(), first, (), ())
    fewer = replace(first, files={INDEX: index_module("seminar", {})})
    report = apply(LocalTransport(), fewer, first.files.keys(), ())
    assert report.removed == ["containers/a.nix"]
    assert sorted(report.changed) == ["containers/a.nix", INDEX]
