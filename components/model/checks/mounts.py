"""Paths and mounts: bind mounts, state directories and implied mounts, none sensitive,
none reaching nixedge's own paths or another container's state, none nested."""

from __future__ import annotations

import bisect
import posixpath

from components.model import paths
from components.model.checks import postgresql, secrets
from components.model.checks.report import Report
from components.model.paths import contains
from components.model.resolved import Mount, PostgresqlServer
from components.model.shared import BindMount
from components.model.site import Container, Site
from components.model.workloads import run


def _refuse(
    report: Report, flagged: set[str], key: str, mloc: str, problem: str | None, value: str, hint: str | None
) -> None:
    if problem is not None:
        flagged.add(mloc)
        report.error(key, problem, value, hint=hint)


def _given(report: Report, loc: str, c: Container) -> tuple[list[Mount], set[str]]:
    """The bind mounts and state directory; and the keys refused by the path policy (one error each)."""
    server = c.app == "postgresql"  # the host's PostgreSQL data directory is its own
    return given_mounts(report, loc, "bindMounts", c.bind_mounts, c.state_dir, c.state_dir, server)


def given_mounts(
    report: Report,
    loc: str,
    key: str,
    binds: list[BindMount],
    state_dir: str | None,
    state_path: str | None,
    postgresql_server: bool = False,
) -> tuple[list[Mount], set[str]]:
    """Mounts given as `loc.key` (bind mounts) and `loc.stateDir` (at `state_path` inside);
    and the keys refused by the path policy. Shared by NixOS and OCI containers.

    `postgresql_server`: the container runs the site's PostgreSQL, so its state directory
    may be the data directory of nixpkgs' module (/var/lib/postgresql)."""
    mounts: list[Mount] = []
    flagged: set[str] = set()
    for i, m in enumerate(binds):
        mloc = f"{loc}.{key}[{i}]"
        host_path = m.host_path or m.path
        hkey = f"{mloc}.{'hostPath' if m.host_path else 'path'}"
        problem = paths.host_path_problem(host_path, not m.read_only, m.allow_sensitive)
        asks = paths.sensitive(host_path) and not m.allow_sensitive  # allowSensitive would open it
        hint = f"mount a narrower path, or set {mloc}.allowSensitive: true" if asks else None
        if problem is not None and problem.startswith(paths.IN_ETC):
            hint = f"mount the one file with {mloc}.readOnly: true"
        elif problem is not None and problem.startswith(paths.ETC_DIRECTORY):
            hint = "mount the one file of it the container reads"
        _refuse(report, flagged, hkey, mloc, problem, host_path, hint)
        if problem is None or m.host_path is not None:  # one error per key
            _refuse(report, flagged, f"{mloc}.path", mloc, paths.target_problem(m.path), m.path, TARGET_HINT)
        mounts.append(Mount(m.path, host_path, m.read_only, mloc))
    if state_dir is not None and state_path is not None:
        sloc = f"{loc}.stateDir"
        own = postgresql_server and contains(paths.POSTGRESQL_DATA, paths.resolve(state_dir))
        problem = paths.host_path_problem(state_dir, writable=True, allowed=own)
        if problem is not None and paths.sensitive(state_dir):
            problem = "is a sensitive host path; use a directory of its own such as /var/lib/<app>" + paths.via(
                state_dir
            )
        _refuse(report, flagged, sloc, sloc, problem or paths.target_problem(state_path), state_dir, None)
        mounts.append(Mount(state_path, state_dir, False, sloc))
    return mounts, flagged


TARGET_HINT = "mount it somewhere of its own, e.g. /srv/<name> or /var/lib/<app>"


def _read_only_file(report: Report, flagged: set[str], key: str, path: str) -> None:
    """A file the container reads: environmentFile, a secret's path."""
    problem = paths.host_path_problem(path, writable=False) or paths.target_problem(path)
    hint = "name the one file the container reads, e.g. /run/secrets/<name> or /etc/<app>.env" if problem else None
    _refuse(report, flagged, key, key, problem, path, hint)


def _implied(
    site: Site, report: Report, name: str, c: Container, pg: PostgresqlServer | None, mounts: list[Mount]
) -> tuple[list[Mount], set[str]]:
    """`mounts` plus what the container's options imply: PostgreSQL's socket, its files and secrets."""
    loc = f"containers.{name}"
    flagged: set[str] = set()
    mounts = postgresql.socket_mounts(name, c, pg, mounts)
    if c.environment_file is not None:
        _read_only_file(report, flagged, f"{loc}.environmentFile", c.environment_file)
        if not any(contains(m.path, c.environment_file) for m in mounts):
            mounts.append(Mount(c.environment_file, c.environment_file, True, f"{loc}.environmentFile"))
    for i, secret in enumerate(c.secrets):
        ref = site.secrets.get(secret)
        if ref is None:
            report.error(f"{loc}.secrets[{i}]", secrets.unknown_secret(site), secret)
        elif not any(m.path == ref.path for m in mounts):
            mounts.append(Mount(ref.path, ref.path, True, f"{loc}.secrets[{i}]"))
            if paths.host_path_problem(ref.path, writable=False) or paths.target_problem(ref.path):
                flagged.add(f"{loc}.secrets[{i}]")  # reported once, at secrets.<name>.path
    return mounts, flagged


HOST_CONFIG = "/etc/nixos"


def _in_host_config(path: str) -> str | None:
    """Why host.secretsDir may not be in the host's configuration directory: a host whose
    configuration is a flake copies that directory into the world-readable store whole."""
    if not contains(HOST_CONFIG, paths.resolve(path)):
        return None
    return (
        f"is in {HOST_CONFIG}, which a host whose configuration is a flake copies into the world-readable Nix "
        "store whole: every user of the host could read the tunnel credentials"
    )


def host_paths(site: Site, report: Report) -> None:
    """The host paths that are not a container's: the secrets' paths and nixedge's own directories."""
    for name, ref in site.secrets.items():
        _read_only_file(report, set(), f"secrets.{name}.path", ref.path)
    secrets_problem = paths.system_dir_problem(site.host.secrets_dir)
    if secrets_problem is not None:
        hint = "keep the default, /var/lib/nixedge/secrets"
        report.error("host.secretsDir", secrets_problem, site.host.secrets_dir, hint=hint)
    target = site.host.target
    overlaps = target.transport == "ssh" and (
        contains(target.path, site.host.secrets_dir) or contains(site.host.secrets_dir, target.path)
    )
    in_config = _in_host_config(site.host.secrets_dir)
    if secrets_problem is None and not overlaps and in_config is not None:
        hint = "keep the default, /var/lib/nixedge/secrets"
        report.error("host.secretsDir", in_config, site.host.secrets_dir, hint=hint)
    if target.transport != "ssh":  # a directory of the machine that runs Pulumi
        return
    # Modules in /tmp are fine for a rehearsal, not for a host that builds them as root.
    builds = site.host.activation.command is None and site.host.activation.mode != "none"
    target_problem = paths.system_dir_problem(target.path, world_writable_ok=not builds)
    if target_problem is None and paths.resolve(target.path) == HOST_CONFIG:
        target_problem = (
            "is the host's own configuration directory (configuration.nix is there): nixedge's modules, and the "
            "files it prunes, belong in a directory of their own inside it"
        )
    if target_problem is not None:
        report.error("host.target.path", target_problem, target.path, hint="keep the default, /etc/nixos/nixedge")
    elif secrets_problem is None and overlaps:
        report.error(
            "host.secretsDir",
            f"overlaps host.target.path ({target.path}): the credentials would sit among the modules, "
            "which a flake copies into the Nix store whole",
            site.host.secrets_dir,
            hint="keep them apart, e.g. /var/lib/nixedge/secrets",
        )


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
    mounts, more = _implied(site, report, name, c, pg, mounts)
    reach_and_nesting(site, report, mounts, flagged | more)
    return tuple(sorted(mounts, key=lambda m: m.path))


def _ancestors(path: str) -> list[str]:
    """`path` and every directory above it, up to `/`."""
    out = [path]
    while path != "/":
        path = posixpath.dirname(path)
        out.append(path)
    return out


def state_dirs(site: Site) -> dict[str, str]:
    """Every workload's state directory -> the workload's key."""
    return {w.state_dir: w.loc for w in run(site) if w.state_dir}


OWNER_RWX = 0o700
OTHERS_WRITE = 0o002


def state_dir_modes(site: Site, report: Report) -> None:
    """A state directory gives its owner read, write and search: tmpfiles creates it with
    this mode, and a service that is not root cannot use a directory it may not enter;
    and it lets no other user of the host write to it."""
    for w in run(site):
        u = w.identity
        if w.state_dir is None or u is None:
            continue
        mode = int(w.state_dir_mode, 8)
        if mode & OTHERS_WRITE:
            report.error(
                f"{w.loc}.stateDirMode",
                "lets every user of the host write to the app's state directory: another user could plant or "
                "change files the app reads",
                w.state_dir_mode,
                hint="use 0750 or 0700",
            )
        elif mode & OWNER_RWX != OWNER_RWX and not u.root:
            report.error(
                f"{w.loc}.stateDirMode",
                f"does not give the owner ({u.user}, uid {u.uid}) read, write and search: the app could not "
                f"use its own state directory",
                w.state_dir_mode,
                hint="use 0750 or 0700",
            )


def state_dir_places(site: Site, report: Report) -> None:
    """No workload's state directory where any user of the host may plant files first
    (/tmp, /run/lock, ...: `paths.WORLD_WRITABLE`): a link planted there before tmpfiles
    creates the directory would hand the app, or root, another path. The rule
    host.secretsDir follows; a path the mount rules refuse already is not named twice."""
    for w in run(site):
        if w.state_dir is None or paths.host_path_problem(w.state_dir, writable=True) is not None:
            continue
        problem = paths.planted_problem(w.state_dir)
        if problem is not None:
            report.error(
                f"{w.loc}.stateDir", problem, w.state_dir, hint="use a directory of its own such as /var/lib/<app>"
            )


def read_on_host(site: Site, report: Report) -> None:
    """Files read on the host for a workload (Podman's environmentFiles): as a mount, they
    reach neither nixedge's own paths nor another workload's state directory."""
    owners = state_dirs(site)
    for w in run(site):
        for hp in (hp for hp in w.host_paths if not hp.mounted):
            for key, path, why in nixedge_paths(site):
                if contains(path, hp.path):
                    report.error(hp.key, f"reaches {key} ({path}): {why}", hp.path)
            for state_dir, owner in owners.items():
                if owner != w.loc and contains(state_dir, hp.path):
                    report.error(hp.key, f"reaches {state_dir}, the state directory of {owner}", hp.path)


def foreign_state_dirs(site: Site, report: Report, resolved: dict[str, tuple[Mount, ...]]) -> None:
    """No mount reaches the state directory of another container."""
    owners = state_dirs(site)
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
