"""NixOS's own accounts (components/model/checks/identities.py): a service user or group
never takes the name or id of an account every NixOS host has (nixpkgs ids.nix: wheel,
users, nixbld, systemd's, ...), nor an id of the ranges NixOS and systemd keep (build
users, DynamicUser, 65535); a privateUsers range fits below the host's own ids and
inside uid_t; two containers never install the same wrapper command, nor one that
shadows the host's own.

Each case mutates a valid site (tests/model_cases.py) and expects the exact report.
"""

from __future__ import annotations

import pytest

from components.model import site_from_data
from tests.model_cases import (
    HOMELAB,
    R1,
    R2,
    VPN,
    A,
    Lines,
    case,
    err,
    homelab_lines,
    multiservice_site,
    seed_lines,
)
from tests.site_mutations import Mutation, put, set_key

seed = seed_lines
homelab = homelab_lines
SYSTEM_ACCOUNT = "is an account every NixOS host has; the service would merge with it and share its powers"
OWN_ACCOUNT = "give the service an account of its own, e.g. 'vpn'"
FREE_ID = "pick a free system id below 1000, such as 991"
RANGE_HINT = "use pick, or a multiple of 65536 such as 524288"

CASES = [
    case(
        "user-name-wheel",
        homelab,
        put((f"{VPN}.user.name", "wheel")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "wheel", OWN_ACCOUNT),
    ),
    case(
        "user-name-users",
        homelab,
        put((f"{VPN}.user.name", "users")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "users", OWN_ACCOUNT),
    ),
    case(
        "user-name-nixbld",
        homelab,
        put((f"{VPN}.user.name", "nixbld")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "nixbld", OWN_ACCOUNT),
    ),
    case(
        "user-name-nixbld12",
        homelab,
        put((f"{VPN}.user.name", "nixbld12")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "nixbld12", OWN_ACCOUNT),
    ),
    case(
        "user-name-sshd",
        homelab,
        put((f"{VPN}.user.name", "sshd")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "sshd", OWN_ACCOUNT),
    ),
    case(
        "user-name-nscd",
        homelab,
        put((f"{VPN}.user.name", "nscd")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "nscd", OWN_ACCOUNT),
    ),
    case(
        "user-name-messagebus",
        homelab,
        put((f"{VPN}.user.name", "messagebus")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "messagebus", OWN_ACCOUNT),
    ),
    case(
        "user-name-systemd-network",
        homelab,
        put((f"{VPN}.user.name", "systemd-network")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "systemd-network", OWN_ACCOUNT),
    ),
    case(
        "user-name-systemd-resolve",
        homelab,
        put((f"{VPN}.user.name", "systemd-resolve")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "systemd-resolve", OWN_ACCOUNT),
    ),
    case(
        "user-name-systemd-timesync",
        homelab,
        put((f"{VPN}.user.name", "systemd-timesync")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "systemd-timesync", OWN_ACCOUNT),
    ),
    case(
        "user-name-systemd-coredump",
        homelab,
        put((f"{VPN}.user.name", "systemd-coredump")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "systemd-coredump", OWN_ACCOUNT),
    ),
    case(
        "user-name-systemd-oom",
        homelab,
        put((f"{VPN}.user.name", "systemd-oom")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "systemd-oom", OWN_ACCOUNT),
    ),
    case(
        "user-name-polkituser",
        homelab,
        put((f"{VPN}.user.name", "polkituser")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "polkituser", OWN_ACCOUNT),
    ),
    case(
        "user-name-kvm",
        homelab,
        put((f"{VPN}.user.name", "kvm")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "kvm", OWN_ACCOUNT),
    ),
    case(
        "user-name-disk",
        homelab,
        put((f"{VPN}.user.name", "disk")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "disk", OWN_ACCOUNT),
    ),
    case(
        "user-name-shadow",
        homelab,
        put((f"{VPN}.user.name", "shadow")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "shadow", OWN_ACCOUNT),
    ),
    case(
        "user-name-keys",
        homelab,
        put((f"{VPN}.user.name", "keys")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "keys", OWN_ACCOUNT),
    ),
    case(
        "user-name-input",
        homelab,
        put((f"{VPN}.user.name", "input")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "input", OWN_ACCOUNT),
    ),
    case(
        "user-name-postgres",
        homelab,
        put((f"{VPN}.user.name", "postgres")),
        *err(
            f"{VPN}.user.name",
            "is the host's PostgreSQL account (nixpkgs postgresql.nix); only app postgresql may take it",
            "postgres",
            OWN_ACCOUNT,
        ),
        *err(
            f"{VPN}.user.name",
            "is already used by containers.postgres.user.name; each container needs its own name",
            "postgres",
        ),
        *err(
            f"{VPN}.user.group",
            "is already used by containers.postgres.user.group; each container needs its own group",
            "postgres",
        ),
    ),
    case(
        "user-name-audio",
        homelab,
        put((f"{VPN}.user.name", "audio")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "audio", OWN_ACCOUNT),
    ),
    case(
        "user-name-video",
        homelab,
        put((f"{VPN}.user.name", "video")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "video", OWN_ACCOUNT),
    ),
    case(
        "user-name-tty",
        homelab,
        put((f"{VPN}.user.name", "tty")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "tty", OWN_ACCOUNT),
    ),
    case(
        "user-name-adm",
        homelab,
        put((f"{VPN}.user.name", "adm")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "adm", OWN_ACCOUNT),
    ),
    case(
        "user-name-utmp",
        homelab,
        put((f"{VPN}.user.name", "utmp")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "utmp", OWN_ACCOUNT),
    ),
    case(
        "user-name-render",
        homelab,
        put((f"{VPN}.user.name", "render")),
        *err(f"{VPN}.user.name", SYSTEM_ACCOUNT, "render", OWN_ACCOUNT),
    ),
    case(
        "group-wheel",
        homelab,
        put((f"{VPN}.user.group", "wheel")),
        *err(f"{VPN}.user.group", SYSTEM_ACCOUNT, "wheel", OWN_ACCOUNT),
    ),
    case(
        "group-users",
        homelab,
        put((f"{VPN}.user.group", "users")),
        *err(f"{VPN}.user.group", SYSTEM_ACCOUNT, "users", OWN_ACCOUNT),
    ),
    case(
        "group-systemd-journal",
        homelab,
        put((f"{VPN}.user.group", "systemd-journal")),
        *err(f"{VPN}.user.group", SYSTEM_ACCOUNT, "systemd-journal", OWN_ACCOUNT),
    ),
    case(
        "group-disk",
        homelab,
        put((f"{VPN}.user.group", "disk")),
        *err(f"{VPN}.user.group", SYSTEM_ACCOUNT, "disk", OWN_ACCOUNT),
    ),
    case(
        "group-kvm",
        homelab,
        put((f"{VPN}.user.group", "kvm")),
        *err(f"{VPN}.user.group", SYSTEM_ACCOUNT, "kvm", OWN_ACCOUNT),
    ),
    case(
        "group-nixbld",
        homelab,
        put((f"{VPN}.user.group", "nixbld")),
        *err(f"{VPN}.user.group", SYSTEM_ACCOUNT, "nixbld", OWN_ACCOUNT),
    ),
    case(
        "group-postgres",
        homelab,
        put((f"{VPN}.user.group", "postgres")),
        *err(
            f"{VPN}.user.group",
            "is the host's PostgreSQL account (nixpkgs postgresql.nix); only app postgresql may take it",
            "postgres",
            OWN_ACCOUNT,
        ),
        *err(
            f"{VPN}.user.group",
            "is already used by containers.postgres.user.group; each container needs its own group",
            "postgres",
        ),
    ),
    case(
        "group-messagebus",
        homelab,
        put((f"{VPN}.user.group", "messagebus")),
        *err(f"{VPN}.user.group", SYSTEM_ACCOUNT, "messagebus", OWN_ACCOUNT),
    ),
    case(
        "gid-1",
        homelab,
        put((f"{VPN}.user.gid", 1)),
        *err(f"{VPN}.user.gid", "is 1, the gid of wheel, an account every NixOS host has", 1, FREE_ID),
    ),
    case(
        "gid-100",
        homelab,
        put((f"{VPN}.user.gid", 100)),
        *err(f"{VPN}.user.gid", "is 100, the gid of users, an account every NixOS host has", 100, FREE_ID),
    ),
    case(
        "uid-30000",
        homelab,
        put((f"{VPN}.user.uid", 30000)),
        *err(f"{VPN}.user.uid", "is in 30000-31000, the ids of NixOS's build users (nixbld)", 30000, FREE_ID),
    ),
    case(
        "uid-30500",
        homelab,
        put((f"{VPN}.user.uid", 30500)),
        *err(f"{VPN}.user.uid", "is in 30000-31000, the ids of NixOS's build users (nixbld)", 30500, FREE_ID),
    ),
    case(
        "gid-31000",
        homelab,
        put((f"{VPN}.user.gid", 31000)),
        *err(f"{VPN}.user.gid", "is in 30000-31000, the ids of NixOS's build users (nixbld)", 31000, FREE_ID),
    ),
    case(
        "uid-61184",
        homelab,
        put((f"{VPN}.user.uid", 61184)),
        *err(f"{VPN}.user.uid", "is in 61184-65519, the ids of systemd's DynamicUser", 61184, FREE_ID),
    ),
    case(
        "uid-65519",
        homelab,
        put((f"{VPN}.user.uid", 65519)),
        *err(f"{VPN}.user.uid", "is in 61184-65519, the ids of systemd's DynamicUser", 65519, FREE_ID),
    ),
    case(
        "uid-65535",
        homelab,
        put((f"{VPN}.user.uid", 65535)),
        *err(
            f"{VPN}.user.uid",
            "is 65535, the error value of 16-bit uid_t, which tools read as 'no id'",
            65535,
            FREE_ID,
        ),
    ),
    case(
        "gid-65535",
        homelab,
        put((f"{VPN}.user.gid", 65535)),
        *err(
            f"{VPN}.user.gid",
            "is 65535, the error value of 16-bit uid_t, which tools read as 'no id'",
            65535,
            FREE_ID,
        ),
    ),
    case(
        "uid-71",
        homelab,
        put((f"{VPN}.user.uid", 71)),
        *err(f"{VPN}.user.uid", "is 71, the id of the host's PostgreSQL account (ids.uids.postgres)", 71, FREE_ID),
        *err(
            f"{VPN}.user.uid",
            "is already used by containers.postgres.user.uid; each container needs its own uid",
            71,
        ),
    ),
    case(
        "gid-71",
        homelab,
        put((f"{VPN}.user.gid", 71)),
        *err(f"{VPN}.user.gid", "is 71, the id of the host's PostgreSQL account (ids.gids.postgres)", 71, FREE_ID),
        *err(
            f"{VPN}.user.gid",
            "is already used by containers.postgres.user.gid; each container needs its own gid",
            71,
        ),
    ),
    case(
        "gid-62",
        homelab,
        put((f"{VPN}.user.gid", 62)),
        *err(f"{VPN}.user.gid", "is 62, the gid of systemd-journal, an account every NixOS host has", 62, FREE_ID),
    ),
    case(
        "uid-28",
        homelab,
        put((f"{VPN}.user.uid", 28)),
        *err(f"{VPN}.user.uid", "is 28, the uid of polkituser, an account every NixOS host has", 28, FREE_ID),
    ),
    case(
        "uid-4",
        homelab,
        put((f"{VPN}.user.uid", 4)),
        *err(f"{VPN}.user.uid", "is 4, the uid of messagebus, an account every NixOS host has", 4, FREE_ID),
    ),
    case(
        "gid-6",
        homelab,
        put((f"{VPN}.user.gid", 6)),
        *err(f"{VPN}.user.gid", "is 6, the gid of disk, an account every NixOS host has", 6, FREE_ID),
    ),
    case(
        "gid-302",
        homelab,
        put((f"{VPN}.user.gid", 302)),
        *err(f"{VPN}.user.gid", "is 302, the gid of kvm, an account every NixOS host has", 302, FREE_ID),
    ),
    case(
        "uid-152",
        homelab,
        put((f"{VPN}.user.uid", 152)),
        *err(f"{VPN}.user.uid", "is 152, the uid of systemd-network, an account every NixOS host has", 152, FREE_ID),
    ),
    case(
        "gid-96",
        homelab,
        put((f"{VPN}.user.gid", 96)),
        *err(f"{VPN}.user.gid", "is 96, the gid of keys, an account every NixOS host has", 96, FREE_ID),
    ),
    case(
        "gid-318",
        homelab,
        put((f"{VPN}.user.gid", 318)),
        *err(f"{VPN}.user.gid", "is 318, the gid of shadow, an account every NixOS host has", 318, FREE_ID),
    ),
    case(
        "uid-4294967295",
        homelab,
        put((f"{VPN}.user.uid", 4294967295)),
        *err(f"{VPN}.user.uid", "must be less than or equal to 2147483646", 4294967295),
    ),
    case(
        "gid-4294967294",
        homelab,
        put((f"{VPN}.user.gid", 4294967294)),
        *err(f"{VPN}.user.gid", "must be less than or equal to 2147483646", 4294967294),
    ),
    case(
        "shared-runner-gid-users",
        homelab,
        put((f"{R1}.user.gid", 100), (f"{R2}.user.gid", 100)),
        *err(f"{R1}.user.gid", "is 100, the gid of users, an account every NixOS host has", 100, FREE_ID),
        *err(f"{R2}.user.gid", "is 100, the gid of users, an account every NixOS host has", 100, FREE_ID),
    ),
    case(
        "private-users-1",
        homelab,
        put((f"{VPN}.privateUsers", 1)),
        *err(
            f"{VPN}.privateUsers",
            (
                "starts a range of 65536 ids among the host's own accounts (0 to 65535): root in the "
                "container would be host uid 1"
            ),
            1,
            RANGE_HINT,
        ),
    ),
    case(
        "private-users-1000",
        homelab,
        put((f"{VPN}.privateUsers", 1000)),
        *err(
            f"{VPN}.privateUsers",
            (
                "starts a range of 65536 ids among the host's own accounts (0 to 65535): root in the "
                "container would be host uid 1000"
            ),
            1000,
            RANGE_HINT,
        ),
    ),
    case(
        "private-users-65535",
        homelab,
        put((f"{VPN}.privateUsers", 65535)),
        *err(
            f"{VPN}.privateUsers",
            (
                "starts a range of 65536 ids among the host's own accounts (0 to 65535): root in the "
                "container would be host uid 65535"
            ),
            65535,
            RANGE_HINT,
        ),
    ),
    case(
        "private-users-4294901760",
        homelab,
        put((f"{VPN}.privateUsers", 4294901760)),
        *err(
            f"{VPN}.privateUsers",
            "leaves no room for 65536 ids below 4294967295 (uid_t is 32 bits, its last value is invalid)",
            4294901760,
            RANGE_HINT,
        ),
    ),
    case(
        "private-users-4294967295",
        homelab,
        put((f"{VPN}.privateUsers", 4294967295)),
        *err(
            f"{VPN}.privateUsers",
            "leaves no room for 65536 ids below 4294967295 (uid_t is 32 bits, its last value is invalid)",
            4294967295,
            RANGE_HINT,
        ),
    ),
    case(
        "private-users-4294967294",
        homelab,
        put((f"{VPN}.privateUsers", 4294967294)),
        *err(
            f"{VPN}.privateUsers",
            "leaves no room for 65536 ids below 4294967295 (uid_t is 32 bits, its last value is invalid)",
            4294967294,
            RANGE_HINT,
        ),
    ),
    case(
        "wrapper-twice-atticd-forgejo",
        seed,
        put((f"{A}.wrapper", "forgejo")),
        *err(
            f"{A}.wrapper",
            (
                "is already the wrapper of containers.forgejo; of two commands of one name on the "
                "host PATH, one silently wins"
            ),
            "forgejo",
            "set containers.atticd.wrapper to a name of its own, e.g. forgejo-atticd",
        ),
    ),
    case(
        "wrapper-twice-explicit",
        homelab,
        put((f"{R1}.wrapper", "runner"), (f"{R2}.wrapper", "runner")),
        *err(
            f"{R2}.wrapper",
            (
                "is already the wrapper of containers.runner1; of two commands of one name on the "
                "host PATH, one silently wins"
            ),
            "runner",
            "set containers.runner2.wrapper to a name of its own, e.g. runner-runner2",
        ),
    ),
    case(
        "wrapper-three-times",
        homelab,
        put((f"{R1}.wrapper", "ci"), (f"{R2}.wrapper", "ci"), (f"{VPN}.wrapper", "ci")),
        *err(
            f"{R2}.wrapper",
            (
                "is already the wrapper of containers.runner1; of two commands of one name on the "
                "host PATH, one silently wins"
            ),
            "ci",
            "set containers.runner2.wrapper to a name of its own, e.g. ci-runner2",
        ),
        *err(
            f"{VPN}.wrapper",
            (
                "is already the wrapper of containers.runner1; of two commands of one name on the "
                "host PATH, one silently wins"
            ),
            "ci",
            "set containers.vpn.wrapper to a name of its own, e.g. ci-vpn",
        ),
    ),
    case(
        "wrapper-nixos-rebuild",
        homelab,
        put((f"{VPN}.wrapper", "nixos-rebuild")),
        *err(f"{VPN}.wrapper", "would shadow the host's own nixos-rebuild command on root's PATH", "nixos-rebuild"),
    ),
    case(
        "wrapper-sudo",
        homelab,
        put((f"{VPN}.wrapper", "sudo")),
        *err(f"{VPN}.wrapper", "would shadow the host's own sudo command on root's PATH", "sudo"),
    ),
    case(
        "wrapper-systemctl",
        homelab,
        put((f"{VPN}.wrapper", "systemctl")),
        *err(f"{VPN}.wrapper", "would shadow the host's own systemctl command on root's PATH", "systemctl"),
    ),
    case(
        "wrapper-nixos-container",
        homelab,
        put((f"{VPN}.wrapper", "nixos-container")),
        *err(f"{VPN}.wrapper", "would shadow the host's own nixos-container command on root's PATH", "nixos-container"),
    ),
    case(
        "wrapper-forgejo-on-generic",
        homelab,
        put((f"{VPN}.wrapper", "forgejo")),
        *err(
            f"{VPN}.wrapper",
            (
                "is already the wrapper of containers.forgejo; of two commands of one name on the "
                "host PATH, one silently wins"
            ),
            "forgejo",
            "set containers.vpn.wrapper to a name of its own, e.g. forgejo-vpn",
        ),
    ),
]


@pytest.mark.parametrize(("lines", "mutation", "expected"), CASES)
def test_invalid_account(lines: Lines, mutation: Mutation, expected: list[str]) -> None:
    assert lines(mutation) == expected


def test_cases_are_distinct() -> None:
    ids = [p.id for p in CASES]
    assert len(ids) == len(set(ids)) >= 60


def test_postgresql_preset_keeps_its_fixed_postgres_account() -> None:
    """The one NixOS account a preset takes on purpose: postgres, 71, for app postgresql."""
    user = site_from_data(multiservice_site(), HOMELAB).container("postgres").user
    assert (user.name, user.uid, user.gid) == ("postgres", 71, 71)


@pytest.mark.parametrize("private_users", [0, 65536, 524288, 4294901759 - 65536, "pick", "identity"])
def test_private_users_ranges_that_fit(private_users: int | str) -> None:
    data = multiservice_site()
    set_key(data, f"{VPN}.privateUsers", private_users)
    assert site_from_data(data, HOMELAB).container("vpn").isolation.private_users == private_users


def test_distinct_wrappers_pass() -> None:
    data = multiservice_site()
    set_key(data, f"{R1}.wrapper", "runner-one")
    set_key(data, f"{R2}.wrapper", "runner-two")
    site = site_from_data(data, HOMELAB)
    assert {c.name: c.wrapper for c in site.containers if c.wrapper} == {
        "forgejo": "forgejo",
        "runner1": "runner-one",
        "runner2": "runner-two",
    }
