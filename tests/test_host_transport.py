"""The transports' own guarantees, without a host provider: atomic local writes that
clean up after an interrupted run, and an ssh control socket path that fits.
(The ssh transport against a real sshd: tests/test_host_transport_ssh.py.)"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from components.errors import HostError
from components.host.local import LocalTransport
from components.host.transport import TEMP_PREFIX, FileWrite


def test_local_write_is_atomic_and_cleans_leftovers(tmp_path: Path) -> None:
    t = LocalTransport()
    (tmp_path / f"{TEMP_PREFIX}12.0").write_text("partial from an interrupted run")
    (tmp_path / "foreign.nix").write_text("not ours")
    t.clean_temp_files([str(tmp_path)])
    t.write_files([FileWrite(str(tmp_path / "a" / "b.nix"), b"new", mode=0o600, dir_mode=0o700)])
    assert sorted(os.listdir(tmp_path)) == ["a", "foreign.nix"]
    assert (tmp_path / "a" / "b.nix").read_bytes() == b"new"
    assert stat.S_IMODE((tmp_path / "a" / "b.nix").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700


def test_local_write_failure_leaves_no_temp_file(tmp_path: Path) -> None:
    t = LocalTransport()
    (tmp_path / "x.nix").mkdir()  # rename over a directory fails
    with pytest.raises(HostError, match="cannot write"):
        t.write_files([FileWrite(str(tmp_path / "x.nix"), b"data")])
    assert os.listdir(tmp_path) == ["x.nix"]


def test_ssh_control_socket_fits_with_a_long_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Unix socket path holds 108 bytes; a long TMPDIR must not push the ControlPath past it."""
    import tempfile

    from components.host.ssh import SshTransport

    long_tmp = tmp_path / ("t" * 120)
    long_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(long_tmp))
    transport = SshTransport("root@example.invalid")
    options = transport._options()
    control = next(o.split("=", 1)[1] for o in options if o.startswith("ControlPath="))
    try:
        assert len(control.encode()) < 108, control
        assert control.startswith("/tmp/nixedge-ssh-") and control.endswith("/master"), control
    finally:
        transport.close()  # removes the directory it made, and nothing else
    assert not os.path.exists(os.path.dirname(control))


def test_ssh_close_removes_only_what_it_made(monkeypatch: pytest.MonkeyPatch) -> None:
    """close() removes its socket and its directory, never more: a file someone put beside
    the socket stays, and so does the directory holding it (no recursive delete)."""
    import tempfile

    from components.host.ssh import SshTransport

    base = Path(tempfile.mkdtemp(prefix="nx-", dir="/tmp"))  # short: the socket path must fit
    monkeypatch.setattr(tempfile, "tempdir", str(base))
    try:
        transport = SshTransport("root@example.invalid")
        transport._options()
        (control_dir,) = base.iterdir()
        (control_dir / "master").write_bytes(b"")
        transport.close()
        assert list(base.iterdir()) == []

        transport = SshTransport("root@example.invalid")
        transport._options()
        (control_dir,) = base.iterdir()
        (control_dir / "someone-elses").write_bytes(b"kept")
        transport.close()
        assert (control_dir / "someone-elses").read_bytes() == b"kept"
        (control_dir / "someone-elses").unlink()
        control_dir.rmdir()
    finally:
        base.rmdir()
