"""`LocalTransport`: the module directory is a directory on the machine running Pulumi.

The `dev` stack's embedded host; also what the tests use. Writes are atomic as
`components.host.transport` describes.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import subprocess
import tempfile
from collections.abc import Sequence

from components.host.streaming import run_streaming
from components.host.transport import (
    TEMP_PREFIX,
    CommandResult,
    FileWrite,
    LineSink,
    Transport,
    TransportError,
    parents_deepest_first,
)


class LocalTransport(Transport):
    """A directory tree on this machine (the `dev` stack's embedded host).

    An OS error becomes a `TransportError` naming the path, without the OS error as its
    cause: it is the user's to fix, not a bug, so no Python stack goes with it."""

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
            except (OSError, ValueError) as exc:
                raise TransportError(f"cannot read {path}: {_reason(exc)}") from None
        return result

    def write_files(self, files: Sequence[FileWrite]) -> None:
        # As the ssh transport does: temporary files of an interrupted run go first.
        self.clean_temp_files(sorted({os.path.dirname(item.path) for item in files}))
        temps: list[tuple[str, str]] = []
        current = "files"  # what the failure is about, when the OS names no file
        try:
            for item in files:
                current = item.path
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
        except (OSError, ValueError) as exc:
            for tmp, _ in temps:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            where = getattr(exc, "filename", None) or current
            raise TransportError(f"cannot write {where}: {_reason(exc)}") from None

    def remove_files(self, paths: Sequence[str]) -> None:
        for path in paths:
            try:
                os.unlink(path)
            except (FileNotFoundError, NotADirectoryError):
                pass  # not there (a parent that is a file cannot hold it either)
            except (OSError, ValueError) as exc:
                raise TransportError(f"cannot remove {path}: {_reason(exc)}") from None
        for directory in {os.path.dirname(p) for p in paths}:
            if os.path.isdir(directory):
                try:
                    self._fsync_dir(directory)
                except OSError as exc:
                    raise TransportError(f"cannot sync {directory}: {_reason(exc)}") from None

    def remove_empty_dirs(self, dirs: Sequence[str]) -> None:
        for directory in parents_deepest_first(dirs):
            # Not empty, or gone: either way not ours to force.
            with contextlib.suppress(OSError, ValueError):
                os.rmdir(directory)

    def clean_temp_files(self, dirs: Sequence[str]) -> None:
        for directory in set(dirs):
            try:
                names = os.listdir(directory)
            except (OSError, ValueError):
                continue
            for name in names:
                if name.startswith(TEMP_PREFIX):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(os.path.join(directory, name))

    def run(
        self, argv: Sequence[str], timeout: float, cwd: str | None = None, on_line: LineSink | None = None
    ) -> CommandResult:
        try:
            return run_streaming(argv, timeout, on_line, cwd=cwd if cwd and os.path.isdir(cwd) else None)
        except FileNotFoundError:
            return CommandResult(127, f"{argv[0]}: command not found")
        except (OSError, ValueError) as exc:  # e.g. not executable: the shell's 126
            return CommandResult(126, f"{argv[0]}: {_reason(exc)}")
        except subprocess.TimeoutExpired as exc:
            output = (exc.output or b"").decode(errors="replace")
            return CommandResult(124, f"{output}\n(killed after {timeout:.0f} s)")

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


def _reason(exc: OSError | ValueError) -> str:
    """What went wrong, without the path (the message names it): `Permission denied`, or
    `embedded null byte` for a path the OS cannot even be asked about."""
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
