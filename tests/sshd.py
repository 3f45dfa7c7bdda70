"""A real OpenSSH server for tests: `/usr/sbin/sshd -D` on 127.0.0.1 at a free port.

The fixture `sshd` makes a host key, a client key, a known_hosts that pins the host
key (host-key checking stays on) and an ssh_config with the Host alias `nixedge-test`,
all in the test's tmp_path; it starts the server as the current user, yields an
`SshServer`, and stops the server (and every session process it forked) afterwards.
Pass `server.ssh_options` (`-F <config>`) to ssh; `server.connections()` counts the
connections the server accepted, from its log.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SSHD = "/usr/sbin/sshd"
ALIAS = "nixedge-test"


@dataclass
class SshServer:
    """How to reach the test server, and what its log says."""

    port: int
    user: str
    config: Path
    """ssh_config with Host `nixedge-test`: pass it with `-F`."""
    log: Path
    process: subprocess.Popen[bytes]
    destination: str = ALIAS

    @property
    def ssh_options(self) -> list[str]:
        return ["-F", str(self.config)]

    def target(self, path: str, **extra: Any) -> dict[str, Any]:
        """A HostModules ssh target for `path` on this server."""
        return {
            "transport": "ssh",
            "destination": self.destination,
            "path": path,
            "ssh_options": self.ssh_options,
            **extra,
        }

    def connections(self) -> int:
        """Connections accepted so far (one per authenticated TCP connection)."""
        return self.log.read_text(errors="replace").count("Accepted publickey for ")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _keygen(path: Path) -> str:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "nixedge-test", "-f", str(path)],
        check=True,
    )
    return path.with_suffix(".pub").read_text().strip()


def _wait_listening(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sshd exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"sshd did not listen on 127.0.0.1:{port}:\n{log.read_text()}")


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[SshServer]:
    if not os.path.exists(SSHD) or shutil.which("ssh") is None:
        pytest.skip("OpenSSH server/client not installed (scripts/setup installs them)")
    d = tmp_path / "sshd"
    d.mkdir()
    host_pub = _keygen(d / "host_key")
    client_pub = _keygen(d / "client_key")
    (d / "authorized_keys").write_text(client_pub + "\n")
    (d / "known_hosts").write_text(f"{ALIAS} {' '.join(host_pub.split()[:2])}\n")
    user = getpass.getuser()
    if os.geteuid() == 0:
        # sshd refuses to start as root without its privilege separation directory.
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    log = d / "sshd.log"
    log.touch()
    home = d / "home"
    home.mkdir()
    for _ in range(5):
        port = _free_port()
        cfg = d / "sshd_config"
        cfg.write_text(
            f"Port {port}\n"
            "ListenAddress 127.0.0.1\n"
            f"HostKey {d / 'host_key'}\n"
            "PidFile none\n"
            f"AuthorizedKeysFile {d / 'authorized_keys'}\n"
            "PubkeyAuthentication yes\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            "PermitRootLogin prohibit-password\n"
            "UsePAM no\n"
            "StrictModes no\n"
            "MaxSessions 64\n"
            "LogLevel VERBOSE\n"
            # Sessions get a home of their own: the account's shell startup files (a
            # ~/.bashrc that sources a missing file) would print into every command's output.
            f"SetEnv HOME={home}\n"
        )
        proc = subprocess.Popen(
            [SSHD, "-D", "-f", str(cfg), "-E", str(log)],
            stdin=subprocess.DEVNULL,
        )
        try:
            _wait_listening(port, proc, log)
            break
        except RuntimeError:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
    else:
        raise RuntimeError(f"could not start sshd:\n{log.read_text()}")
    config = d / "ssh_config"
    config.write_text(
        f"Host {ALIAS}\n"
        "  HostName 127.0.0.1\n"
        f"  Port {port}\n"
        f"  User {user}\n"
        f"  IdentityFile {d / 'client_key'}\n"
        "  IdentitiesOnly yes\n"
        "  IdentityAgent none\n"
        f"  UserKnownHostsFile {d / 'known_hosts'}\n"
        "  GlobalKnownHostsFile /dev/null\n"
        "  HostKeyAlias nixedge-test\n"
        "  StrictHostKeyChecking yes\n"
        "  LogLevel ERROR\n"
    )
    server = SshServer(port=port, user=user, config=config, log=log, process=proc)
    try:
        yield server
    finally:
        # Connection handlers are the listener's children, each in its own session
        # (sshd calls setsid), so they are stopped one by one, by pid.
        for pid in _children(proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat_line = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 4 (ppid) follows the parenthesised command name, which may hold spaces.
        if int(stat_line.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found
