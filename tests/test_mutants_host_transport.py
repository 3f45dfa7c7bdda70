"""Tests written for the mutation run's survivors (docs/testing.md, "Mutation testing")
in the host engine's transports and their callers: the ssh command line and the scripts
the ssh transport runs (through a stand-in `ssh` that runs the remote command here,
with sh, as a host would), the messages of a failed connection or file operation, the
stream of a command's output, the `target` property, the rollback's story, the prune
step's inputs and outputs, and the wire form of origin checks and claims.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from components.errors import ActivationError, HostError
from components.host import prune as prune_module
from components.host.local import LocalTransport
from components.host.manifest import PENDING
from components.host.ownership import Owner
from components.host.plan import Activation, Desired, Undo
from components.host.props import UNKNOWN
from components.host.rollback import fail, restore
from components.host.ssh import SshTransport
from components.host.streaming import run_streaming
from components.host.target import check_target, location, make_transport, open_target
from components.host.transport import TEMP_PREFIX, CommandResult, FileWrite, TransportError, check_path, tail
from components.host.wire import check_from_props, check_to_props, claims_from_props, claims_to_props
from components.model.claims import Claim, OriginCheck
from tests.conftest import closed_port
from tests.test_host_provider import Host
from tests.test_host_prune_provider import modules, pruner

# -- a stand-in for the system ssh ---------------------------------------------------------

FAKE_SSH = """\
#!{python}
# Logs its arguments, then runs the remote command (the last argument) with sh, as a
# host's sshd would; `-O exit` ends the (absent) master. Files beside it change that:
# NAME.refuse (ssh fails: exit 255, printing it), NAME.banner (printed to stderr first,
# as a host's login scripts might), bin/ (put first in the remote PATH).
import json, os, sys
me = os.path.abspath(__file__)
args = sys.argv[1:]
with open(me + ".log", "a") as log:
    log.write(json.dumps(args) + "\\n")
if "-O" in args:
    sys.stderr.write("Exit request sent.\\r\\n")
    sys.exit(0)
if os.path.exists(me + ".refuse"):
    with open(me + ".refuse", "rb") as f:
        sys.stderr.buffer.write(f.read())
    sys.exit(255)
if os.path.exists(me + ".banner"):
    with open(me + ".banner", "rb") as f:
        sys.stderr.buffer.write(f.read())
    sys.stderr.flush()
bin_dir = os.path.join(os.path.dirname(me), "bin")
if os.path.isdir(bin_dir):
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ["PATH"]
os.umask(0o022)  # sshd's usual session umask
os.execvp("sh", ["sh", "-c", args[-1]])
"""


@dataclass
class FakeSsh:
    command: Path

    @classmethod
    def install(cls, directory: Path) -> FakeSsh:
        """The stand-in written to `directory`/ssh-standin/ssh."""
        command = directory / "ssh-standin" / "ssh"
        command.parent.mkdir()
        command.write_text(FAKE_SSH.format(python=sys.executable))
        command.chmod(0o755)
        return cls(command)

    def calls(self) -> list[list[str]]:
        log = Path(f"{self.command}.log")
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def refuse(self, message: bytes) -> None:
        Path(f"{self.command}.refuse").write_bytes(message)

    def banner(self, text: str) -> None:
        Path(f"{self.command}.banner").write_text(text)

    def remote_command(self, name: str, script: str) -> None:
        """Put `name` (a sh script) first in the remote PATH."""
        path = self.command.parent / "bin" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"#!/bin/sh\n{script}\n")
        path.chmod(0o755)

    def transport(self, destination: str = "root@seminar", **kwargs: Any) -> SshTransport:
        return SshTransport(destination, ssh_command=[str(self.command)], **kwargs)


@pytest.fixture
def fake_ssh(tmp_path: Path) -> FakeSsh:
    return FakeSsh.install(tmp_path)


def control_path(argv: Sequence[str]) -> str:
    return next(a.split("=", 1)[1] for a in argv if a.startswith("ControlPath="))


# -- the ssh command line ------------------------------------------------------------------


def test_every_ssh_call_carries_the_options_the_port_and_one_control_master(fake_ssh: FakeSsh) -> None:
    """BatchMode (no prompt can hang a provider), the timeouts, the port, the caller's own
    options after the transport's, and the multiplexing options; `close` ends the master
    through the same socket."""
    t = fake_ssh.transport(port=2222, ssh_options=["-i", "/keys/deploy"], connect_timeout=7, persist_seconds=45)
    assert t.label == "root@seminar:2222"
    t.read_files(["/etc/hostname"])
    t.close()
    first, closing = fake_ssh.calls()
    control = control_path(first)
    assert control.endswith("/master")
    options = [
        "-o", "BatchMode=yes",
        "-o", "ConnectTimeout=7",
        "-o", "ServerAliveInterval=15",
        "-o", "ServerAliveCountMax=3",
        "-p", "2222",
        "-i", "/keys/deploy",
        "-o", "ControlMaster=auto",
        "-o", f"ControlPath={control}",
        "-o", "ControlPersist=45",
    ]  # fmt: skip
    assert first[:-1] == [*options, "root@seminar"]
    assert first[-1].startswith("sh -c ")
    assert closing == [*options, "-O", "exit", "root@seminar"]
    assert not os.path.exists(os.path.dirname(control)), "close removes the socket's directory"


def test_closing_says_nothing_and_an_unused_transport_runs_no_ssh(
    fake_ssh: FakeSsh, capfd: pytest.CaptureFixture[str]
) -> None:
    t = fake_ssh.transport()
    t.close()
    assert fake_ssh.calls() == []
    t.read_files(["/etc/hostname"])
    capfd.readouterr()
    t.close()
    assert capfd.readouterr() == ("", ""), "ssh's 'Exit request sent.' must not reach the provider's output"
    assert [call[-3:] for call in fake_ssh.calls()][-1] == ["-O", "exit", "root@seminar"]


def test_each_ssh_call_is_bounded_in_time(fake_ssh: FakeSsh, monkeypatch: pytest.MonkeyPatch) -> None:
    """120 s for a file operation, 600 s for a write, the check's own time plus 30 s
    for a TCP check, 30 s for closing."""
    bounds: list[object] = []
    real_run = subprocess.run

    def spy(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        bounds.append(kwargs.get("timeout"))
        return real_run(argv, **kwargs)

    monkeypatch.setattr(subprocess, "run", spy)
    t = fake_ssh.transport()
    t.read_files(["/etc/hostname"])
    t.write_files([FileWrite(str(fake_ssh.command.parent / "w.nix"), b"w")])
    t.tcp_check("127.0.0.1", closed_port(), 2)
    t.close()
    assert bounds == [120, 600, 32, 30]  # read, write, TCP check, close


# -- files and commands over ssh -----------------------------------------------------------


def test_files_written_and_read_back_over_ssh(fake_ssh: FakeSsh, tmp_path: Path) -> None:
    root = tmp_path / "etc" / "nixedge"
    (root / "containers").mkdir(parents=True)
    (root / "containers" / f"{TEMP_PREFIX}99.0").write_bytes(b"left by a dropped run")
    (root / f"{TEMP_PREFIX}98.1").write_bytes(b"left by a dropped run")
    (root / "foreign.nix").write_bytes(b"not ours")
    secret = tmp_path / "var" / "secrets" / "token"
    t = fake_ssh.transport()
    t.write_files([
        FileWrite(f"{root}/containers/a.nix", b"{ a = 1; }\n"),
        FileWrite(f"{root}/containers/b.nix", b"line\n" * 3),
        FileWrite(f"{root}/new/deeper/c.nix", bytes(range(256)), dir_mode=0o750),
        FileWrite(str(secret), b"s3cret", mode=0o600, dir_mode=0o700),
    ])  # fmt: skip
    assert sorted(os.listdir(root / "containers")) == ["a.nix", "b.nix"], "the leftover went"
    assert (root / "containers" / "b.nix").read_bytes() == b"line\n" * 3
    assert stat.S_IMODE((root / "new").stat().st_mode) == 0o755
    assert stat.S_IMODE((root / "new" / "deeper").stat().st_mode) == 0o750
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE(secret.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "containers" / "a.nix").stat().st_mode) == 0o644
    got = t.read_files([
        f"{root}/containers/b.nix", f"{root}/missing.nix", f"{root}/new/deeper/c.nix", f"{root}/containers/a.nix"
    ])  # fmt: skip
    assert got == {
        f"{root}/containers/b.nix": b"line\n" * 3,
        f"{root}/missing.nix": None,
        f"{root}/new/deeper/c.nix": bytes(range(256)),
        f"{root}/containers/a.nix": b"{ a = 1; }\n",
    }
    assert t.read_files([]) == {}
    t.clean_temp_files([str(root), str(root / "containers"), str(root)])
    assert sorted(os.listdir(root)) == ["containers", "foreign.nix", "new"]


def test_a_write_that_fails_leaves_its_temp_file_private(fake_ssh: FakeSsh, tmp_path: Path) -> None:
    """The temp file is made under umask 077: readable by no one else even before its
    chmod (here a chmod that fails, leaving it behind)."""
    fake_ssh.remote_command("chmod", "exit 1")
    t = fake_ssh.transport()
    with pytest.raises(TransportError, match=r"^file operation on root@seminar failed \(exit 3\): $"):
        t.write_files([FileWrite(str(tmp_path / "token"), b"s3cret", mode=0o600)])
    (left,) = tmp_path.glob(f"{TEMP_PREFIX}*")
    assert stat.S_IMODE(left.stat().st_mode) == 0o600


def test_a_failed_file_operation_names_the_host_the_exit_code_and_the_last_ten_lines(
    fake_ssh: FakeSsh, tmp_path: Path
) -> None:
    (tmp_path / "afile").write_text("")
    fake_ssh.banner("".join(f"banner {i}\n" for i in range(1, 13)))
    t = fake_ssh.transport()
    with pytest.raises(TransportError) as caught:
        t.write_files([FileWrite(str(tmp_path / "afile" / "x.nix"), b"x")])
    message = str(caught.value).splitlines()
    assert message[0] == "file operation on root@seminar failed (exit 3): banner 4"
    assert message[1:8] == [f"banner {i}" for i in range(5, 12)]
    assert message[8] == "banner 12"
    assert len(message) == 10 and "mkdir" in message[9], message


def test_ssh_that_cannot_connect_is_named_with_its_message(fake_ssh: FakeSsh) -> None:
    if shutil.which("ssh") is None:
        pytest.skip("no OpenSSH client (scripts/setup installs it)")
    port = closed_port()
    t = SshTransport("127.0.0.1", port=port, ssh_options=["-F", "/dev/null"], connect_timeout=5)
    with pytest.raises(TransportError) as caught:
        t.read_files(["/etc/hostname"])
    assert str(caught.value) == (
        f"ssh to 127.0.0.1:{port} failed: ssh: connect to host 127.0.0.1 port {port}: Connection refused"
    )
    with pytest.raises(TransportError) as caught:
        t.run(["true"], 10)
    assert str(caught.value) == (
        f"ssh to 127.0.0.1:{port} failed: ssh: connect to host 127.0.0.1 port {port}: Connection refused"
    )
    t.close()
    fake_ssh.refuse(b"")
    t = fake_ssh.transport()
    with pytest.raises(TransportError, match=r"^ssh to root@seminar failed: connection lost$"):
        t.run(["true"], 10)
    fake_ssh.refuse(b"kex_exchange_identification: \xff\xfe read: Connection reset\n")
    with pytest.raises(TransportError) as caught:
        t.read_files(["/etc/hostname"])
    assert (
        str(caught.value)
        == "ssh to root@seminar failed: kex_exchange_identification: \ufffd\ufffd read: Connection reset"
    )


def test_a_missing_or_unrunnable_ssh_command_is_named(tmp_path: Path) -> None:
    missing = SshTransport("root@seminar", ssh_command=[str(tmp_path / "no-ssh")])
    expected = f"^cannot run '{tmp_path}/no-ssh': not found$"
    with pytest.raises(TransportError, match=expected):
        missing.read_files(["/etc/hostname"])
    with pytest.raises(TransportError, match=expected):
        missing.run(["true"], 10)
    (tmp_path / "plain").write_text("not executable")
    unrunnable = SshTransport("root@seminar", port=22, ssh_command=[str(tmp_path / "plain")])
    with pytest.raises(TransportError) as caught:
        unrunnable.read_files(["/etc/hostname"])
    assert str(caught.value).startswith(f"cannot run '{tmp_path}/plain' for root@seminar:22: [Errno 13]")
    missing.close()
    unrunnable.close()


def test_a_command_over_ssh_runs_in_its_directory_with_its_output(fake_ssh: FakeSsh, tmp_path: Path) -> None:
    t = fake_ssh.transport()
    lines: list[str] = []
    result = t.run(["sh", "-c", 'echo "in $(pwd)"; echo "it\'s" err >&2; exit 4'], 30, str(tmp_path), lines.append)
    assert (result.exit_code, result.output) == (4, f"in {tmp_path}\nit's err\n")
    assert lines == [f"in {tmp_path}", "it's err"]
    assert t.run(["echo", "a b", "$HOME"], 30).output == "a b $HOME\n"


def test_a_tcp_check_from_the_host(fake_ssh: FakeSsh, listener: int) -> None:
    t = fake_ssh.transport()
    assert t.tcp_check("127.0.0.1", listener, 2) == CommandResult(0, "")
    refused = t.tcp_check("127.0.0.1", closed_port(), 2)
    assert refused.exit_code != 0 and "Connection refused" in refused.output, refused


def test_a_tcp_check_that_times_out_says_after_how_long(fake_ssh: FakeSsh) -> None:
    fake_ssh.remote_command("timeout", "exit 124")
    t = fake_ssh.transport()
    assert t.tcp_check("192.0.2.1", 443, 0.4) == CommandResult(124, "timed out after 1 s")
    assert t.tcp_check("192.0.2.1", 443, 3.2) == CommandResult(124, "timed out after 3 s")


# -- running a command and streaming its output --------------------------------------------


def test_a_line_that_is_not_utf8_still_reaches_the_display() -> None:
    lines: list[str] = []
    result = run_streaming(["printf", "caf\\351\\nnext\\n"], timeout=30, on_line=lines.append)
    assert lines == ["caf\ufffd", "next"]
    assert result.output == "caf\ufffd\nnext\n"


def test_a_command_reads_what_it_is_given_and_never_the_callers_input() -> None:
    assert run_streaming(["cat"], timeout=30, stdin=b"given\n") == CommandResult(0, "given\n")
    read_end, write_end = os.pipe()
    os.write(write_end, b"the provider's own input\n")
    os.close(write_end)
    saved = os.dup(0)
    os.dup2(read_end, 0)
    try:
        result = run_streaming(["cat"], timeout=30)
    finally:
        os.dup2(saved, 0)
        os.close(saved)
        os.close(read_end)
    assert result == CommandResult(0, "")


def test_a_timeout_says_after_how_long() -> None:
    with pytest.raises(subprocess.TimeoutExpired) as caught:
        run_streaming(["sleep", "30"], timeout=0.3)
    assert caught.value.timeout == 0.3


@pytest.fixture
def stray() -> Iterator[list[int]]:
    pids: list[int] = []
    yield pids
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)


def test_a_child_holding_the_output_is_waited_for_no_longer_than_the_timeout(stray: list[int]) -> None:
    start = time.monotonic()
    result = run_streaming(["sh", "-c", "sleep 20 & echo $!"], timeout=1)
    stray.append(int(result.output))
    assert result.exit_code == 0
    assert time.monotonic() - start < 10


# -- the target ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "problems"),
    [
        ({"path": "/etc/nixos/nixedge"}, []),
        ({"transport": "ssh", "destination": "root@seminar", "path": "/etc/nixos/nixedge/"}, []),
        ({"transport": "local"}, ["path must be the module directory (e.g. '/etc/nixos/nixedge')"]),
        ({"transport": "ssh", "path": "/etc/nixos/nixedge"}, ["destination is required for ssh (e.g. 'root@seminar')"]),
        (
            {"path": "/n", "ssh_options": "-v", "ssh_command": ["ssh", 1]},
            ["ssh_options must be a list of strings", "ssh_command must be a list of strings"],
        ),
        ({"path": "/n", "ssh_command": "ssh"}, ["ssh_command must be a list of strings"]),
    ],
)
def test_what_is_wrong_with_a_target(target: dict[str, Any], problems: list[str]) -> None:
    assert check_target(target) == problems


def test_where_the_modules_are_said_to_be() -> None:
    assert location({"transport": "ssh", "destination": "root@seminar"}, "/etc/nixedge") == "root@seminar:/etc/nixedge"
    assert location({"path": "x"}, "/srv/x") == "/srv/x"


def test_an_ssh_target_builds_its_ssh_command(fake_ssh: FakeSsh) -> None:
    target = {
        "transport": "ssh",
        "destination": "root@seminar",
        "path": "/etc/nixedge",
        "port": "2200.0",
        "ssh_options": ["-i", "/keys/deploy"],
        "ssh_command": [str(fake_ssh.command), "-4"],
    }
    t, root = make_transport(target)
    assert (t.label, root) == ("root@seminar:2200", "/etc/nixedge")
    t.read_files(["/etc/hostname"])
    t.close()
    argv = fake_ssh.calls()[0]
    assert argv[0] == "-4"
    assert argv[9:15] == ["-p", "2200", "-i", "/keys/deploy", "-o", "ControlMaster=auto"]
    t, _ = make_transport({**target, "ssh_options": ("-v",), "ssh_command": [str(fake_ssh.command)], "port": None})
    assert t.label == "root@seminar"
    t.read_files(["/etc/hostname"])
    t.close()
    assert fake_ssh.calls()[2][8:12] == ["-v", "-o", "ControlMaster=auto", "-o"], "no port, the options of a tuple"


def test_a_target_that_cannot_be_opened_is_named_by_its_host() -> None:
    with pytest.raises(HostError, match=r"^seminar: unknown transport 'ftp': expected 'local' or 'ssh'$"):
        open_target({"host": "seminar", "target": {"transport": "ftp", "path": "/x"}})
    with pytest.raises(HostError, match=r"^\?: unsafe path 'etc/x'"):
        open_target({"target": {"transport": "ssh", "destination": "h", "path": "etc/x"}})


# -- paths and messages --------------------------------------------------------------------


def test_only_absolute_normalised_plain_paths_pass() -> None:
    assert check_path("/etc/nixos/nixedge/default.nix") == "/etc/nixos/nixedge/default.nix"
    for bad in ("etc/nixos", "/etc/nix os", "/etc/nixos/", "/etc/./x", "/etc/../x"):
        with pytest.raises(TransportError) as caught:
            check_path(bad)
        assert str(caught.value) == (
            f"unsafe path {bad!r}: expected an absolute, normalised path of letters, "
            "digits and ._@+-/ (e.g. /etc/nixos/nixedge/default.nix)"
        )


def test_the_tail_of_an_output_ignores_its_last_line_breaks() -> None:
    assert tail("first\nsecond\nthird\n\n\n", 2) == "second\nthird"
    assert tail("\n\nonly\n") == "\n\nonly"


# -- the wire form -------------------------------------------------------------------------


def test_an_origin_check_reads_back_as_it_was_written() -> None:
    check = OriginCheck(
        container="forgejo",
        address="192.168.100.11",
        port=3000,
        files=("containers/forgejo.nix",),
        attempts=7,
        interval=0.5,
        timeout=9.5,
    )
    assert check_from_props(check_to_props(check)) == check


def test_a_claim_whose_value_has_a_space_reads_back_as_it_was_written() -> None:
    claims = {"containers/a.nix": (Claim("path", "/srv/my data", "a"), Claim("", "legacy", "b"))}
    assert claims_to_props(claims) == {"containers/a.nix": {"path /srv/my data": "a", "legacy": "b"}}
    assert claims_from_props(claims_to_props(claims)) == claims


# -- the rollback's story ------------------------------------------------------------------


class CannotRemove(LocalTransport):
    """Restoring fails at its removals; writing (the pending marker) still works."""

    def remove_files(self, paths: Sequence[str]) -> None:
        raise TransportError("disk gone read-only")


class CannotRun(LocalTransport):
    def run(self, argv: Sequence[str], timeout: float, cwd: str | None = None, on_line: Any = None) -> CommandResult:
        raise TransportError("no answer within 30 s")


def failing_rollback(tmp_path: Path) -> str:
    script = tmp_path / "rollback.sh"
    script.write_text('#!/bin/sh\necho "rolling back in $(pwd)"\nexit 1\n')
    script.chmod(0o755)
    return str(script)


def story(t: LocalTransport, tmp_path: Path) -> tuple[str, Path]:
    root = tmp_path / "etc" / "nixedge"
    root.mkdir(parents=True)
    (root / "a.nix").write_text("new")
    (root / "b.nix").write_text("new")
    d = Desired(
        host="seminar",
        root=str(root),
        files={"a.nix": "new"},
        activation=Activation(command=("activate",), rollback=(failing_rollback(tmp_path),), timeout=30),
    )
    undo = Undo(
        before={f"{root}/a.nix": b"old", f"{root}/b.nix": None},
        touched=(f"{root}/a.nix", f"{root}/b.nix"),
        private=frozenset(),
    )
    with pytest.raises(ActivationError) as caught:
        fail(t, d, undo, "the build failed", "error: attribute missing\n")
    return str(caught.value), root


def test_a_rollback_that_fails_after_a_restore_leaves_the_pending_marker(tmp_path: Path) -> None:
    message, root = story(LocalTransport(), tmp_path)
    rollback = tmp_path / "rollback.sh"
    assert message.splitlines() == [
        "Activation of seminar failed: the build failed.",
        (
            f"Restored the previous modules, but THE ROLLBACK FAILED TOO: `{rollback}` exited with status 1. "
            "seminar may still run the configuration of the failed activation while its files are the previous "
            "ones; repair it on the host (e.g. `nixos-rebuild switch --rollback` there) before the next "
            "`scripts/pulumi up`; nixedge left its pending-activation marker there, so `scripts/pulumi refresh` "
            "and `scripts/pulumi up` activate the host again even if no module changes."
        ),
        "Output of `activate` (last 40 lines):",
        "    error: attribute missing",
        f"Output of `{rollback}` (last 40 lines):",
        f"    rolling back in {root}",
    ]
    assert sorted(os.listdir(root)) == [PENDING, "a.nix"]
    assert (root / "a.nix").read_text() == "old"


def test_a_rollback_that_fails_without_a_restore_says_the_files_are_new(tmp_path: Path) -> None:
    message, root = story(CannotRemove(), tmp_path)
    rollback = tmp_path / "rollback.sh"
    assert message.splitlines()[:3] == [
        "Activation of seminar failed: the build failed.",
        (
            "COULD NOT RESTORE the previous modules (disk gone read-only): seminar has the new "
            "modules on disk (each file complete)."
        ),
        (
            f"THE ROLLBACK FAILED TOO: `{rollback}` exited with status 1. seminar may still run the configuration "
            "of the failed activation; repair it on the host (e.g. `nixos-rebuild switch --rollback` there) "
            "before the next `scripts/pulumi up`."
        ),
    ]
    assert PENDING not in os.listdir(root)


def test_a_rollback_that_cannot_be_run_says_why(tmp_path: Path) -> None:
    message, _ = story(CannotRun(), tmp_path)
    rollback = tmp_path / "rollback.sh"
    assert message.splitlines()[1] == (
        f"Restored the previous modules, but THE ROLLBACK FAILED TOO: `{rollback}` could not be run: "
        "no answer within 30 s. seminar may still run the configuration of the failed activation while its "
        "files are the previous ones; repair it on the host (e.g. `nixos-rebuild switch --rollback` there) "
        "before the next `scripts/pulumi up`; nixedge left its pending-activation marker there, so "
        "`scripts/pulumi refresh` and `scripts/pulumi up` activate the host again even if no module changes."
    )
    assert message.splitlines()[2:] == ["Output of `activate` (last 40 lines):", "    error: attribute missing"]


def test_a_restored_file_gets_the_directory_modes_of_its_kind(tmp_path: Path) -> None:
    public, private = tmp_path / "pub" / "a.nix", tmp_path / "priv" / "token"
    restore(
        LocalTransport(),
        Undo(
            before={str(public): b"a", str(private): b"t"},
            touched=(str(public), str(private)),
            private=frozenset({str(private)}),
        ),
    )
    assert [stat.S_IMODE(p.stat().st_mode) for p in (public.parent, public, private.parent, private)] == [
        0o755,
        0o644,
        0o700,
        0o600,
    ]


# -- the prune step ------------------------------------------------------------------------


def test_prune_inputs_get_an_empty_activation_and_an_unknown_keep_passes(tmp_path: Path) -> None:
    provider = prune_module.HostPruneProvider()
    props = {"host": "seminar", "target": {"path": str(tmp_path)}, "keep": UNKNOWN}
    result = provider.check({}, props)
    assert result.failures == []
    assert result.inputs["activation_config"] == {"command": [], "rollback": []}


def test_prune_diff_keeps_the_path_while_the_target_stays_and_sees_leaving_change(tmp_path: Path) -> None:
    host = Host(tmp_path)
    provider, props = pruner(host, "forgejo")
    olds = {**props, "path": str(host.root), "leaving": {}}
    same = provider.diff("prune", olds, props)
    assert (same.changes, same.stables) == (False, ["path"])
    moved = provider.diff("prune", olds, {**props, "target": {"transport": "local", "path": str(tmp_path / "x")}})
    assert (moved.changes, moved.stables) == (True, [])
    assert provider.diff("prune", olds, {**props, "leaving": {"containers/uptime.nix": True}}).changes is True
    gone = provider.diff("prune", {**olds, "leaving": {"containers/uptime.nix": True}}, {**props, "leaving": {}})
    assert gone.changes is True


def test_an_update_that_removes_nothing_keeps_its_path_and_its_inputs(tmp_path: Path) -> None:
    host = Host(tmp_path)
    provider, props = pruner(host, "forgejo")
    olds = {**props, "path": "elsewhere:/kept", "leaving": {}}
    outs = provider.update("prune", olds, {**props, "leaving": {}}).outs or {}
    assert (outs["path"], outs["leaving"], outs["removed"], outs["ran"]) == ("elsewhere:/kept", {}, [], False)


def test_prune_reports_what_was_leaving(tmp_path: Path) -> None:
    host = Host(tmp_path)
    host.provider.create(modules(host, "forgejo", "uptime"))
    provider, props = pruner(host, "forgejo", "uptime")
    leaving = {"containers/kuma.nix": True}
    outs = provider.create({**props, "leaving": leaving}).outs or {}
    assert outs["leaving"] == leaving


def test_prune_refuses_a_directory_another_stack_owns(tmp_path: Path) -> None:
    host = Host(tmp_path)
    ours, theirs = Owner("nixedge", "dev"), Owner("nixedge", "prod")
    host.provider.create({**modules(host, "forgejo"), "owner": theirs.to_props()})
    provider, props = pruner(host, "forgejo")
    with pytest.raises(HostError, match="^Refusing to touch .* it belongs to stack 'prod'"):
        provider.create({**props, "owner": ours.to_props()})
