"""Where the host half writes: a directory on this machine, or a host over OpenSSH.

Both transports offer the same small interface (`Transport`): read files, write files
atomically, remove files and empty directories, run a command, and check from the host
that a TCP address:port accepts connections. Paths are absolute POSIX paths on the host.

Atomic means: each file is written to a temporary file in its own directory
(`.nixedge-tmp.*`, a name only nixedge uses), fsynced, checked and renamed over the
destination, so a reader sees the old file or the new one, never a part. Temporary
files left by an interrupted run are removed by the next write into that directory.

The transports themselves: `components.host.local` (a directory on this machine) and
`components.host.ssh` (the system OpenSSH client); `components.host.target` picks one
for a resource's `target`.
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from types import TracebackType
from typing import Self

from components.errors import HostError

LineSink = Callable[[str], None]

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
    def run(
        self, argv: Sequence[str], timeout: float, cwd: str | None = None, on_line: LineSink | None = None
    ) -> CommandResult:
        """Run `argv` on the host (in `cwd` when it exists); never raises on a non-zero exit.
        Each line it prints goes to `on_line` as it comes (components.host.streaming)."""

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


def parents_deepest_first(paths: Iterable[str]) -> list[str]:
    return sorted({str(PurePosixPath(p)) for p in paths}, key=lambda d: (-d.count("/"), d))
