"""Sites of 1, 4, 8 and 16 hosts side by side under the real engine (`scripts/pulumi`),
a rollout of 16 hosts with a failing host, and `check`/`diff` at fleet size.

    .venv/bin/python benchmarks/fleet.py            # 3 repeats, best wall time
    .venv/bin/python benchmarks/fleet.py --quick    # 1 repeat

Each host is its own loopback sshd (tests/sshd.py) reached over SSH, with 5 containers
and an activation that sleeps 2 s (benchmarks/site_hosts.py builds the sites). The runs
of the different sizes are interleaved, so that they share the machine's load.
Measured: an `up` that changes every host (16 and 8 hosts against 1; targets 1.3x and
1.2x), with the SSH connections each sshd accepted and the activations each host ran;
an `up` that changes one host of 16 (none for the others); a `preview` with nothing
changed (16 against 1, target 1.5x); the provider process's peak RSS (VmHWM, sampled
from /proc during each `up`) at 1, 4 and 16 hosts; a rollout of 16 hosts in batches of
4 whose second batch holds a failing host (counts per batch: batches 3-4 must have
none); and `check` and `diff` of 16 hosts x 50 containers against 1 host of 50 (target
17x). Prints the load average and a Markdown table.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.fleet_commands import command_rows  # noqa: E402
from benchmarks.fleet_profile import Sampler, cpu_text  # noqa: E402
from benchmarks.project import Sshd, log_lines, loopback_sshds, print_table, recording_script  # noqa: E402
from benchmarks.site_hosts import SiteBench  # noqa: E402
from components.model.rollout import Rollout  # noqa: E402

SIZES = (1, 4, 8, 16)
BATCH = 4
KEPT = ("Rollout", "deployed", "not touched", "still", "rolled", "failed", "skipped")
"""The lines of the rollout's error message that the table quotes."""
Row = tuple[str, str, str]


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


@contextlib.contextmanager
def load_samples(every: float = 10.0) -> Iterator[list[float]]:
    """The 1-minute load average, sampled every `every` seconds while the block runs."""
    samples: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(every):
            samples.append(os.getloadavg()[0])

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    try:
        yield samples
    finally:
        stop.set()
        watcher.join()


class Fleet(SiteBench):
    """A site of hosts whose `up` is timed with the provider's peak memory."""

    def __init__(self, tmp: Path, name: str, servers: list[Sshd]) -> None:
        super().__init__(tmp, name, servers)
        self.peaks_kb: list[int] = []
        """The provider process's highest VmHWM (kB) in each `up` so far."""
        self.last_sessions: list[int] = []
        """SSH sessions per host during the last `changed_up`."""
        self.cpu: dict[str, float] = {}
        """CPU seconds of the last run by kind of process (benchmarks/fleet_profile.py),
        and `tree`: the exact total of the CLI and every process under it."""

    def run(self, *args: str) -> tuple[float, int]:
        """(wall seconds, exit status) of `scripts/pulumi <args>`, sampling /proc meanwhile."""
        log = self.project.root.parent / "last-run.log"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = self.project.popen(self.name, *args, log=log)
        with Sampler({proc.pid: "engine", **{s.pid: "hosts' sshd" for s in self.servers}}) as sampler:
            proc.wait()
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        tree = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        self.cpu = {**sampler.cpu_by_kind(), "tree": tree}
        if args and args[0] == "up":
            self.peaks_kb.append(sampler.peak_kb("provider"))
        return wall, proc.returncode

    def timed(self, *args: str) -> float:
        wall, status = self.run(*args)
        if status != 0:
            log = (self.project.root.parent / "last-run.log").read_text()
            raise RuntimeError(f"{self.name}: scripts/pulumi {' '.join(args)} exited {status}:\n{log}")
        return wall

    def changed_up(self, tag: str, hosts: list[str] | None = None) -> tuple[float, list[int], list[int]]:
        """An `up` changing `hosts` (default all): wall, connections and activations per host."""
        self.configure(tag, hosts)
        conns, acts = self.counts()
        sessions = self.sessions()
        wall = self.timed("up", "--yes")
        after = self.counts()
        self.last_sessions = _minus(self.sessions(), sessions)
        return wall, _minus(after[0], conns), _minus(after[1], acts)

    def sessions(self) -> list[int]:
        """SSH sessions (commands over a host's one connection) each sshd started so far."""
        return [s.log.read_text(errors="replace").count("Starting session:") for s in self.servers]


def _minus(after: list[int], before: list[int]) -> list[int]:
    return [a - b for a, b in zip(after, before, strict=True)]


def _per_host(counts: list[int]) -> str:
    return " ".join(map(str, counts))


@dataclass
class Ups:
    """The `up`s that change every host, sizes interleaved."""

    walls: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    counts: dict[int, str] = field(default_factory=dict)
    cpu: dict[int, str] = field(default_factory=dict)
    """The CPU profile of each size's best run."""

    def best(self, n: int) -> float:
        return min(self.walls[n])

    def ratios(self, n: int) -> str:
        """`n` hosts against 1: best against best, and the median of the side-by-side repeats."""
        each = sorted(w / one for w, one in zip(self.walls[n], self.walls[1], strict=True))
        spread = f"median {statistics.median(each):.2f}x, {each[0]:.2f}-{each[-1]:.2f}"
        return f"{self.best(n) / self.best(1):.2f}x ({spread})"


def ups(fleets: dict[int, Fleet], repeats: int) -> Ups:
    out = Ups()
    for k in range(repeats):
        for n, fleet in fleets.items():
            wall, conns, acts = fleet.changed_up(f"change {k}")
            sessions = sorted(set(fleet.last_sessions))
            out.counts[n] = (f"connections {_per_host(conns)}; activations {_per_host(acts)}; "
                             f"SSH sessions per host {'-'.join(map(str, sessions))}")  # fmt: skip
            if wall < min(out.walls[n], default=float("inf")):
                out.cpu[n] = f"{fleet.cpu['tree']:.1f} s in all ({cpu_text(fleet.cpu)})"
            out.walls[n].append(wall)
    return out


def fleet_rows(fleets: dict[int, Fleet], repeats: int) -> list[Row]:
    up = ups(fleets, repeats)
    med = {n: statistics.median(fleets[n].peaks_kb) / 1024 for n in (1, 4, 16)}
    mem = " / ".join(f"{med[n]:.0f} MB (max {max(fleets[n].peaks_kb) / 1024:.0f})" for n in (1, 4, 16))
    growth = f"{med[16] / med[1]:.2f}x at 16 hosts (medians over the ups)"
    _, conns, acts = fleets[16].changed_up("change of h1 only", ["h1"])
    previews: dict[int, list[float]] = {1: [], 16: []}
    for _ in range(repeats):
        for n, walls in previews.items():
            walls.append(fleets[n].timed("preview"))
    rp = min(previews[16]) / min(previews[1])
    return [
        ("up, every host changed (1 / 4 / 8 / 16 hosts)", " / ".join(f"{up.best(n):.2f} s" for n in SIZES),
         f"8: {up.ratios(8)} (target <= 1.2x); 16: {up.ratios(16)} (target <= 1.3x)"),
        *[(f"  per host, {n}-host site", up.counts[n], "one of each per host") for n in SIZES],
        ("up, only h1 of 16 changed: per host h1..h16",
         f"connections {_per_host(conns)}; activations {_per_host(acts)}", "none for unchanged hosts"),
        ("preview, nothing changed (1 / 16 hosts)", f"{min(previews[1]):.2f} s / {min(previews[16]):.2f} s",
         f"{rp:.2f}x (target <= 1.5x)"),
        ("provider peak RSS in an up changing every host (1 / 4 / 16 hosts)", mem, growth),
        *[(f"  CPU seconds of the best up, {n} host(s): the CLI's tree; by process (sampled)", up.cpu[n], "-")
          for n in (1, 16)],
    ]  # fmt: skip


def rollout_rows(fleet: Fleet) -> list[Row]:
    """Every host changed, the second host of batch 2 failing: counts per batch."""
    plan = Rollout(batch=BATCH).batches(list(fleet.site["hosts"]))
    failing = plan[1][1]
    bin_dir = fleet.project.root.parent / "bin"
    activation = fleet.site["hosts"][failing]["host"]["activation"]
    log = fleet.logs[int(failing[1:]) - 1]
    activation["command"] = recording_script(bin_dir / f"fail-{failing}", log, sleep=1, exit_code=1)
    fleet.configure("rollout change")
    conns, logs = fleet.counts()[0], [log_lines(log) for log in fleet.logs]
    wall, status = fleet.run("up", "--yes")
    conns = _minus(fleet.counts()[0], conns)
    new = [log_lines(log)[len(old) :] for log, old in zip(fleet.logs, logs, strict=True)]
    acts = [sum(not w.startswith("rollback-") for w in lines) for lines in new]
    rollbacks = [sum(w.startswith("rollback-") for w in lines) for lines in new]
    index = {h: int(h[1:]) - 1 for h in fleet.site["hosts"]}
    rows: list[Row] = [(f"rollout of 16 in batches of {BATCH}, {failing} (batch 2) failing",
                        f"{wall:.2f} s, exit {status}", "batches 3-4 untouched")]  # fmt: skip
    for i, batch in enumerate(plan, 1):
        c = [conns[index[h]] for h in batch]
        a = [acts[index[h]] for h in batch]
        r = [rollbacks[index[h]] for h in batch]
        rows.append((f"  batch {i}: {' '.join(batch)}",
                     f"connections {_per_host(c)}; activations {_per_host(a)}; rollbacks {_per_host(r)}",
                     "none" if i > 2 else "-"))  # fmt: skip
    message = (fleet.project.root.parent / "last-run.log").read_text()
    said = [line.strip() for line in message.splitlines() if line.strip().startswith(KEPT)]
    rows.append(("  the error says", "; ".join(dict.fromkeys(said)), "-"))
    return rows


def measure(tmp: Path, servers: list[Sshd], repeats: int) -> list[Row]:
    fleets = {n: Fleet(tmp, f"s{n}", servers[:n]) for n in SIZES}
    rolling = Fleet(tmp, "rollout", servers)
    rolling.site["rollout"] = {"batch": BATCH}
    rolling.configure("first")
    for fleet in [*fleets.values(), rolling]:
        fleet.timed("up", "--yes")
    for fleet in fleets.values():
        fleet.peaks_kb.clear()  # the creates do not count
    rows = fleet_rows(fleets, repeats)
    rows += rollout_rows(rolling)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one repeat")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each timed run (default 3)")
    parser.add_argument("--commands-only", action="store_true", help="only `check` and `diff` at fleet size")
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    before, start = load(), time.perf_counter()
    with load_samples() as samples, tempfile.TemporaryDirectory(prefix="nixedge-fleet-bench-") as tmp:
        rows: list[Row] = []
        if not args.commands_only:
            with contextlib.ExitStack() as stack:
                rows += measure(Path(tmp), loopback_sshds(stack, Path(tmp), max(SIZES)), repeats)
        rows += command_rows(Path(tmp), repeats)
    span = f"{min(samples):.1f}-{max(samples):.1f}" if samples else "-"
    print(f"Load average before: {before}; after: {load()}; 1-min load during the run: {span}; "
          f"{repeats} repeat(s), best wall time; {time.perf_counter() - start:.0f} s in all\n")  # fmt: skip
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
