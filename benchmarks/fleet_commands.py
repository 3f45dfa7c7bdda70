"""`check` and `diff` at fleet size: a site of 16 hosts x 50 containers against one host
of 50 (benchmarks/fleet.py prints these rows; target: within 17x, i.e. linear in hosts).

Each command runs as a user runs it (`python -m components <cmd> --config FILE`, a fresh
interpreter) and, to leave the interpreter's start-up out of the ratio, also timed
inside that interpreter around `components.__main__.main` alone. `diff` compares the
stack file committed in a scratch git repository with the working tree, where one
container of every host changed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.sites import generated_site, touch_containers, write_stack

REPO = Path(__file__).resolve().parent.parent
CONTAINERS = 50
HOSTS = 16
Row = tuple[str, str, str]

# Times main() alone and prints the seconds on stderr (stdout is the command's own).
TIMED = """
import sys, time
from components.__main__ import main
start = time.perf_counter()
code = main(sys.argv[1:])
print(f"{time.perf_counter() - start:.6f}", file=sys.stderr)
"""


def fleet_site(hosts: int) -> dict[str, Any]:
    """`hosts` hosts of CONTAINERS containers each, every hostname prefixed by its host."""
    site: dict[str, Any] = {}
    for i in range(1, hosts + 1):
        host = generated_site(CONTAINERS, host=f"h{i}")
        del host["host"]["name"]
        for c in host["containers"].values():
            for route in c["routes"]:
                route["hostname"] = f"h{i}-{route['hostname']}"
        site[f"h{i}"] = host
    return {"hosts": site}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def scratch_repo(tmp: Path) -> dict[int, Path]:
    """A git repository with one stack file per size, committed, then one container of
    every host changed in the working tree."""
    repo = tmp / "commands"
    (repo / "stacks").mkdir(parents=True)
    _git(repo, "init", "-q")
    sites = {n: fleet_site(n) for n in (1, HOSTS)}
    paths = {n: write_stack(repo, f"fleet{n}", site) for n, site in sites.items()}
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-qm", "base")
    for n, site in sites.items():
        site["hosts"] = {h: touch_containers(s, 1, "changed") for h, s in site["hosts"].items()}
        write_stack(repo, f"fleet{n}", site)
    return paths


def run(command: str, path: Path) -> tuple[float, float]:
    """(wall of the whole process, seconds inside main) of one command."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", TIMED, command, "--config", str(path)],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):  # diff exits 1 when there are changes
        raise RuntimeError(f"{command} --config {path} exited {done.returncode}:\n{done.stderr}")
    return wall, float(done.stderr.strip().splitlines()[-1])


def command_rows(tmp: Path, repeats: int) -> list[Row]:
    paths = scratch_repo(tmp)
    rows: list[Row] = []
    for command in ("check", "diff"):
        best = {n: (float("inf"), float("inf")) for n in paths}
        for _ in range(repeats):
            for n, path in paths.items():
                wall, inside = run(command, path)
                best[n] = (min(best[n][0], wall), min(best[n][1], inside))
        (w1, i1), (w16, i16) = best[1], best[HOSTS]
        rows.append((
            f"{command}, 1 host x {CONTAINERS} / {HOSTS} hosts x {CONTAINERS} (inside the command)",
            f"{i1:.2f} s / {i16:.2f} s", f"{i16 / i1:.2f}x (target <= 17x)",
        ))  # fmt: skip
        rows.append((f"  {command}, the whole process", f"{w1:.2f} s / {w16:.2f} s", f"{w16 / w1:.2f}x"))
    return rows
