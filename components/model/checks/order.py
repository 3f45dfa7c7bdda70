"""Start order: no workload is ordered after or requires itself, nor waits on a loop of
workloads (systemd breaks such a cycle by dropping a job, so one container would not start)."""

from __future__ import annotations

from components.model.checks.report import Report
from components.model.site import Site
from components.model.workloads import run


def start_order(site: Site, report: Report) -> None:
    """Over every workload's start-order facts (components.model.workloads): `after`,
    `requires` and OCI `dependsOn` edges, NixOS and OCI containers in one graph."""
    running = run(site)
    owner = {unit: w for w in running for unit in w.units}
    by_loc = {w.loc: w for w in running}
    edges: dict[str, list[tuple[str, str]]] = {}  # workload key -> [(other's key, key of the edge)]
    for w in running:
        for e in w.edges:
            other = owner.get(e.unit)
            if other is None:
                continue
            if other.loc == w.loc:
                if ".dependsOn[" in e.key:
                    continue  # oci.py says it names no other OCI container
                field = e.key.rsplit(".", 1)[1].split("[")[0]
                verb = "orders {} after" if field == "after" else "makes {} require"
                report.error(e.key, f"{verb.format(w.loc)} itself; systemd drops such a job", e.unit)
            else:
                edges.setdefault(w.loc, []).append((other.loc, e.key))
    reported: set[str] = set()
    for start in sorted(edges):
        path = _cycle(start, edges)
        if path is None or start in reported:
            continue
        reported.update(n for n, _ in path)
        names = " -> ".join([*(n for n, _ in path), start])
        report.error(
            path[0][1],
            f"is part of a start-order loop ({names}); systemd breaks it by dropping a job",
            by_loc[_target(path)].units[0],
        )


def _target(path: list[tuple[str, str]]) -> str:
    """The container the loop's first edge points at."""
    return path[1][0] if len(path) > 1 else path[0][0]


def _cycle(start: str, edges: dict[str, list[tuple[str, str]]]) -> list[tuple[str, str]] | None:
    """A path of (container, key of its edge) from `start` back to it, or None."""
    stack: list[tuple[str, list[tuple[str, str]]]] = [(start, [])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for other, key in edges.get(node, []):
            step = [*path, (node, key)]
            if other == start:
                return step
            if other not in seen:
                seen.add(other)
                stack.append((other, step))
    return None
