"""Where the host half writes: a directory on this machine, or a host over OpenSSH.

Both transports offer the same small interface (`Transport`): read files, write files
atomically, remove files and empty directories, run a command, and check from the host
that a TCP address:port accepts connections. Paths are absolute POSIX paths on the host.

Atomic means: each file is written to a temporary file in its own directory
(`.nixedge-tmp.*`, a name only nixedge uses), fsynced, checked and renamed over the
destination, so a reader sees the old file or the new one, never a part. Temporary
files left by an interrupted run are removed by the next write into that directory.

The ssh transport uses the system `ssh` (so ~/.ssh/config, agents and ProxyCommand
work; host-key checking stays as configured) and only POSIX sh + coreutils on the
remote side: a NixOS host may have no python. All commands of one `SshTransport` share
one multiplexed connection (ControlMaster) in a private socket directory, closed by
`close()`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shlex
import shutil
import socket
import stat
import subprocess
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from types import TracebackType
from typing import Self

from components.errors import HostError

TEMP_PREFIX = ".nixedge-tmp."
"""Prefix of our temporary files; nothing else may use it (cleanup removes them)."""

# Paths reach remote shell scripts; a plain charset keeps quoting trivially correct.
_SAFE_PATH = re.compile(r"^/[A-Za-z0-9._@+/-]*$")


class TransportError(HostError):
    """Raised when the host cannot be reached or a file operation on it fails."""


@dataclass(frozen=True)
class CommandResult:
    """Exit code and combined stdout+stderr of a command run on the host."""

    exit_code: int
    output: str

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


@dataclass(frozen=True)
class FileWrite:
    """One file to write: absolute path, content and permission bits."""

    path: str
    content: bytes
    mode: int = 0o644
    dir_mode: int = 0o755
    """Mode of directories created for it (0700 for secrets)."""


def check_path(path: str) -> str:
    """Return `path` if it is an absolute, normalised path of plain characters, else raise."""
    if not _SAFE_PATH.fullmatch(path) or str(PurePosixPath(path)) != path or "/../" in f"{path}/":
        raise TransportError(
            f"unsafe path {path!r}: expected an absolute, normalised path of letters, "
            "digits and ._@+-/ (e.g. /etc/nixos/nixedge/default.nix)"
        )
    return path


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tail(text: str, lines: int = 40) -> str:
    """The last `lines` lines of `text`, for error messages."""
    return "\n".join(text.rstrip("\n").splitlines()[-lines:])


class Transport(ABC):
    """Files and commands on one host. Use as a context manager; `close()` ends it."""

    label: str
    """Where this transport points, for messages (e.g. `root@seminar`)."""

    @abstractmethod
    def read_files(self, paths: Sequence[str]) -> dict[str, bytes | None]:
        """Content of each path, None for a path that is not a regular file."""

    @abstractmethod
    def write_files(self, files: Sequence[FileWrite]) -> None:
        """Write every file atomically (see module docstring), creating directories.

        All temporary files are written and verified before the first rename, so a
        failure while transferring leaves every destination untouched.
        """

    @abstractmethod
    def remove_files(self, paths: Sequence[str]) -> None:
        """Remove the given files; a missing file is not an error."""

    @abstractmethod
    def remove_empty_dirs(self, dirs: Sequence[str]) -> None:
        """Remove each directory that is empty, deepest first; others stay."""

    @abstractmethod
    def clean_temp_files(self, dirs: Sequence[str]) -> None:
        """Remove our leftover temporary files (`.nixedge-tmp.*`) in these directories."""

    @abstractmethod
    def run(self, argv: Sequence[str], timeout: float, cwd: str | None = None) -> CommandResult:
        """Run `argv` on the host (in `cwd` when it exists); never raises on a non-zero exit."""

    @abstractmethod
    def tcp_check(self, address: str, port: int, timeout: float) -> CommandResult:
        """Try one TCP connection from the host to address:port; exit code 0 if accepted."""

    def close(self) -> None:  # noqa: B027 - optional hook: most transports hold nothing
        """Release connections; the transport may not be used afterwards."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _parents_deepest_first(paths: Iterable[str]) -> list[str]:
    return sorted({str(PurePosixPath(p)) for p in paths}, key=lambda d: (-d.count("/"), d))


class LocalTransport(Transport):
    """A directory tree on this machine (the `dev` stack's embedded host)."""

    def __init__(self, label: str = "localhost") -> None:
        self.label = label

    def read_files(self, paths: Sequence[str]) -> dict[str, bytes | None]:
        result: dict[str, bytes | None] = {}
        for path in paths:
            try:
                with open(path, "rb") as f:
                    if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                        result[path] = None
                        continue
                    result[path] = f.read()
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                result[path] = None
            except OSError as exc:
                raise TransportError(f"cannot read {path}: {exc.strerror}") from exc
        return result

    def write_files(self, files: Sequence[FileWrite]) -> None:
        # As the ssh transport does: temporary files of an interrupted run go first.
        self.clean_temp_files(sorted({os.path.dirname(item.path) for item in files}))
        temps: list[tuple[str, str]] = []
        try:
            for item in files:
                directory = os.path.dirname(item.path)
                self._makedirs(directory, item.dir_mode)
                fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=directory)
                temps.append((tmp, item.path))
                with os.fdopen(fd, "wb") as f:
                    f.write(item.content)
                    f.flush()
                    os.fchmod(f.fileno(), item.mode)
                    os.fsync(f.fileno())
            for tmp, path in temps:
                os.replace(tmp, path)
            for directory in {os.path.dirname(path) for _, path in temps}:
                self._fsync_dir(directory)
        except OSError as exc:
            for tmp, _ in temps:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            raise TransportError(f"cannot write {exc.filename or 'files'}: {exc.strerror}") from exc

    def remove_files(self, paths: Sequence[str]) -> None:
        for path in paths:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise TransportError(f"cannot remove {path}: {exc.strerror}") from exc
        for directory in {os.path.dirname(p) for p in paths}:
            if os.path.isdir(directory):
                self._fsync_dir(directory)

    def remove_empty_dirs(self, dirs: Sequence[str]) -> None:
        for directory in _parents_deepest_first(dirs):
            # Not empty, or gone: either way not ours to force.
            with contextlib.suppress(OSError):
                os.rmdir(directory)

    def clean_temp_files(self, dirs: Sequence[str]) -> None:
        for directory in set(dirs):
            try:
                names = os.listdir(directory)
            except OSError:
                continue
            for name in names:
                if name.startswith(TEMP_PREFIX):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(os.path.join(directory, name))

    def run(self, argv: Sequence[str], timeout: float, cwd: str | None = None) -> CommandResult:
        try:
            proc = subprocess.run(
                list(argv),
                cwd=cwd if cwd and os.path.isdir(cwd) else None,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        except FileNotFoundError:
            return CommandResult(127, f"{argv[0]}: command not found")
        except subprocess.TimeoutExpired as exc:
            output = (exc.output or b"").decode(errors="replace")
            return CommandResult(124, f"{output}\n(killed after {timeout:.0f} s)")
        return CommandResult(proc.returncode, proc.stdout.decode(errors="replace"))

    def tcp_check(self, address: str, port: int, timeout: float) -> CommandResult:
        try:
            with socket.create_connection((address, port), timeout=timeout):
                return CommandResult(0, "")
        except OSError as exc:
            return CommandResult(1, exc.strerror or str(exc))

    @staticmethod
    def _makedirs(directory: str, mode: int) -> None:
        if not os.path.isdir(directory):
            os.makedirs(directory, mode=mode, exist_ok=True)
            os.chmod(directory, mode)  # makedirs' mode is filtered by the umask

    @staticmethod
    def _fsync_dir(directory: str) -> None:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class SshTransport(Transport):
    """A host reached with the system OpenSSH client over one multiplexed connection.

    The connection is opened by the first command and closed by `close()`
    (`ssh -O exit`); ControlPersist only bounds how long a master outlives a provider
    process that died without closing it.
    """

    def __init__(
        self,
        destination: str,
        *,
        port: int | None = None,
        ssh_options: Sequence[str] = (),
        ssh_command: Sequence[str] = ("ssh",),
        connect_timeout: int = 20,
        persist_seconds: int = 60,
    ) -> None:
        self.destination = destination
        self.label = destination if port is None else f"{destination}:{port}"
        self._ssh_command = list(ssh_command)
        self._control_dir: str | None = None
        self._opened = False
        base = [
            # No prompt can be answered from a provider process: fail instead of hanging.
            "-o", "BatchMode=yes",
            "-o", f"ConnectTimeout={connect_timeout}",
            "-o", "ServerAliveInterval=15",
            "-o", "ServerAliveCountMax=3",
        ]  # fmt: skip
        if port is not None:
            base += ["-p", str(port)]
        self._base_options = base + list(ssh_options)
        self._persist_seconds = persist_seconds

    # -- connection -------------------------------------------------------------------

    def _options(self) -> list[str]:
        if self._control_dir is None:
            # Private (0700) directory: whoever can reach the socket can use the session.
            # A Unix socket path holds at most 108 bytes: a long TMPDIR falls back to /tmp.
            tmp = tempfile.gettempdir()
            self._control_dir = tempfile.mkdtemp(prefix="nixedge-ssh-", dir=tmp if len(tmp) <= 60 else "/tmp")
        return [
            *self._base_options,
            "-o", "ControlMaster=auto",
            "-o", f"ControlPath={self._control_dir}/master",
            "-o", f"ControlPersist={self._persist_seconds}",
        ]  # fmt: skip

    def _ssh(
        self, remote_command: str, *, stdin: bytes = b"", timeout: float = 120
    ) -> subprocess.CompletedProcess[bytes]:
        argv = [*self._ssh_command, *self._options(), self.destination, remote_command]
        try:
            proc = subprocess.run(argv, input=stdin, capture_output=True, timeout=timeout, check=False)
        except FileNotFoundError as exc:
            raise TransportError(f"cannot run {self._ssh_command[0]!r}: not found") from exc
        except subprocess.TimeoutExpired as exc:
            raise TransportError(f"no answer from {self.label} within {timeout:.0f} s") from exc
        self._opened = True
        if proc.returncode == 255:
            raise TransportError(
                f"ssh to {self.label} failed: {tail(proc.stderr.decode(errors='replace'), 10) or 'connection lost'}"
            )
        return proc

    def _script(self, script: str, *, stdin: bytes = b"", timeout: float = 120) -> bytes:
        """Run a POSIX sh script on the host; raise TransportError unless it exits 0.

        The script travels on stdin ahead of `stdin`, not as an argument: one argument
        may hold at most 128 KiB on Linux, less than the script for a few hundred files.
        `head -c` takes exactly the script's bytes, the script then reads the rest.
        """
        code = script.encode()
        bootstrap = f's=$(head -c {len(code)}) || exit 3; eval "$s"'
        proc = self._ssh(f"sh -c {shlex.quote(bootstrap)}", stdin=code + stdin, timeout=timeout)
        if proc.returncode != 0:
            detail = tail(proc.stderr.decode(errors="replace"), 10)
            raise TransportError(f"file operation on {self.label} failed (exit {proc.returncode}): {detail}")
        return proc.stdout

    def close(self) -> None:
        if self._control_dir is None:
            return
        if self._opened:
            subprocess.run(
                [*self._ssh_command, *self._options(), "-O", "exit", self.destination],
                capture_output=True,
                timeout=30,
                check=False,
            )
        shutil.rmtree(self._control_dir, ignore_errors=True)
        self._control_dir = None
        self._opened = False

    # -- files ------------------------------------------------------------------------

    def read_files(self, paths: Sequence[str]) -> dict[str, bytes | None]:
        if not paths:
            return {}
        quoted = " ".join(shlex.quote(check_path(p)) for p in paths)
        # Per path: "F <size>\n<bytes>" or "M\n"; sizes make the stream unambiguous.
        script = (
            f"for f in {quoted}; do "
            'if [ -f "$f" ] && [ -r "$f" ]; then n=$(wc -c < "$f") || exit 3; '
            'printf "F %s\\n" $n; cat "$f" || exit 3; '
            'else printf "M\\n"; fi; done'
        )
        out = self._script(script)
        result: dict[str, bytes | None] = {}
        pos = 0
        for path in paths:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            pos = end + 1
            if header[0] == b"M":
                result[path] = None
                continue
            size = int(header[1])
            result[path] = out[pos : pos + size]
            if len(result[path] or b"") != size:
                raise TransportError(f"short read of {path} from {self.label}")
            pos += size
        return result

    def write_files(self, files: Sequence[FileWrite]) -> None:
        if not files:
            return
        # The data travels on stdin, one file after the other; `head -c` takes exactly
        # each file's size, and sha256sum proves the temp file complete before any
        # rename. A dropped connection therefore leaves at most temp files.
        lines = ["set -u", "umask 077"]
        renames: list[str] = []
        dirs: set[str] = set()
        for i, item in enumerate(files):
            path = check_path(item.path)
            directory = str(PurePosixPath(path).parent)
            qdir, qpath = shlex.quote(directory), shlex.quote(path)
            tmp = f"{directory}/{TEMP_PREFIX}$$.{i}"
            if directory not in dirs:
                dirs.add(directory)
                # Parents get 0755 as with a local makedirs; the directory itself its mode.
                lines.append(
                    f"[ -d {qdir} ] || {{ (umask 022 && mkdir -p {qdir}) "
                    f"&& chmod {item.dir_mode:o} {qdir}; }} || exit 3"
                )
                lines.append(self._clean_line(directory))
            lines.append(f'head -c {len(item.content)} > "{tmp}" || exit 3')
            lines.append(
                f'printf "%s  %s\\n" {sha256_hex(item.content)} "{tmp}" '
                f'| sha256sum -c --status || {{ rm -f "{tmp}"; echo "incomplete {path}" >&2; '
                "exit 3; }"
            )
            lines.append(f'chmod {item.mode:o} "{tmp}" || exit 3')
            renames.append(f'sync "{tmp}" && mv -f "{tmp}" {qpath} || exit 3')
        lines += renames
        lines += [f"sync {shlex.quote(d)}" for d in sorted(dirs)]
        self._script("\n".join(lines), stdin=b"".join(f.content for f in files), timeout=600)

    def remove_files(self, paths: Sequence[str]) -> None:
        if not paths:
            return
        quoted = " ".join(shlex.quote(check_path(p)) for p in paths)
        self._script(f"rm -f -- {quoted}")

    def remove_empty_dirs(self, dirs: Sequence[str]) -> None:
        if not dirs:
            return
        quoted = " ".join(shlex.quote(check_path(d)) for d in _parents_deepest_first(dirs))
        self._script(f'for d in {quoted}; do rmdir -- "$d" 2>/dev/null; done; true')

    def clean_temp_files(self, dirs: Sequence[str]) -> None:
        if dirs:
            self._script("\n".join(self._clean_line(check_path(d)) for d in sorted(set(dirs))))

    @staticmethod
    def _clean_line(directory: str) -> str:
        return f'for t in {shlex.quote(directory)}/{TEMP_PREFIX}*; do [ -e "$t" ] && rm -f -- "$t"; done; true'

    # -- commands ---------------------------------------------------------------------

    def run(self, argv: Sequence[str], timeout: float, cwd: str | None = None) -> CommandResult:
        command = shlex.join(argv)
        if cwd:
            command = f"cd {shlex.quote(cwd)} 2>/dev/null; {command}"
        proc = self._ssh(f"sh -c {shlex.quote(command + ' 2>&1')}", timeout=timeout)
        return CommandResult(
            proc.returncode,
            (proc.stdout + proc.stderr).decode(errors="replace"),
        )

    def tcp_check(self, address: str, port: int, timeout: float) -> CommandResult:
        # bash's /dev/tcp, else nc: plain sh and coreutils cannot open a socket.
        seconds = max(1, round(timeout))
        a, p = shlex.quote(address), int(port)
        script = (
            "if command -v bash >/dev/null 2>&1; then "
            f"timeout {seconds} bash -c 'exec 3<>\"/dev/tcp/$0/$1\"' {a} {p}; "
            f"elif command -v nc >/dev/null 2>&1; then nc -z -w {seconds} {a} {p}; "
            'else echo "neither bash nor nc on the host"; exit 2; fi'
        )
        proc = self._ssh(f"sh -c {shlex.quote(script)}", timeout=timeout + 30)
        output = (proc.stdout + proc.stderr).decode(errors="replace").strip()
        if proc.returncode == 124:
            output = output or f"timed out after {seconds} s"
        return CommandResult(proc.returncode, output)


def make_transport(target: Mapping[str, object]) -> tuple[Transport, str]:
    """Build the transport for a validated target and return it with the absolute root.

    A relative local path resolves against the current directory (the provider runs in
    the program directory).
    """
    kind = target.get("transport", "local")
    path = str(target["path"])
    if kind == "local":
        root = os.path.abspath(path)
        return LocalTransport(label="localhost"), root
    if kind == "ssh":
        port = target.get("port")
        ssh = SshTransport(
            str(target["destination"]),
            port=int(float(str(port))) if port is not None else None,
            ssh_options=[str(o) for o in _as_list(target.get("ssh_options"))],
            ssh_command=[str(c) for c in _as_list(target.get("ssh_command"))] or ["ssh"],
        )
        return ssh, check_path(path)
    raise TransportError(f"unknown transport {kind!r}: expected 'local' or 'ssh'")


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, (list, tuple)) else []
