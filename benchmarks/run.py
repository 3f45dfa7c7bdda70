"""Run every nixedge benchmark and print one table.

    .venv/bin/python benchmarks/run.py            # the full run (about 3 minutes on 2 cores)
    .venv/bin/python benchmarks/run.py --quick    # one repeat each, mocks up to 100 containers

Figures are wall times (the best of the repeats), memory peaks and counts; each row has
a ratio so that runs on a noisy machine compare: the growth per 10x more containers for
the pure parts (10 means linear), and the 200-container figure relative to the
20-container one for the engine. What is measured (see benchmarks/RESULTS.md for a full run):

1. validate + render of generated sites of 10, 100 and 1,000 containers (and validation
   alone), plus the seminar stack and a 500-container site: `benchmarks/pure.py`;
2. the whole program (`__main__.py`) under Pulumi mocks, Cloudflare half included;
3. the real engine (`scripts/pulumi` on a copy of the checkout) on 20 and 200
   containers, local target and over SSH to the loopback sshd: `preview` and `up` with
   nothing changed, `up` after one container changed: `benchmarks/engine.py`;
4. what an `up` costs beyond its activation command (one that sleeps 2 s).

Nothing here is a test: it prints figures and exits 0 unless a run fails.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.engine import activation_overhead, engine_figures  # noqa: E402
from benchmarks.project import loopback_sshd  # noqa: E402

SLEEP = 2.0
Row = tuple[str, str, str, str, str]


def machine() -> str:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    cli = subprocess.run(
        [str(REPO / ".venv" / "bin" / "pulumi"), "version"], capture_output=True, text=True, check=False
    )
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {mem_kb / 2**20:.1f} GiB memory, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, Pulumi CLI {cli.stdout.strip() or '?'}; "
        f"{datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}"
    )


def pure(*args: str) -> dict[str, Any]:
    """One `benchmarks.pure` measurement in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "benchmarks.pure", *args],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=1800,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks.pure {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def step(what: str) -> None:
    print(f"{what}...", file=sys.stderr, flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def growth(rows: list[Row], name: str, sizes: list[int], figures: dict[int, dict[str, Any]],
           key: str, label: str, fmt: Callable[[float], str]) -> None:  # fmt: skip
    """One row: the value at each size, and the growth from each size to the next (10x)."""
    values = [figures[n][key] for n in sizes]
    ratios = [f"{b / a:.1f}x" if a else "-" for a, b in itertools.pairwise(values)]
    rows.append((name, label, " / ".join(f"{n:,}" for n in sizes), " / ".join(map(fmt, values)),
                 ", ".join(ratios) + " per 10x"))  # fmt: skip


def relative(rows: list[Row], name: str, sizes: list[int], figures: dict[int, dict[str, float]],
             key: str, label: str, fmt: Callable[[float], str]) -> None:  # fmt: skip
    """One row: the value at each size, and the largest relative to the smallest."""
    small, large = figures[sizes[0]][key], figures[sizes[-1]][key]
    ratio = f"{large / small:.2f}x" if small else ("same" if large == small else "-")
    rows.append((name, label, " / ".join(f"{n:,}" for n in sizes),
                 " / ".join(fmt(figures[n][key]) for n in sizes), ratio))  # fmt: skip


def count(value: float) -> str:
    return f"{value:,.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one repeat each; mocks only up to 100 containers")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3
    started = time.monotonic()
    rows: list[Row] = []

    # 1. validate + render ---------------------------------------------------------------
    sizes = [10, 100, 1000]
    render: dict[int, dict[str, Any]] = {}
    for n in sizes:
        step(f"Validating and rendering {n} containers")
        render[n] = pure("render", str(n), str(repeats))
    name = "validate + render"
    growth(rows, name, sizes, render, "seconds", "wall", ms)
    growth(rows, "validate alone", sizes, render, "validate_seconds", "wall", ms)
    growth(rows, name, sizes, render, "peak_mb", "peak memory (tracemalloc)", lambda v: f"{v:.2f} MB")
    growth(rows, name, sizes, render, "bytes", "Nix written", lambda v: f"{v / 1024:,.0f} KiB")
    step("Rendering the seminar stack and 500 containers")
    seminar = pure("render-seminar", str(repeats))
    five = pure("render", "500", str(repeats))
    rows.append(("render: seminar stack", "load + validate + render", "2", ms(seminar["seconds"]), "-"))
    rows.append(("render: generated", "validate + render", "500", ms(five["seconds"]), "-"))

    # 2. the program under mocks -------------------------------------------------------------
    mock_sizes = [10, 100] if args.quick else [10, 100, 1000]
    mocks: dict[int, dict[str, Any]] = {}
    for n in mock_sizes:
        step(f"Running __main__.py under mocks with {n} containers")
        mocks[n] = pure("mocks", str(n), str(repeats))
    name = "program under mocks"
    growth(rows, name, mock_sizes, mocks, "seconds", "wall (imports excluded)", ms)
    growth(rows, name, mock_sizes, mocks, "peak_mb", "peak memory (tracemalloc)", lambda v: f"{v:.1f} MB")
    growth(rows, name, mock_sizes, mocks, "resources", "resources declared", count)

    # 3. + 4. the engine ----------------------------------------------------------------------
    engine_sizes = [20, 200]
    with tempfile.TemporaryDirectory(prefix="nixedge-bench-") as tmp_name:
        tmp = Path(tmp_name)
        local: dict[int, dict[str, float]] = {}
        for n in engine_sizes:
            step(f"Engine, local target, {n} containers")
            local[n] = engine_figures(tmp, n, repeats=repeats)
        step(f"Engine, local target, activation sleeping {SLEEP:.0f} s")
        overhead_local = activation_overhead(tmp, 20, SLEEP, repeats=repeats)
        with loopback_sshd(tmp) as sshd:
            ssh: dict[int, dict[str, float]] = {}
            for n in engine_sizes:
                step(f"Engine, ssh target, {n} containers")
                ssh[n] = engine_figures(tmp, n, repeats=repeats, ssh=sshd)
            step(f"Engine, ssh target, activation sleeping {SLEEP:.0f} s")
            overhead_ssh = activation_overhead(tmp, 20, SLEEP, repeats=repeats, ssh=sshd)
    for label, figures in (("engine, local", local), ("engine, ssh", ssh)):
        relative(rows, label, engine_sizes, figures, "preview_s", "preview, nothing changed", ms)
        relative(rows, label, engine_sizes, figures, "noop_up_s", "up, nothing changed", ms)
        relative(rows, label, engine_sizes, figures, "noop_up_files", "  files written", count)
        relative(rows, label, engine_sizes, figures, "noop_up_activations", "  activations", count)
        relative(rows, label, engine_sizes, figures, "change_up_s", "up, one container changed", ms)
        relative(rows, label, engine_sizes, figures, "change_up_files", "  files written", count)
        relative(rows, label, engine_sizes, figures, "change_up_bytes", "  bytes written", count)
        relative(rows, label, engine_sizes, figures, "change_up_activations", "  activations", count)
        if label.endswith("ssh"):
            relative(rows, label, engine_sizes, figures, "preview_connections", "  ssh connections: preview", count)
            relative(rows, label, engine_sizes, figures, "noop_up_connections", "  ssh connections: no-op up", count)
            relative(rows, label, engine_sizes, figures, "change_up_connections", "  ssh connections: up", count)
        relative(rows, label, engine_sizes, figures, "create_up_s", "first up (creates)", ms)
        relative(rows, label, engine_sizes, figures, "state_mb", "state file", lambda v: f"{v:.2f} MB")
    for label, figures_ in (("overhead, local", overhead_local), ("overhead, ssh", overhead_ssh)):
        base = local[20]["change_up_s"] if label.endswith("local") else ssh[20]["change_up_s"]
        rows.append((label, f"up, one change, {SLEEP:.0f} s activation", "20", ms(figures_["up_s"]), "-"))
        rows.append(
            (label, f"  overhead = up - {SLEEP:.0f} s", "20", ms(figures_["overhead_s"]),
             f"{figures_['overhead_s'] / base:.2f}x an up with instant activation")
        )  # fmt: skip

    headers = ("benchmark", "figure", "containers", "value", "ratio")
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(5)]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    print(f"Machine: {machine()}")
    print(f"Command: .venv/bin/python benchmarks/run.py{' --quick' if args.quick else ''} "
          f"({repeats} repeat(s), best wall time; {time.monotonic() - started:.0f} s in all)")  # fmt: skip
    print()
    print(line(headers))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
