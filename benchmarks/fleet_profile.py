"""Where the CPU time of an `up` goes, and the provider's peak memory: sampled from /proc
while the run lasts (benchmarks/fleet.py).

`Sampler(roots)` walks the processes under `roots` (the CLI, and the loopback sshd
servers that stand in for the hosts) every `every` seconds and keeps, per process, its
kind (the engine, the language host, the provider, ssh clients, the hosts' sshd side),
its last CPU time (user + system) and its highest VmHWM. A process that lives shorter
than one interval is missed, so the CPU figures are a lower bound; `resource.getrusage`
gives the exact total of the CLI's whole tree beside them.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

TICK = os.sysconf("SC_CLK_TCK")
KINDS = ("engine", "language host", "provider", "ssh client", "hosts' sshd")


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for path in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            out += [int(p) for p in path.read_text().split()]
    return out


def _kind(pid: int, cmdline: bytes, root_kind: str) -> str:
    if b"pulumi_dynamic_provider" in cmdline:
        return "provider"
    if b"pulumi_language_python" in cmdline or b"pulumi-language-python" in cmdline:
        return "language host"
    if root_kind == "hosts' sshd":
        return root_kind
    argv0 = cmdline.split(b"\0", 1)[0]
    return "ssh client" if argv0.endswith(b"ssh") else root_kind


@dataclass
class Sampler:
    """Samples the trees under `roots` (pid -> kind of the root) until the block ends."""

    roots: dict[int, str]
    every: float = 0.1
    cpu: dict[int, tuple[str, float]] = field(default_factory=dict)
    hwm: dict[int, tuple[str, int]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> Self:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            for root, kind in self.roots.items():
                self._walk(root, kind, top=True)

    def _walk(self, pid: int, kind: str, top: bool = False) -> None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            mine = kind if top else _kind(pid, cmdline, kind)
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            seconds = (int(fields[11]) + int(fields[12])) / TICK  # utime + stime, children excluded
            if not (top and kind == "hosts' sshd"):  # the listening sshd itself does nothing per host
                self.cpu[pid] = (mine, max(seconds, self.cpu.get(pid, (mine, 0.0))[1]))
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.hwm[pid] = (mine, max(int(line.split()[1]), self.hwm.get(pid, (mine, 0))[1]))
            for child in _children(pid):
                self._walk(child, mine if mine != "ssh client" else kind)

    def cpu_by_kind(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for kind, seconds in self.cpu.values():
            out[kind] += seconds
        return dict(out)

    def peak_kb(self, kind: str) -> int:
        return max((kb for k, kb in self.hwm.values() if k == kind), default=0)


def cpu_text(cpu: dict[str, float], kinds: Iterable[str] = KINDS) -> str:
    return ", ".join(f"{k} {cpu.get(k, 0.0):.1f}" for k in kinds)
