"""The host provider under the real engine when things go wrong: kills, drops, failures.

Each case runs `scripts/pulumi` on a copy of the checkout (the real `__main__.py`, our
language host, the HostModules dynamic provider, the file backend) against a generated
20-container stack whose host is a local directory, or the loopback sshd (tests/sshd.py)
through an `ssh` on PATH that reads that server's ssh_config. The activation command is
a script that, once it completes, records the sha256 of every module it saw: the
"running system". Proves:

- SIGKILL of `pulumi up` at random points (seeded and printed) of a change to 10 of the
  20 containers, killing the CLI alone (its plugins die with it: a parent-death signal;
  an activation they started runs to its end) or the CLI with its plugins and the
  activation, one point in three right after a step returned (the activation completed,
  the engine writing its checkpoint), the whole loop once more under CPU load (a busy
  loop per core): every file on the host is byte for byte its previous or its new
  content, never a part; and the next `scripts/pulumi up` alone converges (its backend
  check clears the dead run's lock, torn writes and an interrupted create;
  docs/testing.md): the modules equal the render of the config, no temporary file or
  activation marker is left, no pending operation, lock or torn file stays in the
  backend, the state's hashes equal the files, and the last completed activation saw
  exactly those files (a partial temporary file, as a kill mid-write leaves it, is
  gone after the next run);
- the same for a kill during the very first `up` (a pending create);
- the same when the SSH connection is dropped mid-run (the sshd child serving it is
  killed) while the modules are written or while the host activates;
- an activation that fails and a rollback that fails too: the update fails loudly and
  says which state the host is left in; the next `up` with a working command repairs it;
- two concurrent `pulumi up` on one stack: the file backend's lock refuses one (started
  while the other holds the lock, or at the same moment), nothing interleaves;
- files we do not own in the modules directory survive an update, a change that
  removes a container, and destroy.

Every case compares the host's files with what the state says they are (`pulumi stack
export`: the HostModules resource's `hashes` against the sha256 of the files).

Every process the suite kills or waits for is one of its own run: found by a working
directory inside the test's tmp_path (tests/sshd.py: by parent pid), never by name.

Default run: 4 kill points and 2 under load, every other case once. The full run, 25
kill points and 25 under load (figures in docs/testing.md):

    NIXEDGE_FULL=1 .venv/bin/python -m pytest tests/test_chaos.py -s

`NIXEDGE_CHAOS_SEED=<n>` replays another set of kill points, `NIXEDGE_CHAOS_POINTS=<n>`
sets the points of each loop; `-s` shows each point.
"""

from __future__ import annotations

import contextlib
import copy
import getpass
import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from benchmarks.project import Project, host_resource, ssh_wrapper
from benchmarks.sites import change_containers, generated_site, write_stack
from components.host.manifest import MANIFEST, manifest_text
from components.host.ownership import Owner, canonical_target
from components.host.transport import TEMP_PREFIX
from components.model import site_from_data
from components.nixos.render import render
from tests.sshd import SshServer, _children

FULL = os.environ.get("NIXEDGE_FULL") == "1"
KILL_POINTS = int(os.environ.get("NIXEDGE_CHAOS_POINTS", "25" if FULL else "4"))
"""Kill points of the quiet loop; the loop under CPU load has as many (full run: 50 in
all) or half."""
LOADED_POINTS = KILL_POINTS if FULL else KILL_POINTS // 2
SEED = int(os.environ.get("NIXEDGE_CHAOS_SEED", "2026"))
STACK = "chaos"
PROJECT = "nixedge"  # Pulumi.yaml's name: the owner the manifest records
DYNAMIC = "pulumi-python:dynamic/nixedge:HostModules"
HOST = "chaos"
CONTAINERS = 20
CHANGED = 10
MARKER = ".nixedge-activation-pending"
# The record of a failed, undone activation (for `nixedge status`): not a module.
FAILED = ".nixedge-activation-failed"
"""The provider's note that modules were written but their activation has not completed."""
PLUGINS = ("pulumi_language_python.py", "pulumi_dynamic_provider.py", "pulumi.dynamic")
"""Command-line marks of the engine's plugin servers: they die with their CLI."""
SERVERS = (*PLUGINS, "ControlPersist")
"""... and of the ssh master, which outlives the provider until ControlPersist ends."""
CHECK = "scripts/pulumi: "
"""How the lines of scripts/pulumi's backend check start (scripts/state/)."""

pytestmark = [
    pytest.mark.engine,
    pytest.mark.slow,
    pytest.mark.skipif(
        not (Path(__file__).resolve().parents[1] / ".venv" / "bin" / "pulumi").exists(),
        reason="no Pulumi CLI in .venv/bin: run scripts/setup",
    ),
]


# -- processes ---------------------------------------------------------------------------


def processes_in(directory: Path) -> dict[int, str]:
    """pid -> command line of every process whose working directory lies in `directory`:
    everything a run started (CLI, language host, provider, activation), and nothing else."""
    found: dict[int, str] = {}
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            cwd = Path(os.readlink(entry / "cwd"))
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cwd == directory or directory in cwd.parents:
            found[int(entry.name)] = cmdline
    return found


def kill_all_in(directory: Path, timeout: float = 30) -> list[str]:
    """SIGKILL every process working in `directory` until none is left; their commands."""
    killed: list[str] = []
    deadline = time.monotonic() + timeout
    while (procs := processes_in(directory)) and time.monotonic() < deadline:
        for pid, cmd in procs.items():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            killed.append(cmd)
        time.sleep(0.05)
    assert not processes_in(directory), f"processes left in {directory}: {processes_in(directory)}"
    return killed


def settle(directory: Path, timeout: float = 40) -> list[str]:
    """Wait until only servers (SERVERS) are left in `directory`: the orphans of a killed
    CLI have finished what they were doing. Then stop those servers; return what was left."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline and quiet < 3:
        busy = [c for c in processes_in(directory).values() if not any(p in c for p in SERVERS)]
        quiet = 0 if busy else quiet + 1
        time.sleep(0.3)
    orphans = sorted(set(processes_in(directory).values()))
    kill_all_in(directory)
    return orphans


def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.005) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


# -- the host under test ------------------------------------------------------------------


def activation_script(
    path: Path, log: Path, seen: Path, *, sleep: float, exit_code: int, gate: Path | None = None
) -> list[str]:
    """A stand-in for `nixos-rebuild switch`, run in the module directory: logs its start,
    sleeps (and waits, at most 2 minutes, until `gate` exists), and only when it succeeds
    records the sha256 of each module it "built"."""
    name = path.name
    wait = f'i=0; while [ ! -e "{gate}" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done\n' if gate else ""
    record = (
        f'find . -type f -name \'*.nix\' -exec sha256sum {{}} + > "{seen}.tmp" && mv "{seen}.tmp" "{seen}"\n'
        if exit_code == 0
        else ""
    )
    path.write_text(
        "#!/bin/sh\n"
        f'echo "{name}:start" >> "{log}"\n'
        f"sleep {sleep}\n" + wait + record + f'echo "{name}:done:{exit_code}" >> "{log}"\n'
        f'echo "{name}: building the system configuration... exit {exit_code}"\n'
        f"exit {exit_code}\n"
    )
    path.chmod(0o755)
    return [str(path)]


class ChaosHost:
    """A repo copy, one stack of generated containers and its host directory."""

    def __init__(self, tmp_path: Path, *, sleep: float, ssh: SshServer | None = None) -> None:
        self.tmp = tmp_path
        self.project = Project.create(tmp_path / "work")
        self.root = tmp_path / "host" / "etc" / "nixos" / "nixedge"
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        self.log = tmp_path / "activations.log"
        self.seen = tmp_path / "activated.sha256"
        self.sleep = sleep
        if ssh is None:
            target: dict[str, Any] = {"transport": "local", "path": str(self.root)}
        else:
            target = {"transport": "ssh", "destination": ssh.destination, "path": str(self.root)}
            self.project.extra_path.append(ssh_wrapper(tmp_path / "ssh-bin", ssh.config))
        self.set_activation(0, 0)
        self.a = generated_site(CONTAINERS, host=HOST, target=target, activation=self.activation)
        self.b = change_containers(self.a, CHANGED)
        self.site = self.a
        self.configure(self.a)

    def set_activation(self, exit_code: int, rollback_exit_code: int, gate: Path | None = None) -> None:
        """Rewrite the activation scripts (same paths, so the stack config stays)."""
        self.activation = {
            "command": activation_script(self.bin / "activate", self.log, self.seen,
                                         sleep=self.sleep, exit_code=exit_code, gate=gate),
            "rollback": activation_script(self.bin / "rollback", self.log, self.seen,
                                          sleep=0, exit_code=rollback_exit_code),
            "check": False,
        }  # fmt: skip

    def configure(self, site: dict[str, Any]) -> None:
        self.site = site
        write_stack(self.project.root, STACK, site, salt=self.project.salt(STACK))

    # -- running the CLI ----------------------------------------------------------------

    def pulumi(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.project.pulumi(STACK, *args, check=check)

    def up(self, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.pulumi("up", "--yes", check=check)

    def popen_up(self, name: str) -> subprocess.Popen[bytes]:
        return self.project.popen(STACK, "up", "--yes", log=self.tmp / f"{name}.log")

    def recover(self) -> list[str]:
        """What a user runs after a killed or failed `up` (docs/testing.md): the next `up`.
        Returns what its backend check repaired (a dead run's lock, a torn write, an
        interrupted create), one line each; and asserts the backend is clean after it."""
        result = self.up()
        repaired = [line.removeprefix(CHECK) for line in result.stderr.splitlines() if line.startswith(CHECK)]
        assert not self.project.lock_files(), "a lock is left after the recovery"
        leftovers = [p.name for p in self.project.backend.rglob("*") if p.name.endswith(".tmp")]
        assert leftovers == [], f"temporary files left in the backend: {leftovers}"
        return repaired

    def pending_operations(self) -> list[str]:
        deployment = self.project.export(STACK)["deployment"]
        return [f"{op['type']} {op['resource']['urn']}" for op in deployment.get("pending_operations") or []]

    # -- what the host holds --------------------------------------------------------------

    def rendered(self, site: Mapping[str, Any]) -> dict[str, bytes]:
        """What the program writes for `site`. The engine hands the program its config as
        JSON with every mapping's keys sorted, and the renderer keeps the order of `nixos`
        data: render from the same order."""
        as_engine_sends = json.loads(json.dumps(site, sort_keys=True))
        return {rel: text.encode() for rel, text in render(site_from_data(as_engine_sends, "chaos")).items()}

    def manifest(self, site: Mapping[str, Any]) -> bytes:
        """The manifest the program writes for `site`, with this stack as its owner."""
        owner = {**Owner(PROJECT, STACK).to_props(), "target": canonical_target(site["host"]["target"])}
        return manifest_text(HOST, {k: v.decode() for k, v in self.rendered(site).items()}, [], owner)

    def tree(self) -> dict[str, bytes]:
        if not self.root.exists():
            return {}
        files = sorted(p for p in self.root.rglob("*") if p.is_file())
        return {p.relative_to(self.root).as_posix(): p.read_bytes() for p in files}

    def activations(self) -> list[str]:
        return self.log.read_text().split() if self.log.exists() else []

    def activated(self) -> dict[str, str]:
        """Module -> sha256, as the last completed activation saw them."""
        out = {}
        for line in self.seen.read_text().splitlines():
            digest, path = line.split(maxsplit=1)
            out[path.removeprefix("./")] = digest
        return out

    def nix_digests(self) -> dict[str, str]:
        return {rel: hashlib.sha256(data).hexdigest() for rel, data in self.tree().items() if rel.endswith(".nix")}

    def state_hashes(self, exported: dict[str, Any] | None = None) -> dict[str, str] | None:
        exported = exported or self.project.export(STACK)
        resources = exported["deployment"].get("resources") or []
        if not any(r["type"].endswith(":HostModules") for r in resources):
            return None
        return dict(host_resource(exported)["outputs"]["hashes"])

    # -- assertions ---------------------------------------------------------------------

    def assert_state_matches_host(
        self, foreign: Mapping[str, bytes] = {}, exported: dict[str, Any] | None = None
    ) -> None:
        """The HostModules resource's hashes are the sha256 of exactly its files on the host."""
        ours = {
            rel: hashlib.sha256(data).hexdigest()
            for rel, data in self.tree().items()
            if rel not in foreign
            and rel not in (MANIFEST, MARKER, FAILED)
            and not Path(rel).name.startswith(TEMP_PREFIX)
        }
        assert self.state_hashes(exported) == ours, "the state's hashes differ from the files on the host"

    def assert_no_partial_file(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
        """Every file is its previous or its new content, byte for byte; returns the
        modules that are already new and the temporary files left over."""
        before, after = self.rendered(old), self.rendered(new)
        manifests = (self.manifest(old), self.manifest(new))
        progressed = []
        for rel, data in self.tree().items():
            if Path(rel).name.startswith(TEMP_PREFIX):
                progressed.append(f"temp {rel}")
            elif rel == MANIFEST:
                assert data in manifests, "the manifest is neither the previous nor the new one"
            elif rel == MARKER:
                progressed.append("marker")
            elif rel == FAILED:
                continue  # an earlier failed activation's record: no module
            else:
                assert rel in before or rel in after, f"{rel}: a file nobody wrote"
                assert data in (before.get(rel), after.get(rel)), f"{rel} is neither its previous nor its new content"
                if data != before.get(rel):
                    progressed.append(rel)
        return progressed

    def assert_converged(self, site: Mapping[str, Any], foreign: Mapping[str, bytes] = {}) -> None:
        """Files == render of the config (plus manifest and the foreign files), nothing
        else left, state == files, and the running system is built from these files."""
        tree = self.tree()
        expected = {**self.rendered(site), MANIFEST: self.manifest(site), **foreign}
        assert sorted(tree) == sorted(expected), f"unexpected or missing files: {set(tree) ^ set(expected)}"
        assert tree == expected, [rel for rel in tree if tree[rel] != expected[rel]]
        exported = self.project.export(STACK)
        self.assert_state_matches_host(foreign, exported)
        assert self.activated() == self.nix_digests(), "the last completed activation did not see these modules"
        assert not exported["deployment"].get("pending_operations"), "the state still lists interrupted operations"


@pytest.fixture
def local_host(tmp_path: Path) -> Iterator[ChaosHost]:
    host = ChaosHost(tmp_path, sleep=1.0)
    try:
        yield host
    finally:
        kill_all_in(tmp_path)


# -- SIGKILL at random points ---------------------------------------------------------------


def label(cmdline: str) -> str:
    """A short name for a process of a run."""
    for mark, name in (("pulumi_language_python.py", "language host"), ("pulumi_dynamic_provider.py", "provider"),
                       ("pulumi.dynamic", "provider"),
                       ("ControlPersist", "ssh master"), ("/activate", "activation"), ("/rollback", "rollback"),
                       ("scripts/pulumi", "CLI"), ("sleep", "sleep")):  # fmt: skip
        if mark in cmdline:
            return name
    first = cmdline.split()[0] if cmdline else "?"
    return "CLI" if first.endswith("pulumi") else first


def plugins_left(directory: Path, timeout: float = 15) -> list[str]:
    """The plugin servers of a run still alive `timeout` s after their CLI died (none
    should be: they die with it, scripts/engine/parent_death.py)."""
    wait_for(lambda: not any(label(c) in ("language host", "provider") for c in processes_in(directory).values()),
             timeout, interval=0.05)  # fmt: skip
    return sorted({label(c) for c in processes_in(directory).values()} & {"language host", "provider"})


def kill_up(host: ChaosHost, name: str, when: float | tuple[float, float], mode: str) -> str:
    """Start `pulumi up` and SIGKILL it; say what the kill interrupted.

    `when`: a delay in s from the start, or (after, jitter): `after` s plus up to `jitter`
    s after a step returned (the activation completed, so the provider answers and the
    engine writes its checkpoint).
    mode `cli`: only the CLI dies (`kill -9 <pid>`): its plugins die with it (a
    parent-death signal), the activation they started runs to its end.
    mode `tree`: the machine running Pulumi dies: CLI, plugins and activation at once.
    """
    starts, dones = host.activations().count("activate:start"), host.activations().count("activate:done:0")
    proc = host.popen_up(name)
    if isinstance(when, tuple):
        stepped = wait_for(lambda: host.activations().count("activate:done:0") > dones or proc.poll() is not None,
                           120, interval=0.002)  # fmt: skip
        assert stepped, "the update never activated"
        time.sleep(when[0])
    else:
        wait_for(lambda: proc.poll() is not None, when, interval=0.005)
    if proc.poll() is not None:
        return f"nothing (`up` had finished, exit {proc.returncode})"
    running = sorted({label(c) for c in processes_in(host.tmp).values()})
    os.kill(proc.pid, signal.SIGKILL)
    if mode == "tree":
        kill_all_in(host.tmp)
    proc.wait(timeout=30)
    activating = host.activations().count("activate:start") > starts
    if mode == "cli":
        assert plugins_left(host.tmp) == [], "a plugin outlived its CLI"
    orphans = sorted({label(c) for c in settle(host.tmp)}) if mode == "cli" else []
    phase = "after a step returned" if isinstance(when, tuple) else "activating" if activating else "before activation"
    return f"{mode} kill {phase} (running: {', '.join(running)}; left to finish: {', '.join(orphans) or 'none'})"


@contextlib.contextmanager
def cpu_load(seconds: float) -> Iterator[int]:
    """A busy loop per core, each ending by itself after `seconds` (and with pytest): the
    kill points land elsewhere in a slower run. Stopped by pid, never by name."""
    engine = Path(__file__).resolve().parents[1] / "scripts" / "engine"
    busy = (
        f"import sys, time\nsys.path.insert(0, {str(engine)!r})\n"
        "from parent_death import die_with_parent\ndie_with_parent()\n"
        f"end = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", busy]) for _ in range(os.cpu_count() or 1)]
    try:
        yield len(procs)
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def kill_loop(host: ChaosHost, rng: random.Random, points: int, what: str) -> tuple[int, int, int]:
    """`points` kills of `up`s that change 10 of 20 containers, each recovered with the
    next `up`; (converged, kills that hit a running `up`, recoveries that repaired)."""
    host.configure(host.b if host.site is host.a else host.a)
    start = time.monotonic()
    host.up()  # calibrate: how long one full `up` of this change takes now
    span = time.monotonic() - start
    host.assert_converged(host.site)
    print(f"\nchaos seed {SEED}, {what}: {points} kill points in a {span:.2f} s `up` "
          f"({CHANGED} of {CONTAINERS} changed)")  # fmt: skip
    current, converged, hits, repairs = host.site, 0, 0, 0
    for i in range(points):
        new = host.a if current is host.b else host.b
        host.configure(new)
        # One point in each i-th slice of the run (every phase gets its share), and every
        # third one right after a step returned, while the engine writes its checkpoint.
        after_step = rng.random() < 1 / 3
        when = (rng.uniform(0, 0.25), 0.25) if after_step else span * (i + rng.random()) / points
        mode = rng.choice(["cli", "tree"])
        began = time.monotonic()
        said = kill_up(host, f"killed-{i}", when, mode)
        if said.startswith("nothing") and not isinstance(when, tuple):
            # The load eased and `up` got faster: keep the later points inside the run.
            span = min(span, time.monotonic() - began)
        progressed = host.assert_no_partial_file(current, new)
        repaired = host.recover()
        at = f"+{when[0]:.3f} s after a step" if isinstance(when, tuple) else f"{when:.2f} s"
        print(f"  kill {i + 1} at {at}: {said}; {len(progressed)} new or temp files on the host; "
              f"the next `up` converged{': ' + '; '.join(repaired) if repaired else ''}")  # fmt: skip
        host.assert_converged(new)
        converged, hits, repairs = converged + 1, hits + (not said.startswith("nothing")), repairs + bool(repaired)
        current = new
    return converged, hits, repairs


def test_sigkill_during_up_never_leaves_a_partial_file_and_the_next_up_converges(local_host: ChaosHost) -> None:
    host = local_host
    rng = random.Random(SEED)
    started = time.monotonic()
    host.up()
    # What a kill in the middle of a write leaves: a partial temporary file. The next
    # run, which writes into the same directory, must remove it.
    (host.root / "containers" / f"{TEMP_PREFIX}4242.3").write_bytes(host.rendered(host.b)["default.nix"][:100])
    quiet = kill_loop(host, rng, KILL_POINTS, "quiet")
    # The second loop shifts every timing: bounded by the time the quiet loop took, x4.
    with cpu_load(seconds=4 * (time.monotonic() - started) + 120) as cores:
        loaded = kill_loop(host, rng, LOADED_POINTS, f"under load (a busy loop on each of {cores} cores)")
    total = KILL_POINTS + LOADED_POINTS
    print(f"chaos seed {SEED}: {quiet[0] + loaded[0]} of {total} kill points converged "
          f"({quiet[1] + loaded[1]} hit a running `up`; {quiet[2] + loaded[2]} recoveries repaired the backend), "
          f"{KILL_POINTS} quiet + {LOADED_POINTS} under load, in {time.monotonic() - started:.0f} s")  # fmt: skip


def test_sigkill_during_the_first_up_leaves_a_pending_create_that_the_next_up_clears(local_host: ChaosHost) -> None:
    host = local_host
    proc = host.popen_up("first")
    assert wait_for(lambda: "activate:start" in host.activations(), 60), "the first `up` never activated"
    os.kill(proc.pid, signal.SIGKILL)
    kill_all_in(host.tmp)
    proc.wait(timeout=30)
    assert host.project.lock_files(), "the killed run left its lock"
    # Any command clears the lock of a run that is gone; only `up` drops the create.
    exported = host.pulumi("stack", "export")
    holder = f"{getpass.getuser()}@{socket.gethostname()} (pid {proc.pid})"
    assert exported.stderr.startswith(f"{CHECK}removed the lock of stack {STACK} left by {holder} at "), exported.stderr
    pending = json.loads(exported.stdout)["deployment"]["pending_operations"]
    assert [f"{op['type']} {op['resource']['urn']}" for op in pending] == [
        f"creating urn:pulumi:{STACK}::nixedge::{DYNAMIC}::{HOST}-modules"
    ]
    assert (host.root / MARKER).exists(), "the host is marked: its modules were never activated"
    repaired = host.recover()
    assert len(repaired) == 1, repaired
    assert repaired[0].startswith(f"dropped the interrupted create of {HOST}-modules from stack {STACK}:"), repaired
    host.assert_converged(host.a)


# -- a dropped SSH connection -------------------------------------------------------------------


def drop_connections(server: SshServer) -> int:
    """Kill every sshd child (one per connection): the network drops."""
    children = _children(server.process.pid)
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return len(children)


@pytest.mark.parametrize("when", ["writing", "activating"])
def test_ssh_connection_dropped_mid_run(tmp_path: Path, sshd: SshServer, when: str) -> None:
    host = ChaosHost(tmp_path, sleep=1.5, ssh=sshd)
    try:
        host.up()
        host.assert_converged(host.a)
        host.configure(host.b)
        starts = host.activations().count("activate:start")
        proc = host.popen_up("dropped")

        def writing() -> bool:
            return any(p.name.startswith(TEMP_PREFIX) for p in host.root.rglob("*"))

        def activating() -> bool:
            return host.activations().count("activate:start") > starts

        if when == "writing":
            assert wait_for(lambda: writing() or activating(), 60), "the update never wrote"
        else:
            assert wait_for(activating, 60), "the update never activated"
        landed = "activating" if activating() else "writing"
        dropped = drop_connections(sshd)
        code = proc.wait(timeout=180)
        output = (tmp_path / "dropped.log").read_text()
        said = next((line.strip() for line in output.splitlines() if f"{HOST} failed" in line), "")
        print(f"\ndropped {dropped} ssh connection(s) while {landed}: `up` exited {code}: {said[:300]}")
        if landed == "activating":
            assert code != 0, "an update whose activation lost its connection must fail"
        if code != 0:
            assert f"ssh to {sshd.destination} failed" in output, output
        settle(tmp_path)
        host.assert_no_partial_file(host.a, host.b)
        # The update failed, so the state still says what it said before: the files the
        # provider restored, unless the restore itself failed (then refresh reads them).
        host.recover()
        host.assert_converged(host.b)
    finally:
        kill_all_in(tmp_path)


# -- activation fails, rollback fails too ---------------------------------------------------------


def test_failed_activation_with_failed_rollback_is_loud_and_the_next_up_repairs(local_host: ChaosHost) -> None:
    host = local_host
    host.up()
    host.assert_converged(host.a)
    host.set_activation(exit_code=1, rollback_exit_code=3)  # same commands, rewritten scripts
    host.configure(host.b)
    failed = host.up(check=False)
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert f"Activation of {HOST} failed: `{host.bin / 'activate'}` exited with status 1." in output, output
    assert "Restored the previous modules, but THE ROLLBACK FAILED TOO:" in output
    assert f"`{host.bin / 'rollback'}` exited with status 3. {HOST} may still run the configuration" in output
    assert "while its files are the previous ones" in output
    assert "activate: building the system configuration... exit 1" in output, "the command's output is shown"
    modules = {rel: data for rel, data in host.tree().items() if rel not in (MANIFEST, MARKER, FAILED)}
    assert modules == host.rendered(host.a), "the previous modules are back"
    host.assert_state_matches_host()
    assert host.activations()[-4:] == ["activate:start", "activate:done:1", "rollback:start", "rollback:done:3"]
    assert MARKER in host.tree(), "the host is marked for activation"
    repair = "so `scripts/pulumi refresh` and `scripts/pulumi up` activate the host again even if no module changes"
    assert repair in output

    # Repaired with a working command, even with the config back at the host's modules:
    # refresh reads the marker, and the update activates.
    host.set_activation(exit_code=0, rollback_exit_code=0)
    host.configure(host.a)
    host.pulumi("refresh", "--yes")
    preview = host.pulumi("preview", "--diff")
    assert "activation_pending" in preview.stdout, preview.stdout
    host.up()
    host.assert_converged(host.a)
    assert host.activations()[-2:] == ["activate:start", "activate:done:0"]
    host.configure(host.b)
    repaired = host.up()
    assert "1 updated" in repaired.stdout, repaired.stdout
    host.assert_converged(host.b)
    assert host.activations()[-2:] == ["activate:start", "activate:done:0"]


# -- concurrent `pulumi up` -----------------------------------------------------------------------


def test_concurrent_up_is_refused_by_the_backend_lock(local_host: ChaosHost) -> None:
    host = local_host
    host.up()
    starts = host.activations().count("activate:start")
    # The activation waits for a gate, so the first `up` holds the lock as long as needed.
    gate = host.tmp / "gate"
    host.set_activation(0, 0, gate=gate)
    host.configure(host.b)
    first = host.popen_up("first")
    assert wait_for(lambda: host.activations().count("activate:start") > starts, 60), "the first `up` never activated"
    assert host.project.lock_files(), "the first `up` holds no lock while it activates"
    second = host.up(check=False)
    assert second.returncode != 0
    assert "the stack is currently locked by 1 lock(s)" in second.stderr, second.stderr
    assert first.poll() is None, "the first `up` was still running when the second was refused"
    gate.touch()
    assert first.wait(timeout=120) == 0, (host.tmp / "first.log").read_text()
    assert host.activations().count("activate:start") == starts + 1, "exactly one `up` activated"
    host.assert_converged(host.b)

    # Both at the same moment: at most one gets the lock; the others are refused whole.
    gate.unlink()
    host.configure(host.a)
    procs = [host.popen_up(f"racer-{i}") for i in range(2)]

    def settled() -> bool:
        done = [p.poll() is not None for p in procs]
        return all(done) or (any(done) and host.activations().count("activate:start") > starts + 1)

    assert wait_for(settled, 120), "neither racer finished"
    gate.touch()
    codes = [p.wait(timeout=120) for p in procs]
    logs = [(host.tmp / f"racer-{i}.log").read_text() for i in range(2)]
    refused = ["currently locked" in log for log in logs]
    assert codes.count(0) <= 1 and all(code == 0 or refused[i] for i, code in enumerate(codes)), logs
    assert host.activations().count("activate:start") == starts + 1 + codes.count(0)
    print(f"\nsimultaneous ups: exit codes {codes}, refused by the lock: {refused}")
    if codes.count(0) == 0:
        host.up()  # both lost the race: the lock refused both, and nothing happened
    host.assert_converged(host.a)


# -- files we do not own ----------------------------------------------------------------------


def test_foreign_files_in_the_modules_directory_are_never_deleted(local_host: ChaosHost) -> None:
    host = local_host
    host.up()
    foreign = {
        "hardware-configuration.nix": b'{ ... }: { fileSystems."/".device = "/dev/sda1"; }\n',
        "containers/legacy.nix": b"# written by hand\n{ }\n",
        "notes/README": b"not nixedge's\n",
    }
    for rel, data in foreign.items():
        (host.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (host.root / rel).write_bytes(data)

    host.configure(host.b)
    host.up()
    host.assert_converged(host.b, foreign)

    fewer = copy.deepcopy(host.b)
    removed = max(fewer["containers"])
    del fewer["containers"][removed]
    host.configure(fewer)
    host.up()
    assert not (host.root / "containers" / f"{removed}.nix").exists()
    host.assert_converged(fewer, foreign)

    host.pulumi("destroy", "--yes")
    assert host.tree() == foreign
    assert host.state_hashes() is None, "destroy left the HostModules resource in the state"
