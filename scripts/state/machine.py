"""Processes and file systems of this machine: who holds a lock, what is open, what is shared."""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

LOCAL_FS = frozenset(
    "ext2 ext3 ext4 xfs btrfs zfs f2fs bcachefs tmpfs ramfs overlay vfat exfat ntfs3 jfs reiserfs".split()  # noqa: SIM905 - a list as `df -T` names them
)
"""File systems only this machine writes to; anything else may be shared."""


def started_at(pid: int) -> float | None:
    """When process `pid` started (epoch seconds), or None when there is no such process
    (a zombie has finished: None too)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(line for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime "))
    except (OSError, StopIteration):
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(boot.split()[1]) + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def open_files() -> set[str]:
    """Every path that a process of this machine has open."""
    found: set[str] = set()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                for fd in os.scandir(proc / "fd"):
                    with contextlib.suppress(OSError):
                        found.add(os.readlink(fd.path))
    return found


def file_system(path: Path) -> str:
    """The type of the file system holding `path` (longest mount point in /proc/mounts)."""
    real, best, kind = str(path.resolve()), "", "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/mounts").read_text().splitlines():
            _, mount, fstype, *_ = line.split()
            mount = mount.replace("\\040", " ")
            if (real == mount or real.startswith(mount.rstrip("/") + "/")) and len(mount) >= len(best):
                best, kind = mount, fstype
    return kind


@dataclass
class Holder:
    """What a lock file of the backend says about the process that took it."""

    pid: int
    username: str
    hostname: str
    timestamp: str

    def gone(self) -> bool:
        """Provably no process of this machine holds the lock any more."""
        if self.hostname != socket.gethostname():
            return False
        start = started_at(self.pid)
        if start is None:
            return True
        taken = datetime.datetime.fromisoformat(self.timestamp).timestamp()
        return start > taken + 1  # the pid was reused by a process that started later

    def __str__(self) -> str:
        return f"{self.username}@{self.hostname} (pid {self.pid}) at {self.timestamp}"


def holder(path: Path) -> Holder | None:
    try:
        data = json.loads(path.read_bytes())
        return Holder(int(data["pid"]), str(data["username"]), str(data["hostname"]), str(data["timestamp"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
