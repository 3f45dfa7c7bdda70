"""Tests written for the survivors of the mutation run in the state check of
`scripts/pulumi` (scripts/state/, docs/testing.md "Mutation testing"): what the check says
and leaves on disk for each torn file of a local backend, built by hand as a kill leaves
it (tests/test_pulumi_state.py builds the same under the real engine, marked slow).
"""

from __future__ import annotations

import datetime
import gzip
import json
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts.state import check as check_module
from scripts.state import files, machine, pending, run
from scripts.state.check import Check

STACKS = Path(".pulumi") / "stacks" / "nixedge"
CHECKPOINT = b'{"version": 3}'
# What fileblob writes beside CHECKPOINT: its md5, sniffed as text.
CHECKPOINT_ATTRS = (
    '{"user.cache_control":"","user.content_disposition":"","user.content_encoding":"",'
    '"user.content_language":"","user.content_type":"text/plain; charset=utf-8","user.metadata":null,'
    '"md5":"yIZccQFoWD3MO8TNidxqIA=="}\n'
)


def tmp_name(path: Path, ns: int | None = None) -> Path:
    """A temporary file as the backend names it: `<file>.<hex ns>.tmp`."""
    return path.with_name(f"{path.name}.{time.time_ns() if ns is None else ns:x}.tmp")


def backend(root: Path, stack: str = "s") -> Path:
    stacks = root / STACKS
    stacks.mkdir(parents=True)
    (stacks / f"{stack}.json").write_bytes(CHECKPOINT)
    (stacks / f"{stack}.json.attrs").write_text(CHECKPOINT_ATTRS)
    return stacks


def checked(root: Path, stack: str | None = "s", command: str = "up") -> Check:
    check = Check(root, stack, command)
    check.run()
    return check


# -- the sidecar the check writes is the one the backend would (files.attrs_text) -------------


def test_an_empty_sidecar_is_rewritten_as_the_backend_writes_it(tmp_path: Path) -> None:
    stacks = backend(tmp_path)
    (stacks / "s.json.attrs").write_bytes(b"")
    check = checked(tmp_path)
    assert check.said == [
        (
            "rewrote .pulumi/stacks/nixedge/s.json.attrs, which a killed write had left empty "
            "(.pulumi/stacks/nixedge/s.json is intact)"
        )
    ]
    assert (stacks / "s.json.attrs").read_text() == CHECKPOINT_ATTRS
    assert sorted(p.name for p in stacks.iterdir()) == ["s.json", "s.json.attrs"]  # no repair file left


def test_a_cut_sidecar_of_a_gzipped_checkpoint_says_gzip(tmp_path: Path) -> None:
    stacks = tmp_path / STACKS
    stacks.mkdir(parents=True)
    data = gzip.compress(b"{}", mtime=0)
    (stacks / "s.json.gz").write_bytes(data)
    (stacks / "s.json.gz.attrs").write_text('{"md5":')
    check = checked(tmp_path)
    assert check.said == [
        (
            "rewrote .pulumi/stacks/nixedge/s.json.gz.attrs, which a killed write had left cut "
            "(.pulumi/stacks/nixedge/s.json.gz is intact)"
        )
    ]
    attrs = json.loads((stacks / "s.json.gz.attrs").read_text())
    assert attrs["user.content_type"] == "application/x-gzip"
    assert attrs["md5"] == "dSlG9j1xnbqhonMHEiq4Dw=="


def test_the_sidecar_of_a_file_that_is_gone_is_removed(tmp_path: Path) -> None:
    stacks = backend(tmp_path)
    (stacks / "s.json").unlink()
    check = checked(tmp_path)
    assert check.said == [
        (
            "removed .pulumi/stacks/nixedge/s.json.attrs, the sidecar of a file that is not there "
            "(a killed write or deletion)"
        )
    ]
    assert list(stacks.iterdir()) == []


# -- whole or cut, by kind (files.valid) ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "whole"),
    [
        ("s.json", b'{"a": 1}', True),
        ("s.json", b'{"a": ', False),
        ("s.json", b"[1]", False),  # a checkpoint is an object
        ("s.json.bak", b'{"a": 1}', True),
        ("s.json.bak", b'{"a"', False),
        ("s.json.gz", gzip.compress(b'{"a": 1}'), True),
        ("s.json.gz", gzip.compress(b'{"a": 1}')[:12], False),
        ("s.json.gz", b"not gzip", False),
        ("Pulumi.s.yaml", b"config: {}\n", True),
        ("Pulumi.s.yaml", b"config: [\n", False),
        ("Pulumi.s.yaml", b"- a\n", False),
        ("meta.txt", b"anything", None),
    ],
)
def test_a_file_is_whole_or_cut_by_its_kind(tmp_path: Path, name: str, data: bytes, whole: bool | None) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert files.valid(path) is whole
    tmp = tmp_name(path)
    path.rename(tmp)
    assert files.valid(tmp) is whole, "a `.tmp` is judged by the name it will take"


def test_an_unreadable_file_is_of_no_known_kind(tmp_path: Path) -> None:
    assert files.valid(tmp_path / "gone.json") is None


# -- which stack a file belongs to (files.stack_of, is_checkpoint) ----------------------------


@pytest.mark.parametrize(
    ("rel", "stack"),
    [
        ("stacks/nixedge/dev.json", "dev"),
        ("stacks/nixedge/dev.json.gz", "dev"),
        ("stacks/nixedge/dev.json.bak", "dev"),
        ("stacks/nixedge/dev.json.gz.bak", "dev"),
        ("stacks/nixedge/dev.json.torn-20260101T000000Z", "dev"),
        ("stacks/nixedge/dev.json.1a2b.tmp", "dev"),
        ("stacks/dev.json", "dev"),  # a backend without projects
        ("history/nixedge/dev/dev-1.history.json", "dev"),
        ("backups/nixedge/dev/dev.1.json", "dev"),
        ("locks/organization/nixedge/dev/x.json", "dev"),
        ("meta.yaml", None),
        ("history/dev.json", None),
        ("stacks", None),
    ],
)
def test_the_stack_of_a_backend_file(tmp_path: Path, rel: str, stack: str | None) -> None:
    assert files.stack_of(tmp_path, tmp_path / rel) == stack


@pytest.mark.parametrize(
    ("rel", "checkpoint"),
    [
        ("stacks/nixedge/dev.json", True),
        ("stacks/nixedge/dev.json.gz", True),
        ("stacks/nixedge/dev.json.bak", False),
        ("history/nixedge/dev/dev-1.checkpoint.json", False),
        ("backups/nixedge/dev/dev.1.json", False),
    ],
)
def test_only_a_stacks_own_file_is_its_checkpoint(tmp_path: Path, rel: str, checkpoint: bool) -> None:
    assert files.is_checkpoint(tmp_path, tmp_path / rel) is checkpoint


def test_a_file_written_atomically_replaces_the_old_and_leaves_nothing_beside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "s.json"
    target.write_bytes(b"old")
    seen: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:  # the moment the new content is whole, before the rename
        seen.extend(p.name for p in tmp_path.iterdir() if p.name != "s.json")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    files.write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]
    # Beside its file while written, named `*.attrs` so that the backend's listing skips it.
    assert len(seen) == 1 and seen[0].startswith(".s.json.") and seen[0].endswith(".repair.attrs"), seen


def test_a_repair_works_with_tmpdir_on_another_file_system(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert os.stat("/dev/shm").st_dev != os.stat(tmp_path).st_dev
    monkeypatch.setattr(tempfile, "tempdir", "/dev/shm")
    target = tmp_path / "s.json"
    files.write_atomically(target, b"new")
    assert target.read_bytes() == b"new"


# -- torn writes (torn.repair, finish_write, restore, backups) --------------------------------


def test_a_complete_newer_tmp_finishes_the_write_and_an_older_cut_one_is_removed(tmp_path: Path) -> None:
    stacks = backend(tmp_path)
    mtime = (stacks / "s.json").stat().st_mtime_ns
    cut = tmp_name(stacks / "s.json", mtime - 10)
    cut.write_bytes(b'{"ver')
    newer = tmp_name(stacks / "s.json", mtime + 10**9)
    newer.write_bytes(b'{"version": 4}')
    check = checked(tmp_path)
    assert check.said == [
        (
            "finished the interrupted write of .pulumi/stacks/nixedge/s.json "
            f"(its new content was complete in {newer.name})"
        ),
        (
            f"removed .pulumi/stacks/nixedge/{cut.name}, a cut copy that a killed run never put in place "
            "(.pulumi/stacks/nixedge/s.json is its last complete version)"
        ),
    ]
    assert (stacks / "s.json").read_bytes() == b'{"version": 4}'
    assert json.loads((stacks / "s.json.attrs").read_text())["md5"] != "yIZccQFoWD3MO8TNidxqIA=="
    assert sorted(p.name for p in stacks.iterdir()) == ["s.json", "s.json.attrs"]


def test_a_complete_tmp_older_than_the_file_is_removed_not_put_in_place(tmp_path: Path) -> None:
    stacks = backend(tmp_path)
    older = tmp_name(stacks / "s.json", (stacks / "s.json").stat().st_mtime_ns - 10**9)
    older.write_bytes(b'{"version": 2}')
    check = checked(tmp_path)
    assert check.said == [
        (
            f"removed .pulumi/stacks/nixedge/{older.name}, an older copy that a killed run never put in place "
            "(.pulumi/stacks/nixedge/s.json is its last complete version)"
        )
    ]
    assert (stacks / "s.json").read_bytes() == CHECKPOINT


@pytest.fixture
def far_east() -> Iterator[None]:
    """A local time zone nine hours from UTC, for this test only."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.usefixtures("far_east")
def test_a_cut_checkpoint_is_restored_from_its_bak_and_kept_beside(tmp_path: Path) -> None:
    stacks = backend(tmp_path)
    (stacks / "s.json").write_bytes(b'{"vers')
    (stacks / "s.json.bak").write_bytes(CHECKPOINT)
    check = checked(tmp_path)
    [line] = check.said
    torn = next(p for p in stacks.iterdir() if p.name.startswith("s.json.torn-"))
    assert line == (
        f".pulumi/stacks/nixedge/s.json was cut off: restored it from s.json.bak, the checkpoint one step "
        f"before (the cut file is kept as {torn.name}); an operation of that last step, if any, shows as "
        "pending and runs again"
    )
    assert (stacks / "s.json").read_bytes() == CHECKPOINT and torn.read_bytes() == b'{"vers'
    assert (stacks / "s.json.attrs").read_text() == CHECKPOINT_ATTRS
    assert check.stops == []
    stamp = datetime.datetime.strptime(torn.name, "s.json.torn-%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
    assert abs((datetime.datetime.now(datetime.UTC) - stamp).total_seconds()) < 120  # UTC, not Tokyo's time


def test_a_cut_checkpoint_and_bak_name_the_newest_intact_backup(tmp_path: Path) -> None:
    stacks = backend(tmp_path)
    (stacks / "s.json").write_bytes(b'{"vers')
    (stacks / "s.json.bak").write_bytes(b'{"ve')
    kept = tmp_path / ".pulumi" / "backups" / "nixedge" / "s"
    kept.mkdir(parents=True)
    for stamp, data in [(100, CHECKPOINT), (900, CHECKPOINT), (1000, b"{cut")]:
        (kept / f"s.{stamp}.json").write_bytes(data)
    (kept / "s.900.json.attrs").write_text(CHECKPOINT_ATTRS)
    check = checked(tmp_path)
    target = tmp_path / STACKS / "s.json"
    assert check.stops == [
        (
            ".pulumi/stacks/nixedge/s.json is cut off and s.json.bak is not intact either. The newest intact "
            "backup is .pulumi/backups/nixedge/s/s.900.json (taken at the start of an update); to use it, run: "
            f"cp {kept / 's.900.json'} {target} && rm -f {target}.attrs && scripts/pulumi refresh --stack s --yes"
        )
    ]
    assert (stacks / "s.json").read_bytes() == b'{"vers'


def test_a_cut_checkpoint_without_any_intact_copy_says_import(tmp_path: Path) -> None:
    stacks = backend(tmp_path)
    (stacks / "s.json").write_bytes(b'{"vers')
    assert checked(tmp_path).stops == [
        (
            ".pulumi/stacks/nixedge/s.json is cut off and s.json.bak is not intact either. No intact backup is "
            "left: rebuild the state from the host with `scripts/pulumi import`."
        )
    ]


# -- locks (check.locks, lock; machine.holder) ------------------------------------------------


def lock_file(root: Path, stack: str, **fields: Any) -> Path:
    lock = root / ".pulumi" / "locks" / "organization" / "nixedge" / stack / "x.json"
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps(fields))
    return lock


def gone_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_the_lock_of_a_process_gone_is_removed_with_its_sidecar_and_the_stack_repaired(tmp_path: Path) -> None:
    stacks = backend(tmp_path)
    (stacks / "s.json.attrs").write_bytes(b"")
    stamp = datetime.datetime.now(datetime.UTC).isoformat()
    pid = gone_pid()
    lock = lock_file(tmp_path, "s", pid=pid, username="ana", hostname=socket.gethostname(), timestamp=stamp)
    lock.with_name("x.json.attrs").write_text("{}")
    check = checked(tmp_path)
    assert check.said[0] == (
        f"removed the lock of stack s left by ana@{socket.gethostname()} (pid {pid}) at {stamp}: "
        "no such process on this machine"
    )
    assert check.said[1].startswith("rewrote .pulumi/stacks/nixedge/s.json.attrs")
    assert not lock.parent.exists() or list(lock.parent.iterdir()) == []


def test_the_lock_of_a_process_gone_without_a_sidecar_is_removed(tmp_path: Path) -> None:
    stamp = datetime.datetime.now(datetime.UTC).isoformat()
    lock = lock_file(tmp_path, "s", pid=gone_pid(), username="ana", hostname=socket.gethostname(), timestamp=stamp)
    check = checked(tmp_path)
    assert len(check.said) == 1 and check.said[0].startswith("removed the lock of stack s left by ana@")
    assert not lock.exists()


def test_an_unreadable_lock_outside_a_stack_directory_names_no_stack(tmp_path: Path) -> None:
    lock = tmp_path / ".pulumi" / "locks" / "x.json"
    lock.parent.mkdir(parents=True)
    lock.write_text("{")
    assert checked(tmp_path).stops == [
        (
            "the lock .pulumi/locks/x.json of stack ? is unreadable; once no `pulumi` runs on the stack, run: "
            "scripts/pulumi cancel --stack ? --yes"
        )
    ]


def here(pid: int, taken: float) -> machine.Holder:
    stamp = datetime.datetime.fromtimestamp(taken, datetime.UTC).isoformat()
    return machine.Holder(pid, "root", socket.gethostname(), stamp)


def test_a_process_started_now_started_now() -> None:
    with subprocess.Popen(["sleep", "5"]) as proc:
        start = machine.started_at(proc.pid)
        proc.kill()
    assert start is not None and abs(start - time.time()) < 3


def test_a_live_process_is_the_holder_only_when_it_started_before_the_lock_within_a_second() -> None:
    start = machine.started_at(os.getpid())
    assert start is not None
    assert not here(os.getpid(), start).gone(), "taken as it started"
    assert not here(os.getpid(), start - 0.5).gone(), "clocks agree to a second"
    assert here(os.getpid(), start - 1.5).gone(), "the pid is a process that started after the lock"


@pytest.mark.parametrize(("started", "gone"), [(1_700_000_001.0, False), (1_700_000_001.5, True)])
def test_a_process_that_started_a_second_after_the_lock_may_still_hold_it(
    monkeypatch: pytest.MonkeyPatch, started: float, gone: bool
) -> None:
    """Clocks agree to a second: only a start more than a second after the lock is a reused pid."""
    monkeypatch.setattr(machine, "started_at", lambda pid: started)
    assert here(os.getpid(), 1_700_000_000.0).gone() is gone


@pytest.mark.parametrize(
    "content", ["{", '{"pid": 1}', '{"pid": "x", "username": "a", "hostname": "h", "timestamp": "t"}']
)
def test_an_unreadable_lock_stops_with_the_cancel_command_and_nothing_repaired(tmp_path: Path, content: str) -> None:
    stacks = backend(tmp_path)
    (stacks / "s.json.attrs").write_bytes(b"")
    lock = lock_file(tmp_path, "s")
    lock.write_text(content)
    check = checked(tmp_path)
    assert check.stops == [
        (
            "the lock .pulumi/locks/organization/nixedge/s/x.json of stack s is unreadable; once no `pulumi` runs "
            "on the stack, run: scripts/pulumi cancel --stack s --yes"
        )
    ]
    assert check.said == [] and (stacks / "s.json.attrs").read_bytes() == b""


def test_a_lock_of_another_stack_leaves_this_stack_repaired(tmp_path: Path) -> None:
    stacks = backend(tmp_path)
    (stacks / "s.json.attrs").write_bytes(b"")
    stamp = datetime.datetime.now(datetime.UTC).isoformat()
    lock_file(tmp_path, "other", pid=os.getpid(), username="a", hostname=socket.gethostname(), timestamp=stamp)
    check = checked(tmp_path)
    assert check.busy == {"other"}
    assert [line.split(",")[0] for line in check.said] == ["rewrote .pulumi/stacks/nixedge/s.json.attrs"]


def test_a_lock_tmp_of_a_live_writer_keeps_the_stack_busy(tmp_path: Path) -> None:
    stacks = backend(tmp_path)
    (stacks / "s.json.attrs").write_bytes(b"")
    lock_dir = tmp_path / ".pulumi" / "locks" / "organization" / "nixedge" / "s"
    lock_dir.mkdir(parents=True)
    stamp = datetime.datetime.now(datetime.UTC).isoformat()
    tmp_name(lock_dir / "x.json").write_text(
        json.dumps({"pid": os.getpid(), "username": "a", "hostname": socket.gethostname(), "timestamp": stamp})
    )
    check = checked(tmp_path)
    assert check.busy == {"s"} and check.said == []
    assert (stacks / "s.json.attrs").read_bytes() == b""


def test_a_file_this_process_has_open_is_among_the_open_files(tmp_path: Path) -> None:
    path = tmp_path / "open.json"
    with open(path, "w"):
        assert str(path) in machine.open_files()
    assert str(path) not in machine.open_files()


def test_a_missing_backend_is_no_check(tmp_path: Path) -> None:
    check = checked(tmp_path)
    assert check.said == [] and check.stops == []


# -- what scripts/pulumi prints (run.check, recover) ------------------------------------------


def test_check_prints_each_repair_and_takes_the_stack_after_its_organization(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stacks = backend(tmp_path)
    (stacks / "s.json.attrs").write_bytes(b"")
    lock_file(tmp_path, "s")  # unreadable: a stop, exit 1
    assert run.check(tmp_path, "organization/nixedge/s", "preview") == 1
    err = capsys.readouterr().err
    assert err == (
        "scripts/pulumi: error: the lock .pulumi/locks/organization/nixedge/s/x.json of stack s is unreadable; "
        "once no `pulumi` runs on the stack, run: scripts/pulumi cancel --stack s --yes\n"
    )


def test_check_of_a_sound_backend_says_nothing_and_lets_the_cli_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backend(tmp_path)
    assert run.check(tmp_path, None, "up") == 0
    assert capsys.readouterr().err == ""


def test_recover_needs_a_stack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run.recover(tmp_path, "file://x", None) == 2
    assert capsys.readouterr().err == (
        "scripts/pulumi: error: recover needs a stack: add --stack NAME, or select one with "
        "`scripts/pulumi stack select NAME`\n"
    )


def test_recover_on_a_shared_backend_names_the_cancel_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert run.recover(None, "s3://bucket", "dev") == 1
    assert capsys.readouterr().err == (
        "scripts/pulumi: recover works on the local file backend; s3://bucket is shared: once you know no "
        "`pulumi` runs on the stack, run: scripts/pulumi cancel --stack dev --yes\n"
    )


def test_recover_says_when_there_is_nothing_to_recover(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backend(tmp_path)
    assert run.recover(tmp_path, "file://x", "org/nixedge/s") == 0
    assert capsys.readouterr().err == "scripts/pulumi: nothing to recover in stack org/nixedge/s\n"


def test_recover_prints_its_repairs_and_not_the_nothing_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stacks = backend(tmp_path)
    (stacks / "s.json.attrs").write_bytes(b"")
    assert run.recover(tmp_path, "file://x", "s") == 0
    err = capsys.readouterr().err
    assert err.startswith("scripts/pulumi: rewrote .pulumi/stacks/nixedge/s.json.attrs") and "nothing" not in err


# -- interrupted creates (pending.pending_creates, drop) --------------------------------------

HOST_MODULES = "pulumi-python:dynamic/nixedge:HostModules"
URN = "urn:pulumi:s::nixedge::" + HOST_MODULES + "::seminar-modules"
RECORD = "urn:pulumi:s::nixedge::cloudflare:index/dnsRecord:DnsRecord::app"


def with_pending(root: Path, *ops: tuple[str, str, str]) -> None:
    stacks = backend(root)
    operations = [{"type": kind, "resource": {"type": rtype, "urn": urn}} for kind, rtype, urn in ops]
    checkpoint = {"version": 3, "checkpoint": {"stack": "s", "latest": {"pending_operations": operations}}}
    (stacks / "s.json").write_text(json.dumps(checkpoint))
    (stacks / "s.json.attrs").write_text(files.attrs_text((stacks / "s.json").read_bytes()))


class FakeCli:
    """The CLI's `stack export` and `stack import`, as `pending.cli` runs them."""

    def __init__(self, export_code: int = 0, import_code: int = 0) -> None:
        self.codes = {"export": export_code, "import": import_code}
        self.imported: dict[str, Any] | None = None
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        self.calls.append(args)
        verb = args[1]
        if verb == "import":
            self.imported = json.loads(Path(args[args.index("--file") + 1]).read_text())
        out = json.dumps({"version": 3, "deployment": {"pending_operations": [{"type": "creating"}]}})
        return subprocess.CompletedProcess(args, self.codes[verb], out if verb == "export" else "", f"{verb} failed\n")


def test_an_interrupted_create_of_the_host_modules_is_dropped_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_pending(tmp_path, ("creating", HOST_MODULES, URN), ("creating", HOST_MODULES, URN))
    cli = FakeCli()
    monkeypatch.setattr(pending, "cli", cli)
    check = checked(tmp_path, command="up")
    assert check.said == [
        (
            "dropped the interrupted create of seminar-modules from stack s: it writes the same files again and "
            "takes them over"
        )
    ]
    assert cli.calls[0] == ("stack", "export", "--stack", "s")
    assert cli.calls[1][:5] == ("stack", "import", "--stack", "s", "--file")
    assert cli.imported == {"version": 3, "deployment": {"pending_operations": []}}
    assert not Path(cli.calls[1][5]).exists(), "the exported file is removed"
    assert Path(cli.calls[1][5]).name.startswith("nixedge-state-"), "a leftover says whose it is"


def test_check_takes_the_stack_after_its_organization_and_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with_pending(tmp_path, ("creating", HOST_MODULES, URN))
    monkeypatch.setattr(pending, "cli", FakeCli())
    assert run.check(tmp_path, "organization/nixedge/s", "up") == 0
    assert capsys.readouterr().err == (
        "scripts/pulumi: dropped the interrupted create of seminar-modules from stack s: it writes the same "
        "files again and takes them over\n"
    )


def test_the_cli_is_pulumi_on_path_non_interactive_and_dies_with_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[tuple[list[str], dict[str, Any]]] = []

    def run_it(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        ran.append((command, kwargs))
        return subprocess.CompletedProcess(command, 3, "out", "oops")

    monkeypatch.setattr(subprocess, "run", run_it)
    done = pending.cli("stack", "export", "--stack", "s")
    assert (done.returncode, done.stdout, done.stderr) == (3, "out", "oops")
    [(command, kwargs)] = ran
    assert command == ["pulumi", "stack", "export", "--stack", "s", "--non-interactive"]
    assert kwargs["capture_output"] is True and kwargs["text"] is True and kwargs["preexec_fn"] is not None


@pytest.mark.parametrize("command", ["preview", "refresh", "destroy"])
def test_interrupted_creates_stay_for_other_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    with_pending(tmp_path, ("creating", HOST_MODULES, URN))
    monkeypatch.setattr(pending, "cli", FakeCli())
    assert checked(tmp_path, command=command).said == []


def test_an_interrupted_create_of_another_resource_names_both_commands_and_drops_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = ("creating", "cloudflare:index/dnsRecord:DnsRecord", RECORD)
    with_pending(tmp_path, ("creating", HOST_MODULES, URN), record, ("updating", HOST_MODULES, URN))
    cli = FakeCli()
    monkeypatch.setattr(pending, "cli", cli)
    check = checked(tmp_path, command="recover")
    refresh = "scripts/pulumi refresh --stack s --yes"
    assert check.said == [
        (
            f"stack s has an interrupted create of {RECORD}, which may exist now: if it does, run "
            f"`{refresh} --import-pending-creates {RECORD} <its id>`; if not, `{refresh} --clear-pending-creates`"
        )
    ]
    assert cli.calls == []


@pytest.mark.parametrize(("export_code", "import_code", "stop"), [(1, 0, "could not read stack s: export failed"),
    (0, 1, "could not drop the interrupted creates of stack s: import failed")])  # fmt: skip
def test_a_failing_cli_stops_with_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, export_code: int, import_code: int, stop: str
) -> None:
    with_pending(tmp_path, ("creating", HOST_MODULES, URN))
    monkeypatch.setattr(pending, "cli", FakeCli(export_code, import_code))
    check = checked(tmp_path, command="update")
    assert check.stops == [stop] and check.said == []


def test_a_checkpoint_without_pending_operations_asks_nothing_of_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_pending(tmp_path)
    cli = FakeCli()
    monkeypatch.setattr(pending, "cli", cli)
    assert checked(tmp_path).said == [] and cli.calls == []


def test_of_two_complete_tmps_the_one_written_last_is_put_in_place(tmp_path: Path) -> None:
    """The last written is the larger stamp, also when its hex name is longer (not the
    larger name)."""
    stacks = backend(tmp_path)
    os.utime(stacks / "s.json", ns=(0, 0))
    tmp_name(stacks / "s.json", 0xFFFF).write_bytes(b'{"version": 4}')
    last = tmp_name(stacks / "s.json", 0x10000)
    last.write_bytes(b'{"version": 5}')
    check = checked(tmp_path)
    assert check.said[0].endswith(f"(its new content was complete in {last.name})")
    assert (stacks / "s.json").read_bytes() == b'{"version": 5}'


def test_a_backend_on_a_shared_file_system_counts_only_files_with_leftovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stacks = backend(tmp_path)
    (stacks / "other.json").write_bytes(CHECKPOINT)  # no sidecar: nothing left over
    monkeypatch.setattr(check_module, "file_system", lambda _path: "nfs4")
    assert checked(tmp_path).said == []


def test_recover_drops_an_interrupted_create_of_the_host_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with_pending(tmp_path, ("creating", HOST_MODULES, URN))
    monkeypatch.setattr(pending, "cli", FakeCli())
    assert run.recover(tmp_path, "file://x", "organization/nixedge/s") == 0
    assert "dropped the interrupted create of seminar-modules from stack s" in capsys.readouterr().err
