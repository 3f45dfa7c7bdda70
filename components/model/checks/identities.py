"""Identities: container, origin and host names; users and groups unique unless shared."""

from __future__ import annotations

from components.model.checks.report import Report
from components.model.site import Site

# Container names longer than this break on kernels up to 5.8 (interface altnames,
# nixpkgs#38509): nixos-containers.nix asserts it only on such kernels, so we warn.
NAME_WARN_LENGTH = 11


def host_name(site: Site, report: Report) -> None:
    """No container takes the host's name."""
    if site.host.name in site.containers:
        report.error(
            f"containers.{site.host.name}",
            "has the name of the host (host.name): the container takes its name as its host name, "
            "so both would answer to it",
            site.host.name,
        )


def origin_name(site: Site, report: Report, name: str) -> None:
    """Origins and containers share one namespace."""
    if name in site.containers:
        report.error(
            f"origins.{name}",
            f"has the name of containers.{name}; names of origins and containers are one namespace",
            name,
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
    """uid, gid, user and group names are unique, except users shared on purpose."""
    seen: dict[tuple[str, object], tuple[str, Identity, bool]] = {}
    shared: dict[str, tuple[str, Identity]] = {}  # user name -> (first sharer's key, identity)
    owners = [(f"containers.{n}", c.user) for n, c in site.containers.items()]
    owners += [(f"ociContainers.{n}", o.user) for n, o in site.oci_containers.items()]
    for owner, u in owners:
        identity: Identity = (u.name, u.uid, u.gid, u.group or u.name)
        first = shared.setdefault(u.name, (f"{owner}.user", identity)) if u.shared else None
        if first is not None and first[1] != identity:
            _shared_differs(report, owner, identity, first)
            continue
        for kind, val in zip(("name", "uid", "gid", "group"), identity, strict=True):
            loc = f"{owner}.user.{kind}"
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
