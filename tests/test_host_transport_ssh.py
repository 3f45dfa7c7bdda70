"""The ssh transport against a real OpenSSH server (tests.sshd): file operations with
POSIX sh + coreutils over one multiplexed connection, host-key checking left on, and
under the engine the whole cycle with one connection per `up` (none for a no-op `up`
or a preview), a TCP origin check from the host, and a connection dropped in the
middle of a write that leaves no partial file and converges on the next run.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from pulumi import automation as auto

from components.errors import HostError
from components.host.manifest import MANIFEST
from components.host.ssh import SshTransport
from components.host.transport import TEMP_PREFIX, FileWrite
from components.model.claims import OriginCheck
from tests.conftest import Engine, HostSpec, closed_port, log_lines, recording_command, without_failed_record
from tests.sshd import SshServer

pytestmark = pytest.mark.engine

SECRET = "ssh-tunnel-token-77aa01"


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_transport_operations_share_one_connection(sshd: SshServer, tmp_path: Path, listener: int) -> None:
    root = tmp_path / "etc" / "nixedge"
    (root / "containers").mkdir(parents=True)
    (root / "containers" / f"{TEMP_PREFIX}4242.0").write_bytes(b"left by a dropped run")
    (root / "foreign.nix").write_bytes(b"not ours")
    secret = tmp_path / "secrets" / "token"
    with SshTransport(sshd.destination, ssh_options=sshd.ssh_options) as t:
        t.write_files([
            FileWrite(f"{root}/containers/a.nix", b"{ a = 1; }\n"),
            FileWrite(f"{root}/binary.nix", bytes(range(256)) * 3),
            FileWrite(f"{root}/empty.nix", b""),
            FileWrite(str(secret), SECRET.encode(), mode=0o600, dir_mode=0o700),
        ])  # fmt: skip
        assert tree(root) == {
            "binary.nix": bytes(range(256)) * 3,
            "containers/a.nix": b"{ a = 1; }\n",
            "empty.nix": b"",
            "foreign.nix": b"not ours",
        }, "written, and the leftover temp file is gone"
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600
        assert stat.S_IMODE(secret.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE((root / "empty.nix").stat().st_mode) == 0o644
        got = t.read_files([f"{root}/binary.nix", f"{root}/missing.nix", f"{root}/empty.nix"])
        assert got == {
            f"{root}/binary.nix": bytes(range(256)) * 3,
            f"{root}/missing.nix": None,
            f"{root}/empty.nix": b"",
        }
        t.remove_files([f"{root}/containers/a.nix", f"{root}/missing.nix"])
        t.remove_empty_dirs([f"{root}/containers", str(root)])
        assert sorted(os.listdir(root)) == ["binary.nix", "empty.nix", "foreign.nix"]
        result = t.run(["sh", "-c", 'echo "out in $(pwd)"; echo err >&2; exit 7'], 30, str(root))
        assert (result.exit_code, result.output) == (7, f"out in {root}\nerr\n")
        assert t.tcp_check("127.0.0.1", listener, 2).ok
        assert not t.tcp_check("127.0.0.1", closed_port(), 2).ok
    assert sshd.connections() == 1


def test_host_key_checking_stays_on(sshd: SshServer) -> None:
    options = [*sshd.ssh_options, "-o", "UserKnownHostsFile=/dev/null"]
    with (
        SshTransport(sshd.destination, ssh_options=options) as t,
        pytest.raises(HostError, match="Host key verification failed"),
    ):
        t.read_files(["/etc/hostname"])


class SshHost:
    """A HostSpec on the sshd fixture, with recording activation commands."""

    def __init__(self, engine: Engine, sshd: SshServer, tmp_path: Path) -> None:
        self.sshd = sshd
        self.root = tmp_path / "remote" / "etc" / "nixos" / "nixedge"
        self.secret = tmp_path / "remote" / "var" / "lib" / "nixedge" / "tunnel-token"
        self.log = tmp_path / "activations.log"
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        self.spec = HostSpec(
            target=sshd.target(str(self.root), port=sshd.port),
            files={
                "default.nix": "{\n  imports = [ ./containers/forgejo.nix ];\n}\n",
                "containers/forgejo.nix": "{\n  HTTP_PORT = 8080;\n  ports = [ 2222 ];\n}\n",
            },
            secrets={str(self.secret): SECRET},
            activation={
                "command": recording_command(self.bin, "activate", self.log),
                "rollback": recording_command(self.bin, "rollback", self.log),
            },
        )
        self.stack = engine.stack(self.spec.program())

    def connections_during(self, run: object) -> int:
        before = self.sshd.connections()
        assert callable(run)
        run()
        return self.sshd.connections() - before


@pytest.fixture
def ssh_host(engine: Engine, sshd: SshServer, tmp_path: Path) -> SshHost:
    return SshHost(engine, sshd, tmp_path)


def test_ssh_cycle_one_connection_per_up(ssh_host: SshHost, engine: Engine, listener: int) -> None:
    h = ssh_host
    h.spec.checks = [OriginCheck("forgejo", "127.0.0.1", listener, ("containers/forgejo.nix",),
                                 attempts=2, interval=0.1, timeout=2)]  # fmt: skip
    assert h.connections_during(h.stack.up) == 1
    assert tree(h.root).keys() == {"default.nix", "containers/forgejo.nix", MANIFEST}
    assert h.secret.read_text() == SECRET
    assert stat.S_IMODE(h.secret.stat().st_mode) == 0o600
    assert log_lines(h.log) == ["activate"]

    assert h.connections_during(h.stack.up) == 0, "a no-op up must not connect"
    assert log_lines(h.log) == ["activate"]

    h.spec.files["containers/forgejo.nix"] = "{\n  HTTP_PORT = 3000;\n  ports = [ 2222 ];\n}\n"
    assert h.connections_during(lambda: h.stack.preview(diff=True)) == 0
    result: list[auto.UpResult] = []
    assert h.connections_during(lambda: result.append(h.stack.up())) == 1
    assert result[0].outputs["activation"].value["changed"] == ["containers/forgejo.nix"]
    assert result[0].outputs["activation"].value["checked"] == ["forgejo"]
    assert log_lines(h.log) == ["activate", "activate"]

    (h.root / "default.nix").write_text("# edited on the host\n")
    assert h.connections_during(h.stack.refresh) == 1
    assert h.connections_during(h.stack.up) == 1
    assert (h.root / "default.nix").read_text().startswith("{\n  imports")

    (h.root / "hardware.nix").write_text("{ }\n")  # not ours
    assert h.connections_during(h.stack.destroy) == 1
    assert tree(h.root) == {"hardware.nix": b"{ }\n"}
    assert not h.secret.exists()
    assert SECRET not in engine.state_text()


def test_ssh_origin_check_failure_rolls_back(ssh_host: SshHost) -> None:
    h = ssh_host
    h.stack.up()
    before = tree(h.root)
    port = closed_port()
    h.spec.files["containers/forgejo.nix"] = f"{{\n  HTTP_PORT = {port};\n}}\n"
    h.spec.checks = [OriginCheck("forgejo", "127.0.0.1", port, ("containers/forgejo.nix",),
                                 attempts=2, interval=0.1, timeout=2)]  # fmt: skip
    with pytest.raises(auto.CommandError) as err:
        h.stack.up()
    assert f"did not accept TCP connections on 127.0.0.1:{port} from seminar" in str(err.value)
    assert "Restored the previous modules and rolled back" in str(err.value)
    assert without_failed_record(tree(h.root)) == before
    assert log_lines(h.log) == ["activate", "activate", "rollback"]


# An ssh client wrapper: on the first command that sends more than THRESHOLD bytes (the
# big write) it sends half of them, then kills the ControlMaster: the connection drops
# while the file is in transfer. Every other command goes straight to ssh.
DROPPING_SSH = """#!{python}
import os, re, signal, subprocess, sys, time
args = sys.argv[1:]
flag = {flag!r}
data = b"" if "-O" in args else sys.stdin.buffer.read()
if len(data) < {threshold} or os.path.exists(flag):
    sys.exit(subprocess.run(["ssh", *args], input=data).returncode)
proc = subprocess.Popen(["ssh", *args], stdin=subprocess.PIPE)
proc.stdin.write(data[: len(data) // 2])
proc.stdin.flush()
# Wait until the remote side is writing the temp file (at most 20 s), then note it
# for the test: the evidence that the drop happens mid-write.
def in_transfer():
    if not os.path.isdir({watch!r}):
        return []
    return [(e.name, e.stat().st_size) for e in os.scandir({watch!r})
            if e.name.startswith(".nixedge-tmp.") and e.stat().st_size > 0]
deadline = time.monotonic() + 20
while not in_transfer() and time.monotonic() < deadline:
    time.sleep(0.02)
with open(flag, "w") as f:
    for name, size in in_transfer():
        print(name, size, file=f)
check = subprocess.run(["ssh", *args[:-2], "-O", "check", args[-2]],
                       capture_output=True, text=True)
os.kill(int(re.search(r"pid=(\\d+)", check.stderr).group(1)), signal.SIGKILL)
try:
    proc.stdin.write(data[len(data) // 2 :])
    proc.stdin.close()
except BrokenPipeError:
    pass
sys.exit(proc.wait())
"""


def test_connection_dropped_mid_write_leaves_no_partial_file(ssh_host: SshHost, tmp_path: Path) -> None:
    h = ssh_host
    h.stack.up()
    old = tree(h.root)
    wrapper = tmp_path / "dropping-ssh"
    flag = tmp_path / "dropped"
    wrapper.write_text(
        DROPPING_SSH.format(python=sys.executable, flag=str(flag), threshold=100_000, watch=str(h.root / "containers"))
    )
    wrapper.chmod(0o755)
    h.spec.target = {**h.spec.target, "ssh_command": [str(wrapper)]}
    big = "".join(f"# filler line {i:07d} of a large generated module\n" for i in range(40_000))
    h.spec.files["containers/big.nix"] = big
    h.spec.files["containers/forgejo.nix"] = "{\n  HTTP_PORT = 3000;\n}\n"

    with pytest.raises(auto.CommandError) as err:
        h.stack.up()
    in_transfer = [line.split() for line in flag.read_text().splitlines()]
    assert len(in_transfer) == 1, "the connection dropped while a temp file was written"
    assert 0 < int(in_transfer[0][1]) < len(big), "... and it was partial"
    assert "connection lost" in str(err.value)
    assert "Writing modules to seminar failed" in str(err.value)
    assert "restored the previous modules; nothing was activated" in str(err.value)
    after = {k: v for k, v in tree(h.root).items() if TEMP_PREFIX not in k}
    assert after == old, "every file is the previous one; big.nix was never renamed in"
    assert log_lines(h.log) == ["activate"]

    up = h.stack.up()
    assert tree(h.root)["containers/big.nix"] == big.encode()
    assert not [k for k in tree(h.root) if TEMP_PREFIX in k]
    assert up.outputs["activation"].value["changed"] == [
        "containers/big.nix", "containers/forgejo.nix",
    ]  # fmt: skip
    assert log_lines(h.log) == ["activate", "activate"]
