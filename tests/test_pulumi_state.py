"""What a killed run leaves in the file backend, and the next `scripts/pulumi up` converging.

Each torn state is built the way a kill leaves it (scripts/state/__init__.py says how the
backend writes), after an `up` of the dev stack on a copy of the checkout: the bare CLI
then fails where the issue saw it fail, and `scripts/pulumi up` repairs it, says so in
one line, and ends with the host's files equal to the state's hashes, no pending
operation, no leftover in the backend and nothing left to change. What cannot be
repaired safely stops with the command to run. Without the engine: a lock's holder is
gone only when provably so, and nothing is touched on a shared file system, under a
live lock, or next to a temporary file that a process has open.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.project import Project, host_resource
from scripts.state import check as check_module
from scripts.state import files as backend_files
from scripts.state import machine
from scripts.state.check import Check

pytestmark = [pytest.mark.engine, pytest.mark.slow]

STACK = "dev"
TARGET = Path(".dev-host/etc/nixos/nixedge")


class DevProject(Project):
    """A copy of the checkout whose dev stack keeps its public passphrase (README)."""

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, "PULUMI_CONFIG_PASSPHRASE": "nixedge-dev"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    made = Project.create(tmp_path_factory.mktemp("torn"))
    project = DevProject(made.root, made.backend)
    project.pulumi(STACK, "up", "--yes")
    yield project


def stack_dir(project: Project) -> Path:
    return project.backend / ".pulumi" / "stacks" / "nixedge"


def tmp_name(path: Path) -> Path:
    """A temporary file as the backend names it: `<file>.<hex ns>.tmp`."""
    return path.with_name(f"{path.name}.{time.time_ns():x}.tmp")


def bare_cli(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI itself, without scripts/pulumi's check: what a user had before."""
    env = {**project.env, "PATH": f"{project.root / '.venv' / 'bin'}{os.pathsep}{project.env['PATH']}"}
    return subprocess.run(["pulumi", *args, "--stack", STACK, "--non-interactive"], cwd=project.root, env=env,
                          capture_output=True, text=True, check=False, timeout=300)  # fmt: skip


def change(project: Project) -> None:
    """A config change, so that the next `up` has a step to write a checkpoint for."""
    stack_file = project.stack_file(STACK)
    text = stack_file.read_text()
    old, new = ("port: 3000", "port: 3080") if "port: 3000" in text else ("port: 3080", "port: 3000")
    stack_file.write_text(text.replace(old, new))


def up(project: Project) -> str:
    """`scripts/pulumi up` after a change; its check's lines."""
    change(project)
    result = project.pulumi(STACK, "up", "--yes")
    return "\n".join(line for line in result.stderr.splitlines() if line.startswith("scripts/pulumi: "))


def assert_converged(project: Project) -> None:
    files = {p.relative_to(project.root / TARGET).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in (project.root / TARGET).rglob("*") if p.is_file()}  # fmt: skip
    state = project.export(STACK)
    hashes = host_resource(state)["outputs"]["hashes"]
    assert hashes == {rel: h for rel, h in files.items() if rel in hashes} and len(hashes) > 1
    assert not state["deployment"].get("pending_operations")
    leftovers = [p for p in project.backend.rglob("*") if p.name.endswith(".tmp") or p.name.endswith(".attrs")
                 and not backend_files.attrs_valid(p)]  # fmt: skip
    assert leftovers == [], "torn files are left in the backend"
    preview = project.pulumi(STACK, "preview", "--expect-no-changes")
    assert "scripts/pulumi: " not in preview.stderr, preview.stderr


# -- torn writes under the real engine --------------------------------------------------------


def test_empty_sidecar_beside_a_complete_tmp_is_the_write_finished(project: Project) -> None:
    # The state: killed after the new checkpoint was complete in its .tmp and the
    # sidecar truncated, before the rename.
    checkpoint = stack_dir(project) / f"{STACK}.json"
    tmp = tmp_name(checkpoint)
    tmp.write_bytes(checkpoint.read_bytes())
    checkpoint.with_name(f"{STACK}.json.attrs").write_bytes(b"")
    assert "error: failed to load checkpoint: EOF" in bare_cli(project, "preview").stderr
    said = up(project)
    assert said == (f"scripts/pulumi: finished the interrupted write of .pulumi/stacks/nixedge/{STACK}.json "
                    f"(its new content was complete in {tmp.name})")  # fmt: skip
    assert_converged(project)


def test_cut_sidecar_is_rewritten_from_its_intact_file(project: Project) -> None:
    attrs = stack_dir(project) / f"{STACK}.json.attrs"
    attrs.write_bytes(attrs.read_bytes()[:40])
    assert "failed to load checkpoint" in bare_cli(project, "preview").stderr
    said = up(project)
    assert said == (f"scripts/pulumi: rewrote .pulumi/stacks/nixedge/{STACK}.json.attrs, which a killed write "
                    f"had left cut (.pulumi/stacks/nixedge/{STACK}.json is intact)")  # fmt: skip
    assert_converged(project)


def test_cut_tmp_is_removed(project: Project) -> None:
    checkpoint = stack_dir(project) / f"{STACK}.json"
    tmp = tmp_name(checkpoint.with_name(f"{STACK}.json.bak"))
    tmp.write_bytes(checkpoint.read_bytes()[:100])
    said = up(project)
    bak = f".pulumi/stacks/nixedge/{STACK}.json.bak"
    assert said == (f"scripts/pulumi: removed .pulumi/stacks/nixedge/{tmp.name}, a cut copy that a killed run "
                    f"never put in place ({bak} is its last complete version)")  # fmt: skip
    assert not tmp.exists()
    assert_converged(project)


def test_cut_meta_sidecar_is_rewritten(project: Project) -> None:
    (project.backend / ".pulumi" / "meta.yaml.attrs").write_bytes(b"")
    assert bare_cli(project, "preview").returncode != 0
    assert "rewrote .pulumi/meta.yaml.attrs, which a killed write had left empty" in up(project)
    assert_converged(project)


def test_cut_checkpoint_with_an_intact_bak_is_restored_and_kept(project: Project) -> None:
    checkpoint = stack_dir(project) / f"{STACK}.json"
    cut = checkpoint.read_bytes()[:500]
    checkpoint.write_bytes(cut)  # a crash of the machine, not a kill, cuts a renamed file
    (checkpoint.with_name(f"{STACK}.json.attrs")).write_text(backend_files.attrs_text(cut))
    assert bare_cli(project, "preview").returncode != 0
    said = up(project)
    assert f"scripts/pulumi: .pulumi/stacks/nixedge/{STACK}.json was cut off: restored it from {STACK}.json.bak" in said
    kept = list(stack_dir(project).glob(f"{STACK}.json.torn-*"))
    assert [p.read_bytes() for p in kept] == [cut], "the cut checkpoint is kept"
    for path in kept:
        path.unlink()
    assert_converged(project)


def test_cut_checkpoint_and_bak_stop_with_the_command_that_restores_a_backup(project: Project) -> None:
    checkpoint = stack_dir(project) / f"{STACK}.json"
    for path in (checkpoint, checkpoint.with_name(f"{STACK}.json.bak")):
        path.write_bytes(path.read_bytes()[:300])
    change(project)
    stopped = project.pulumi(STACK, "up", "--yes", check=False)
    assert stopped.returncode == 1 and stopped.stdout == "", "the CLI never ran"
    said = stopped.stderr.strip()
    assert said.startswith(f"scripts/pulumi: error: .pulumi/stacks/nixedge/{STACK}.json is cut off and "
                           f"{STACK}.json.bak is not intact either. The newest intact backup is "
                           f".pulumi/backups/nixedge/{STACK}/"), said  # fmt: skip
    command = said.split("to use it, run: ", 1)[1]
    subprocess.run(command.replace("scripts/pulumi", str(project.root / "scripts" / "pulumi")), shell=True,
                   check=True, cwd=project.root, env=project.env, capture_output=True)  # fmt: skip
    up(project)
    assert_converged(project)


# -- locks and interrupted creates under the real engine --------------------------------------


def write_lock(project: Project, pid: int, hostname: str, taken: datetime.datetime, name: str) -> Path:
    lock = project.backend / ".pulumi" / "locks" / "organization" / "nixedge" / STACK / f"{name}.json"
    lock.parent.mkdir(parents=True, exist_ok=True)
    stamp = taken.isoformat().replace("+00:00", "Z")
    lock.write_text(json.dumps({"pid": pid, "username": "root", "hostname": hostname, "timestamp": stamp}))
    return lock


def test_the_lock_of_a_process_gone_is_removed_a_live_or_foreign_one_kept(project: Project) -> None:
    proc = subprocess.Popen(["true"])
    proc.wait()
    gone = proc.pid
    now = datetime.datetime.now(datetime.UTC)
    dead = write_lock(project, gone, socket.gethostname(), now, "dead")
    said = up(project)
    assert said.startswith(f"scripts/pulumi: removed the lock of stack {STACK} left by root@{socket.gethostname()} "
                           f"(pid {gone}) at "), said  # fmt: skip
    assert not dead.exists()
    assert_converged(project)

    for pid, hostname in ((os.getpid(), socket.gethostname()), (gone, "another-machine")):
        lock = write_lock(project, pid, hostname, now, "held")
        change(project)
        refused = project.pulumi(STACK, "up", "--yes", check=False)
        assert refused.returncode != 0 and "the stack is currently locked by 1 lock(s)" in refused.stderr
        assert lock.exists(), "a lock whose holder may live is kept"
        lock.unlink()
        change(project)
    assert_converged(project)


def test_a_cut_lock_tmp_is_removed(project: Project) -> None:
    lock_dir = project.backend / ".pulumi" / "locks" / "organization" / "nixedge" / STACK
    lock_dir.mkdir(parents=True, exist_ok=True)
    tmp = tmp_name(lock_dir / "cut.json")
    tmp.write_bytes(b'{"pid":')
    change(project)
    blocked = bare_cli(project, "up", "--yes")
    assert blocked.returncode != 0 and "the stack is currently locked by 1 lock(s)" not in blocked.stdout
    assert f"removed .pulumi/locks/organization/nixedge/{STACK}/{tmp.name}, a cut copy" in up(project)
    assert_converged(project)


def test_an_interrupted_create_of_the_host_modules_is_dropped_and_created_again(project: Project) -> None:
    # What a kill during the first `up` leaves: the create pending, the resource not in
    # the checkpoint (written here, as `stack import` would drop a pending operation).
    checkpoint = stack_dir(project) / f"{STACK}.json"
    data = json.loads(checkpoint.read_bytes())
    latest = data["checkpoint"]["latest"]
    modules = host_resource({"deployment": latest})
    latest["resources"].remove(modules)
    latest["pending_operations"] = [{"resource": modules, "type": "creating"}]
    text = json.dumps(data).encode()
    checkpoint.write_bytes(text)
    checkpoint.with_name(f"{STACK}.json.attrs").write_text(backend_files.attrs_text(text))
    assert "pending_operations" in bare_cli(project, "stack", "export").stdout
    said = up(project)
    assert said == (f"scripts/pulumi: dropped the interrupted create of devhost-modules from stack {STACK}: "
                    "it writes the same files again and takes them over")  # fmt: skip
    assert_converged(project)


def test_recover_repairs_without_running_the_cli(project: Project) -> None:
    attrs = stack_dir(project) / f"{STACK}.json.attrs"
    attrs.write_bytes(b"")
    recovered = project.pulumi(STACK, "recover")
    assert recovered.stdout == ""
    assert "rewrote .pulumi/stacks/nixedge/dev.json.attrs" in recovered.stderr
    again = project.pulumi(STACK, "recover")
    assert again.stderr == f"scripts/pulumi: nothing to recover in stack {STACK}\n"
    assert_converged(project)


# -- the proofs, without the engine -------------------------------------------------------------


def holder(pid: int, hostname: str, taken: datetime.datetime) -> machine.Holder:
    return machine.Holder(pid, "root", hostname, taken.isoformat())


def test_a_holder_is_gone_only_when_provably_so() -> None:
    now = datetime.datetime.now(datetime.UTC)
    proc = subprocess.Popen(["true"])
    proc.wait()
    here = socket.gethostname()
    assert holder(proc.pid, here, now).gone(), "no such process"
    assert not holder(os.getpid(), here, now).gone(), "alive, started before the lock"
    assert holder(os.getpid(), here, now - datetime.timedelta(days=3650)).gone(), "the pid was reused since"
    assert not holder(proc.pid, "another-machine", now).gone(), "another machine's process"
    zombie = subprocess.Popen(["true"])
    time.sleep(0.3)  # finished, not yet reaped
    assert holder(zombie.pid, here, now).gone(), "a zombie has finished"
    zombie.wait()


def torn_backend(root: Path) -> Path:
    stacks = root / ".pulumi" / "stacks" / "nixedge"
    stacks.mkdir(parents=True)
    (stacks / "s.json").write_text('{"version": 3, "checkpoint": {"stack": "s"}}')
    (stacks / "s.json.attrs").write_bytes(b"")
    return stacks


def run_check(root: Path, stack: str | None = "s") -> Check:
    check = Check(root, stack, "up")
    check.run()
    return check


def test_nothing_is_repaired_on_a_shared_file_system(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stacks = torn_backend(tmp_path)
    monkeypatch.setattr(check_module, "file_system", lambda _path: "nfs4")
    check = run_check(tmp_path)
    assert check.said == [(f"{tmp_path} is on a nfs4 file system, which other machines may write: nothing "
                           "repaired (1 file(s) with leftovers, e.g. .pulumi/stacks/nixedge/s.json)")]  # fmt: skip
    assert (stacks / "s.json.attrs").read_bytes() == b""


def test_nothing_is_repaired_under_a_live_lock(tmp_path: Path) -> None:
    stacks = torn_backend(tmp_path)
    lock = tmp_path / ".pulumi" / "locks" / "organization" / "nixedge" / "s" / "x.json"
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps({"pid": os.getpid(), "username": "root", "hostname": socket.gethostname(),
                                "timestamp": datetime.datetime.now(datetime.UTC).isoformat()}))  # fmt: skip
    check = run_check(tmp_path)
    assert check.said == [] and check.busy == {"s"}
    assert (stacks / "s.json.attrs").read_bytes() == b"" and lock.exists()


def test_a_tmp_that_a_process_has_open_is_left_alone(tmp_path: Path) -> None:
    stacks = torn_backend(tmp_path)
    tmp = tmp_name(stacks / "s.json")
    with open(tmp, "wb") as writer:
        writer.write(b'{"version"')
        writer.flush()
        check = run_check(tmp_path)
        assert check.said == [] and tmp.exists()
    check = run_check(tmp_path)
    assert tmp.name in check.said[0] and not tmp.exists()


def test_a_complete_lock_tmp_of_a_process_gone_is_removed_not_taken(tmp_path: Path) -> None:
    proc = subprocess.Popen(["true"])
    proc.wait()
    lock_dir = tmp_path / ".pulumi" / "locks" / "organization" / "nixedge" / "s"
    lock_dir.mkdir(parents=True)
    tmp = tmp_name(lock_dir / "x.json")
    tmp.write_text(json.dumps({"pid": proc.pid, "username": "root", "hostname": socket.gethostname(),
                               "timestamp": datetime.datetime.now(datetime.UTC).isoformat()}))  # fmt: skip
    check = run_check(tmp_path)
    assert list(lock_dir.iterdir()) == [], check.said
    assert check.said == [(f"removed .pulumi/locks/organization/nixedge/s/{tmp.name}, a complete copy that a "
                           "killed run never put in place (there is no x.json)")]  # fmt: skip
