"""`SshTransport`: a host reached with the system OpenSSH client.

It uses the system `ssh` (so ~/.ssh/config, agents and ProxyCommand work; host-key
checking stays as configured) and only POSIX sh + coreutils on the remote side: a NixOS
host may have no python. All commands of one `SshTransport` share one multiplexed
connection (ControlMaster) in a private socket directory, closed by `close()`.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import PurePosixPath

from components.host.streaming import run_streaming
from components.host.transport import (
    TEMP_PREFIX,
    CommandResult,
    FileWrite,
    LineSink,
    Transport,
    TransportError,
    check_path,
    parents_deepest_first,
    sha256_hex,
    tail,
)


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
            "-o",
            "BatchMode=yes",
            "-o",
            f"ConnectTimeout={connect_timeout}",
            "-o",
            "ServerAliveInterval=15",
            "-o",
            "ServerAliveCountMax=3",
        ]
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
            "-o",
            "ControlMaster=auto",
            "-o",
            f"ControlPath={self._control_dir}/master",
            "-o",
            f"ControlPersist={self._persist_seconds}",
        ]

    def _ssh(
        self, remote_command: str, *, stdin: bytes = b"", timeout: float = 120
    ) -> subprocess.CompletedProcess[bytes]:
        try:
            argv = [*self._ssh_command, *self._options(), self.destination, remote_command]
            proc = subprocess.run(argv, input=stdin, capture_output=True, timeout=timeout, check=False)
        except FileNotFoundError:
            raise TransportError(f"cannot run {self._ssh_command[0]!r}: not found") from None
        except (OSError, ValueError) as exc:  # not executable, no temp dir, a NUL in an argument
            raise TransportError(f"cannot run {self._ssh_command[0]!r} for {self.label}: {exc}") from None
        except subprocess.TimeoutExpired:
            raise TransportError(f"no answer from {self.label} within {timeout:.0f} s") from None
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
        # Only what `_options` made: the socket ssh may have left, then the directory if
        # empty. Never a recursive delete of a computed path.
        with contextlib.suppress(OSError):
            os.unlink(f"{self._control_dir}/master")
        with contextlib.suppress(OSError):
            os.rmdir(self._control_dir)
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
        quoted = " ".join(shlex.quote(check_path(d)) for d in parents_deepest_first(dirs))
        self._script(f'for d in {quoted}; do rmdir -- "$d" 2>/dev/null; done; true')

    def clean_temp_files(self, dirs: Sequence[str]) -> None:
        if dirs:
            self._script("\n".join(self._clean_line(check_path(d)) for d in sorted(set(dirs))))

    @staticmethod
    def _clean_line(directory: str) -> str:
        return f'for t in {shlex.quote(directory)}/{TEMP_PREFIX}*; do [ -e "$t" ] && rm -f -- "$t"; done; true'

    # -- commands ---------------------------------------------------------------------

    def run(
        self, argv: Sequence[str], timeout: float, cwd: str | None = None, on_line: LineSink | None = None
    ) -> CommandResult:
        command = shlex.join(argv)
        if cwd:
            command = f"cd {shlex.quote(cwd)} 2>/dev/null; {command}"
        ssh = [*self._ssh_command, *self._options(), self.destination, f"sh -c {shlex.quote(command + ' 2>&1')}"]
        try:
            result = run_streaming(ssh, timeout, on_line)
        except FileNotFoundError:
            raise TransportError(f"cannot run {self._ssh_command[0]!r}: not found") from None
        except (OSError, ValueError) as exc:
            raise TransportError(f"cannot run {self._ssh_command[0]!r} for {self.label}: {exc}") from None
        except subprocess.TimeoutExpired:
            raise TransportError(f"no answer from {self.label} within {timeout:.0f} s") from None
        self._opened = True
        if result.exit_code == 255:  # ssh's own failure (its messages are in the output)
            raise TransportError(f"ssh to {self.label} failed: {tail(result.output, 10) or 'connection lost'}")
        return result

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
