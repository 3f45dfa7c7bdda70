"""Paths and mounts: bind mounts, state directories and implied mounts, none sensitive,
none reaching nixedge's own paths or another container's state, none nested."""

from __future__ import annotations

import bisect
import posixpath

from components.model.checks import postgresql, secrets
from components.model.checks.report import Report
from components.model.paths import contains, sensitive
from components.model.resolved import Mount, PostgresqlServer
from components.model.site import BindMount, Container, Site


def _given(report: Report, loc: str, c: Container) -> tuple[list[Mount], set[str]]:
    """The bind mounts and state directory; and the keys refused as sensitive (one error each)."""
    return given_mounts(report, loc, "bindMounts", c.bind_mounts, c.state_dir, c.state_dir)


def given_mounts(
    report: Report, loc: str, key: str, binds: list[BindMount], state_dir: str | None, state_path: str | None
) -> tuple[list[Mount], set[str]]:
    """Mounts given as `loc.key` (bind mounts) and `loc.stateDir` (at `state_path` inside);
    and the keys refused as sensitive. Shared by NixOS and OCI containers."""
    mounts: list[Mount] = []
    flagged: set[str] = set()
    for i, m in enumerate(binds):
        mloc = f"{loc}.{key}[{i}]"
        host_path = m.host_path or m.path
        if sensitive(host_path) and not m.allow_sensitive:
            flagged.add(mloc)
            report.error(
                f"{mloc}.{'hostPath' if m.host_path else 'path'}",
                "is a sensitive host path; mounting it gives the container power over the host",
                host_path,
                hint=f"mount a narrower path, or set {mloc}.allowSensitive: true",
            )
        mounts.append(Mount(m.path, host_path, m.read_only, mloc))
    if state_dir is not None and state_path is not None:
        if sensitive(state_dir):
            flagged.add(f"{loc}.stateDir")
            report.error(
                f"{loc}.stateDir",
                "is a sensitive host path; use a directory of its own such as /var/lib/<app>",
                state_dir,
            )
        mounts.append(Mount(state_path, state_dir, False, f"{loc}.stateDir"))
    return mounts, flagged


def _implied(
    site: Site, report: Report, name: str, c: Container, pg: PostgresqlServer | None, mounts: list[Mount]
) -> list[Mount]:
    """`mounts` plus what the container's options imply: PostgreSQL's socket, its files and secrets."""
    loc = f"containers.{name}"
    mounts = postgresql.socket_mounts(name, c, pg, mounts)
    if c.environment_file is not None and not any(contains(m.path, c.environment_file) for m in mounts):
        mounts.append(Mount(c.environment_file, c.environment_file, True, f"{loc}.environmentFile"))
    for i, secret in enumerate(c.secrets):
        ref = site.secrets.get(secret)
        if ref is None:
            report.error(f"{loc}.secrets[{i}]", secrets.unknown_secret(site), secret)
        elif not any(m.path == ref.path for m in mounts):
            mounts.append(Mount(ref.path, ref.path, True, f"{loc}.secrets[{i}]"))
    return mounts


def _key(mount: Mount, field: str) -> str:
    """The config key to name: a bind mount's field, or the option that implied the mount."""
    given = ".bindMounts[" in mount.loc or ".volumes[" in mount.loc
    return f"{mount.loc}.{field}" if given else mount.loc


def nixedge_paths(site: Site) -> list[tuple[str, str, str]]:
    """Host paths of nixedge's own that no container may see: (key, path, why)."""
    paths = [("host.secretsDir", site.host.secrets_dir, "the container could read the tunnel credentials")]
    target = site.host.target.path
    if target.startswith("/"):
        paths.append(("host.target.path", target, "the container could write Nix that the host activates"))
    return paths


def reach_and_nesting(site: Site, report: Report, mounts: list[Mount], flagged: set[str]) -> None:
    for mount in (mount for mount in mounts if mount.loc not in flagged):
        for key, path, why in nixedge_paths(site):
            if contains(mount.host_path, path) or contains(path, mount.host_path):
                field = "hostPath" if mount.host_path != mount.path else "path"
                report.error(_key(mount, field), f"reaches {key} ({path}): {why}", mount.host_path)
    for i, a in enumerate(mounts):
        for b in mounts[:i]:
            if a.path == b.path:
                report.error(_key(a, "path"), f"mounts {a.path} again; already mounted by {b.loc}", a.path)
            elif contains(a.path, b.path) or contains(b.path, a.path):
                report.error(_key(a, "path"), f"overlaps {b.loc} ({b.path}); mount points must not nest", a.path)


def container_mounts(
    site: Site, report: Report, name: str, c: Container, pg: PostgresqlServer | None
) -> tuple[Mount, ...]:
    """Every mount of a container, sorted by path."""
    mounts, flagged = _given(report, f"containers.{name}", c)
    mounts = _implied(site, report, name, c, pg, mounts)
    reach_and_nesting(site, report, mounts, flagged)
    return tuple(sorted(mounts, key=lambda m: m.path))


def _ancestors(path: str) -> list[str]:
    """`path` and every directory above it, up to `/`."""
    out = [path]
    while path != "/":
        path = posixpath.dirname(path)
        out.append(path)
    return out


def foreign_state_dirs(site: Site, report: Report, resolved: dict[str, tuple[Mount, ...]]) -> None:
    """No mount reaches the state directory of another container."""
    owners = {c.state_dir: f"containers.{n}" for n, c in site.containers.items() if c.state_dir}
    owners |= {o.state_dir: f"ociContainers.{n}" for n, o in site.oci_containers.items() if o.state_dir}
    order = {state_dir: i for i, state_dir in enumerate(owners)}
    below = sorted(owners)
    for name, mounts in resolved.items():
        for m in mounts:
            # State directories at or above the mount (its ancestors), and below it: a
            # walk up the path and a range of the sorted list, not every pair.
            reached = {p for p in _ancestors(m.host_path) if p in owners}
            prefix = "/" if m.host_path == "/" else m.host_path + "/"
            for state_dir in below[bisect.bisect_left(below, prefix) :]:
                if not state_dir.startswith(prefix):
                    break
                reached.add(state_dir)
            for state_dir in sorted(reached, key=order.__getitem__):
                owner = owners[state_dir]
                if owner.partition(".")[2] != name:
                    report.error(
                        _key(m, "hostPath"),
                        f"reaches {state_dir}, the state directory of {owner}",
                        m.host_path,
                    )
