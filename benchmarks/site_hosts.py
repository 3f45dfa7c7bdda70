"""A site of four hosts against a site of one, under the real engine (`scripts/pulumi`).

    .venv/bin/python benchmarks/site_hosts.py            # 3 repeats, best wall time
    .venv/bin/python benchmarks/site_hosts.py --quick    # 1 repeat

Each host is its own loopback sshd (tests/sshd.py) reached over SSH, with 5 containers
and an activation command that sleeps 2 s. Measured: the wall time of an `up` that
changes every host (one container each), four hosts against one (target: within
1.2x, since the engine deploys the hosts in parallel); the SSH connections each server
accepted and the activations each host ran during that `up`, and during an `up` that
changes one host of the four (none for the unchanged hosts); a `preview` with nothing
changed, four hosts against one (target: within 1.5x). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.project import Project, Sshd, log_lines, loopback_sshds, print_table, recording_script, ssh_wrapper  # noqa: E402
from benchmarks.sites import generated_site, touch_containers, write_stack  # noqa: E402

SLEEP = 2.0
CONTAINERS = 5


class SiteBench:
    """One stack of `len(servers)` hosts, each on its own sshd, in its own repo copy."""

    def __init__(self, tmp: Path, name: str, servers: list[Sshd]) -> None:
        self.name, self.servers = name, servers
        work = tmp / name
        self.project = Project.create(work)
        config = work / "ssh_config"
        # One Host alias per server: each server's own ssh_config under a name of its own.
        config.write_text("".join(s.config.read_text().replace("Host nixedge-test", f"Host h{i}") for i, s in
                                  enumerate(servers, 1)))  # fmt: skip
        self.project.extra_path.append(ssh_wrapper(work / "ssh-bin", config))
        (work / "bin").mkdir()
        self.logs = [work / f"h{i}.log" for i in range(1, len(servers) + 1)]
        hosts = {}
        for i, log in enumerate(self.logs, 1):
            activation = {
                "command": recording_script(work / "bin" / f"activate-h{i}", log, sleep=SLEEP),
                "rollback": recording_script(work / "bin" / f"rollback-h{i}", log),
                "check": False,
            }
            target = {"transport": "ssh", "destination": f"h{i}", "path": str(work / f"h{i}" / "nixedge")}
            site = generated_site(CONTAINERS, host=f"h{i}", target=target, activation=activation)
            del site["host"]["name"]
            for c in site["containers"].values():  # a hostname is routed once in the site
                for route in c["routes"]:
                    route["hostname"] = f"h{i}-{route['hostname']}"
            hosts[f"h{i}"] = site
        self.site: dict[str, Any] = {"hosts": hosts}
        write_stack(self.project.root, name, self.site)

    def configure(self, tag: str, hosts: list[str] | None = None) -> None:
        for h in hosts or list(self.site["hosts"]):
            self.site["hosts"][h] = touch_containers(self.site["hosts"][h], 1, tag)
        write_stack(self.project.root, self.name, self.site, salt=self.project.salt(self.name))

    def timed(self, *args: str) -> float:
        start = time.perf_counter()
        self.project.pulumi(self.name, *args)
        return time.perf_counter() - start

    def counts(self) -> tuple[list[int], list[int]]:
        return [s.connections() for s in self.servers], [len(log_lines(log)) for log in self.logs]


def _delta(after: list[int], before: list[int]) -> str:
    return " / ".join(str(a - b) for a, b in zip(after, before, strict=True))


def measure(tmp: Path, servers: list[Sshd], repeats: int) -> list[tuple[str, str, str]]:
    one, four = SiteBench(tmp, "one", servers[:1]), SiteBench(tmp, "four", servers)
    for b in (one, four):
        b.timed("up", "--yes")
    walls: dict[str, float] = {}
    counts: dict[str, str] = {}
    for b in (one, four):
        best = float("inf")
        for k in range(repeats):
            b.configure(f"change {k}")
            (conns, acts) = b.counts()
            best = min(best, b.timed("up", "--yes"))
            after = b.counts()
            counts[b.name] = f"connections {_delta(after[0], conns)}; activations {_delta(after[1], acts)}"
        walls[b.name] = best
    four.configure("change of h1 only", ["h1"])
    conns, acts = four.counts()
    walls["one_host_of_four"] = four.timed("up", "--yes")
    after = four.counts()
    one_of_four = f"connections {_delta(after[0], conns)}; activations {_delta(after[1], acts)}"
    previews = {b.name: min(b.timed("preview") for _ in range(repeats)) for b in (one, four)}
    up_ratio, preview_ratio = walls["four"] / walls["one"], previews["four"] / previews["one"]
    return [
        ("up, every host changed (1 host / 4 hosts)", f"{walls['one']:.2f} s / {walls['four']:.2f} s",
         f"{up_ratio:.2f}x (target <= 1.2x)"),
        ("  per host, 1-host site", counts["one"], "one of each"),
        ("  per host h1 / h2 / h3 / h4, 4-host site", counts["four"], "one of each per host"),
        ("up, only h1 of 4 changed", f"{walls['one_host_of_four']:.2f} s", "-"),
        ("  per host h1 / h2 / h3 / h4", one_of_four, "none for unchanged hosts"),
        ("preview, nothing changed (1 host / 4 hosts)", f"{previews['one']:.2f} s / {previews['four']:.2f} s",
         f"{preview_ratio:.2f}x (target <= 1.5x)"),
    ]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one repeat")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nixedge-site-bench-") as tmp, contextlib.ExitStack() as stack:
        rows = measure(Path(tmp), loopback_sshds(stack, Path(tmp), 4), repeats)
    print(f"Load average before: {load}; after: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{repeats} repeat(s), best wall time; {time.perf_counter() - start:.0f} s in all\n")  # fmt: skip
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
