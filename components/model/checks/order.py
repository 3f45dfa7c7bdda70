"""Start order: no container is ordered after or requires itself, nor waits on a loop of
containers (systemd breaks such a cycle by dropping a job, so one container would not start)."""

from __future__ import annotations

from components.model.checks.report import Report
from components.model.site import Site


def _container_unit(unit: str) -> str | None:
    """The container a unit such as `container@forgejo.service` starts, or None."""
    if unit.startswith("container@") and unit.endswith(".service"):
        return unit[len("container@") : -len(".service")]
    return None


def start_order(site: Site, report: Report) -> None:
    edges: dict[str, list[tuple[str, str]]] = {}  # container -> [(other, key)]
    for name, c in site.containers.items():
        for field, units in (("after", c.after), ("requires", c.requires)):
            for i, unit in enumerate(units):
                other, key = _container_unit(unit), f"containers.{name}.{field}[{i}]"
                if other == name:
                    verb = "orders containers.{} after" if field == "after" else "makes containers.{} require"
                    report.error(key, f"{verb.format(name)} itself; systemd drops such a job", unit)
                elif other in site.containers:
                    edges.setdefault(name, []).append((other, key))
    reported: set[str] = set()
    for start in sorted(edges):
        path = _cycle(start, edges)
        if path is None or start in reported:
            continue
        reported.update(n for n, _ in path)
        names = " -> ".join([*(f"containers.{n}" for n, _ in path), f"containers.{start}"])
        report.error(
            path[0][1],
            f"is part of a start-order loop ({names}); systemd breaks it by dropping a job",
            f"container@{_target(path)}.service",
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
