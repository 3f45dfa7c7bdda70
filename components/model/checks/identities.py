"""Identities: container, origin and host names; users and groups unique unless shared."""

from __future__ import annotations

import re

from components.model import podman
from components.model.checks.report import Report
from components.model.presets import PRESETS
from components.model.site import Site
from components.model.workloads import Workload, run, workloads

# Container names longer than this break on kernels up to 5.8 (interface altnames,
# nixpkgs#38509): nixos-containers.nix asserts it only on such kernels, so we warn.
NAME_WARN_LENGTH = 11


def host_name(site: Site, report: Report) -> None:
    """No workload nixedge runs takes the host's name (NixOS and Podman both give a
    container its name as its host name)."""
    for w in run(site):
        if w.name == site.host.name:
            report.error(
                w.loc,
                "has the name of the host (host.name): the container takes its name as its host name, "
                "so both would answer to it",
                site.host.name,
            )


def namespace(site: Site, report: Report) -> None:
    """Every workload, whatever its kind, has a name of its own: one namespace."""
    first: dict[str, str] = {}
    for w in workloads(site):
        owner = first.setdefault(w.name, w.loc)
        if owner != w.loc:
            report.error(
                w.loc,
                f"has the name of {owner}; the names of containers, ociContainers and origins are one namespace",
                w.name,
            )


def long_name(report: Report, name: str) -> None:
    # nixpkgs asserts it whenever privateNetwork is set, which nixedge always sets (also for network none).
    if len(name) > NAME_WARN_LENGTH:
        report.warn(
            f"containers.{name}",
            f"name is longer than {NAME_WARN_LENGTH} characters; with privateNetwork its "
            "veth name needs a Linux kernel newer than 5.8 (nixpkgs#38509)",
        )


Identity = tuple[str, int, int, str]  # (name, uid, gid, group)


def users(site: Site, report: Report) -> None:
    """uid, gid, user and group names are unique, except users shared on purpose; none is
    one of the host's own accounts; wrapper commands are unique. Every workload nixedge
    runs is counted (components.model.workloads); an OCI app without a user is root."""
    running = run(site)
    system_accounts(site, report, running)
    wrappers(site, report)
    seen: dict[tuple[str, object], tuple[str, Identity, bool]] = {}
    shared: dict[str, tuple[str, Identity]] = {}  # user name -> (first sharer's key, identity)
    for w in running:
        u = w.identity
        if u is None or not u.given:
            continue  # root: nothing to share or collide with but the host's own (warned)
        identity: Identity = (u.user, u.uid, u.gid, u.group)
        first = shared.setdefault(u.user, (u.loc, identity)) if u.shared else None
        if first is not None and first[1] != identity:
            _shared_differs(report, w.loc, identity, first)
            continue
        for kind, val in zip(("name", "uid", "gid", "group"), identity, strict=True):
            loc = f"{u.loc}.{kind}"
            other = seen.get((kind, val))
            if other is None:
                seen[(kind, val)] = (loc, identity, u.shared)
            elif not (u.shared and other[2] and other[1] == identity):
                hint = None
                if other[1] == identity:
                    hint = "to share this user on purpose, set user.shared: true in both containers"
                report.error(loc, f"is already used by {other[0]}; each container needs its own {kind}", val, hint)


def _shared_differs(report: Report, owner: str, identity: Identity, first: tuple[str, Identity]) -> None:
    # Both say shared, so "each container needs its own" would be wrong: name what differs.
    for kind, mine, theirs in zip(("name", "uid", "gid", "group"), identity, first[1], strict=True):
        if mine != theirs:
            report.error(
                f"{owner}.user.{kind}",
                f"differs from {first[0]}.{kind} ({theirs}), which shares user {identity[0]}; "
                "a shared user has the same uid, gid and group in every container",
                mine,
            )


# Accounts every NixOS host has (nixpkgs nixos/modules/misc/ids.nix, users-groups.nix,
# systemd.nix, dbus, nscd, polkit, openssh): a service user or group of the same name
# or id merges with the host's and shares its powers (wheel is sudo, disk the disks).
SYSTEM_GROUPS = {
    "wheel": 1, "kmem": 2, "tty": 3, "messagebus": 4, "disk": 6, "audio": 17, "floppy": 18, "uucp": 19,
    "lp": 20, "cdrom": 24, "tape": 25, "video": 26, "dialout": 27, "utmp": 29, "adm": 55,
    "systemd-journal": 62, "keys": 96, "users": 100, "systemd-network": 152, "systemd-resolve": 153,
    "systemd-timesync": 154, "input": 174, "kvm": 302, "render": 303, "sgx": 304, "shadow": 318,
    "uinput": 327, "nixbld": 30000,
}  # fmt: skip
SYSTEM_USERS = {
    "messagebus": 4, "polkituser": 28, "systemd-coredump": 151, "systemd-network": 152,
    "systemd-resolve": 153, "systemd-timesync": 154,
}  # fmt: skip
# Names with ids NixOS allocates at activation (no fixed id), present on every host:
# openssh's sshd, nscd, systemd-oomd's account, the build users' group. (Podman's group
# is components/model/podman.py's ACCOUNTS.)
DYNAMIC_NAMES = frozenset({"sshd", "nscd", "systemd-oom", "nixbld"})
# Ranges NixOS and systemd keep (ids.nix): build users, DynamicUser, 16-bit uid_t's -1.
RESERVED_RANGES = ((30000, 31000, "NixOS's build users (nixbld)"), (61184, 65519, "systemd's DynamicUser"))
SENTINEL = 65535
POSTGRES = ("postgres", 71)  # nixpkgs' postgresql module; only app postgresql may take it
_NIXBLD = re.compile(r"nixbld[0-9]*")


def _system_name(name: str, app: str) -> str | None:
    """Why a user or group name is the host's own, or None."""
    if name == POSTGRES[0] and app != "postgresql":
        return "is the host's PostgreSQL account (nixpkgs postgresql.nix); only app postgresql may take it"
    if name in SYSTEM_USERS or name in SYSTEM_GROUPS or name in DYNAMIC_NAMES or _NIXBLD.fullmatch(name):
        return "is an account every NixOS host has; the service would merge with it and share its powers"
    if name in podman.ACCOUNTS:
        return "names Podman's group on the host (it owns Podman's socket): the service would run containers as root"
    return None


def _system_id(value: int, kind: str, app: str) -> str | None:
    """Why the uid or gid is the host's own, or None."""
    if value == SENTINEL:
        return f"is {SENTINEL}, the error value of 16-bit uid_t, which tools read as 'no id'"
    for low, high, what in RESERVED_RANGES:
        if low <= value <= high:
            return f"is in {low}-{high}, the ids of {what}"
    if value == POSTGRES[1] and app != "postgresql":
        return f"is {value}, the id of the host's PostgreSQL account (ids.{kind}s.postgres)"
    table = SYSTEM_USERS if kind == "uid" else SYSTEM_GROUPS
    owner = next((name for name, i in table.items() if i == value), None)
    if owner is not None:
        return f"is {value}, the {kind} of {owner}, an account every NixOS host has"
    return None


def system_accounts(site: Site, report: Report, running: tuple[Workload, ...]) -> None:
    """No service user, group or id of any workload is one of NixOS's own."""
    for w in running:
        u = w.identity
        if u is None:
            continue
        if not u.given:
            report.warn(
                u.loc,
                "is left out, so the app runs as its image's user, root unless the image says otherwise; "
                "nixedge treats it as uid 0 in every rule. Give it a user of its own unless it needs root",
            )
            continue
        app = site.containers[w.name].app if w.kind == "container" else "oci"
        names = [("name", u.user)] + ([("group", u.group)] if u.group_given else [])
        for kind, text in names:
            why = _system_name(text, app)
            if why is not None:
                hint = f"give the service an account of its own, e.g. '{w.name}'"
                report.error(f"{u.loc}.{kind}", why, text, hint=hint)
        for kind, value in (("uid", u.uid), ("gid", u.gid)):
            why = _system_id(value, kind, app)
            if why is not None:
                report.error(f"{u.loc}.{kind}", why, value, hint="pick a free system id below 1000, such as 991")


# Commands the host's administrator runs as root: a wrapper of that name would shadow them.
HOST_COMMANDS = frozenset(
    {"nixos-container", "nixos-rebuild", "systemctl", "journalctl", "sudo", "su", "sh", "bash", "nix",
     "nix-env", "nix-shell", "ssh", "login", "passwd", "mount", "cloudflared", "psql", "machinectl"}
)  # fmt: skip


def wrappers(site: Site, report: Report) -> None:
    """Each wrapper command on the host PATH belongs to one container and shadows no host command.

    NixOS's system-path ignores collisions, so a second `forgejo` would silently run
    in whichever container wins.
    """
    default = {app: preset.default_wrapper for app, preset in PRESETS.items()}
    seen: dict[str, str] = {}
    # An app's own wrapper keeps its name; the container that set the same one is named.
    for name, c in sorted(site.containers.items(), key=lambda item: item[1].wrapper is not None):
        command = c.wrapper if c.wrapper is not None else default.get(c.app)
        loc = f"containers.{name}.wrapper"
        if command is None:
            continue
        if command in HOST_COMMANDS:
            report.error(loc, f"would shadow the host's own {command} command on root's PATH", command)
        if command in seen:
            report.error(
                loc,
                f"is already the wrapper of {seen[command]}; of two commands of one name on the host PATH, "
                "one silently wins",
                command,
                hint=f"set {loc} to a name of its own, e.g. {command}-{name}",
            )
        else:
            seen[command] = f"containers.{name}"
