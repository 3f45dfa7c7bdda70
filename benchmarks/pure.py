"""Benchmarks without the engine, one measurement per fresh interpreter.

    .venv/bin/python -m benchmarks.pure render N [REPEATS]
    .venv/bin/python -m benchmarks.pure render-seminar [REPEATS]
    .venv/bin/python -m benchmarks.pure mocks N [REPEATS]

Each prints one JSON object: the best wall time of REPEATS runs (imports excluded, they
happen first), the peak of memory Python allocated during one more run (tracemalloc),
and what was produced. `render` validates a generated site of N containers and renders
it; `mocks` runs the whole program (`__main__.py`) under Pulumi mocks on a generated
site with a Cloudflare account, so the tunnel, its ingress and one DNS record per route
are declared as well (tests/edge_mocks.py's mocks).
"""

from __future__ import annotations

import json
import runpy
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.sites import generated_site  # noqa: E402
from components.model import site_from_data  # noqa: E402
from components.nixos.render import render  # noqa: E402
from components.stackfile import load_stack  # noqa: E402


def measure(run: Callable[[], Any], repeats: int) -> dict[str, float]:
    """Best wall time of `repeats` runs, then one traced run for the allocation peak."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"seconds": best, "peak_mb": peak / 2**20}


def bench_render(n: int, repeats: int) -> dict[str, Any]:
    data = generated_site(n)
    files: dict[str, str] = {}

    def run() -> None:
        files.clear()
        files.update(render(site_from_data(data, "benchmark")))

    # Validation alone too: it is the part that grows fastest.
    validate = measure(lambda: site_from_data(data, "benchmark"), repeats)
    result = measure(run, repeats)
    return {
        **result,
        "validate_seconds": validate["seconds"],
        "files": len(files),
        "bytes": sum(len(t.encode()) for t in files.values()),
    }


def bench_render_seminar(repeats: int) -> dict[str, Any]:
    files: dict[str, str] = {}

    def run() -> None:
        files.clear()
        files.update(render(load_stack("seminar")))

    return {**measure(run, repeats), "files": len(files), "bytes": sum(len(t.encode()) for t in files.values())}


def bench_mocks(n: int, repeats: int) -> dict[str, Any]:
    import components.cloudflare.edge  # noqa: F401 - imported before timing: ~4 s, once
    from tests import edge_mocks

    config = {"nixedge:site": json.dumps(generated_site(n, cloudflare=True))}
    runs: list[edge_mocks.Run] = []

    def run() -> None:
        runs.append(
            edge_mocks.run(
                lambda: runpy.run_path(str(REPO / "__main__.py"), run_name="__main__"),
                stack="bench",
                config=config,
            )
        )

    result = measure(run, repeats)
    last = runs[-1]
    return {
        **result,
        "resources": len(last.registrations),
        "dns_records": len(last.of_type(edge_mocks.DNS_TYPE)),
    }


def main(argv: list[str]) -> int:
    what = argv[0]
    if what == "render":
        out = bench_render(int(argv[1]), int(argv[2]) if len(argv) > 2 else 3)
    elif what == "render-seminar":
        out = bench_render_seminar(int(argv[1]) if len(argv) > 1 else 3)
    elif what == "mocks":
        out = bench_mocks(int(argv[1]), int(argv[2]) if len(argv) > 2 else 3)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
