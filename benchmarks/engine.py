"""Benchmarks under the real engine: `scripts/pulumi` on a copy of the checkout.

`engine_figures` deploys a generated stack of N containers to a local directory or,
through the loopback sshd, over SSH, then measures what users wait for and what the
host sees: a `preview` with nothing changed, an `up` with nothing changed, and an `up`
after one container's module changed (a NixOS option inside it, so its routes and
cloudflared.nix stay: wall time, files and bytes written on the target, as
counted from inode changes, activations of a recording command, SSH connections
accepted by the server). `activation_overhead` measures how much an `up` costs beyond
its activation command, with a command that sleeps a fixed time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.project import (
    Project,
    Sshd,
    inodes,
    log_lines,
    recording_script,
    ssh_wrapper,
    written,
)
from benchmarks.sites import generated_site, touch_containers, write_stack


@dataclass
class Bench:
    """One generated stack in its own repo copy, with its target and activation log."""

    project: Project
    stack: str
    site: dict[str, Any]
    root: Path
    log: Path
    sshd: Sshd | None

    @classmethod
    def create(cls, tmp: Path, n: int, *, ssh: Sshd | None = None, sleep: float = 0.0) -> Bench:
        kind = "ssh" if ssh else "local"
        name = f"{kind}{n}" + (f"s{int(sleep * 10)}" if sleep else "")
        work = tmp / name
        project = Project.create(work)
        root = work / "host" / "etc" / "nixos" / "nixedge"
        log = work / "activations.log"
        (work / "bin").mkdir()
        activation = {
            "command": recording_script(work / "bin" / "activate", log, sleep=sleep),
            "rollback": recording_script(work / "bin" / "rollback", log),
            "check": False,
        }
        if ssh is None:
            target: dict[str, Any] = {"transport": "local", "path": str(root)}
        else:
            target = {"transport": "ssh", "destination": ssh.destination, "path": str(root)}
            project.extra_path.append(ssh_wrapper(work / "ssh-bin", ssh.config))
        site = generated_site(n, host=f"bench{n}", target=target, activation=activation)
        write_stack(project.root, name, site)
        return cls(project, name, site, root, log, ssh)

    def configure(self, site: dict[str, Any]) -> None:
        self.site = site
        write_stack(self.project.root, self.stack, site, salt=self.project.salt(self.stack))

    def timed(self, *args: str) -> float:
        start = time.perf_counter()
        self.project.pulumi(self.stack, *args)
        return time.perf_counter() - start

    def connections(self) -> int:
        return self.sshd.connections() if self.sshd else 0

    def state_bytes(self) -> int:
        found = list((self.project.backend / ".pulumi" / "stacks").rglob(f"{self.stack}.json"))
        return found[0].stat().st_size if found else 0


def engine_figures(tmp: Path, n: int, *, repeats: int, ssh: Sshd | None = None) -> dict[str, float]:
    """Figures of one stack: best wall times of `repeats` runs, counts from the last."""
    b = Bench.create(tmp, n, ssh=ssh)
    out: dict[str, float] = {"create_up_s": b.timed("up", "--yes")}
    out["state_mb"] = b.state_bytes() / 2**20

    conns = b.connections()
    out["preview_s"] = min(b.timed("preview") for _ in range(repeats))
    out["preview_connections"] = b.connections() - conns

    conns, acts, before = b.connections(), len(log_lines(b.log)), inodes(b.root)
    out["noop_up_s"] = min(b.timed("up", "--yes") for _ in range(repeats))
    out["noop_up_connections"] = b.connections() - conns
    out["noop_up_activations"] = len(log_lines(b.log)) - acts
    out["noop_up_files"], out["noop_up_bytes"] = written(before, inodes(b.root))

    best = float("inf")
    for k in range(repeats):
        b.configure(touch_containers(b.site, 1, f"change {k}"))
        conns, acts, before = b.connections(), len(log_lines(b.log)), inodes(b.root)
        best = min(best, b.timed("up", "--yes"))
        out["change_up_connections"] = b.connections() - conns
        out["change_up_activations"] = len(log_lines(b.log)) - acts
        out["change_up_files"], out["change_up_bytes"] = written(before, inodes(b.root))
    out["change_up_s"] = best
    return out


def activation_overhead(tmp: Path, n: int, sleep: float, *, repeats: int, ssh: Sshd | None = None) -> dict[str, float]:
    """`up` after one changed container, with an activation that sleeps `sleep` s."""
    b = Bench.create(tmp, n, ssh=ssh, sleep=sleep)
    b.timed("up", "--yes")
    walls = []
    for k in range(repeats):
        b.configure(touch_containers(b.site, 1, f"change {k}"))
        walls.append(b.timed("up", "--yes"))
    return {"up_s": min(walls), "overhead_s": min(walls) - sleep}
