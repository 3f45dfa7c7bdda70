"""Identities (components/model/checks/identities.py): valid, unique container and origin
names; unique users, uids, gids and groups unless shared on purpose, and a shared user
the same everywhere; a name longer than 11 characters is a warning, not an error.

Each case mutates a valid site (tests/model_cases.py) and expects the exact lines of the
ConfigError report, `Hint:` lines included.
"""

from __future__ import annotations

import pytest

from components.model import site_from_data
from tests.model_cases import (
    HOMELAB,
    R1,
    R2,
    SEED,
    VPN,
    A,
    F,
    homelab_lines,
    multiservice_site,
    rename_origin,
    runner_users,
    seed_lines,
)
from tests.site_mutations import Mutation, put, rename, rename_container, seed_site, set_key

NAME_RULE = (
    "must be a valid NixOS container name: 1-63 lowercase letters, digits or '-', "
    "not starting or ending with '-', e.g. 'forgejo'"
)
SHARE_HINT = "  Hint: to share this user on purpose, set user.shared: true in both containers"
SHARED_DIFFERS = "which shares user runner; a shared user has the same uid, gid and group in every container"
LONG_NAME = (
    "name is longer than 11 characters; with privateNetwork its veth name needs a Linux kernel newer than 5.8 "
    "(nixpkgs#38509)"
)


SEED_CASES = [
    pytest.param(
        put((f"{A}.user.uid", 991)),
        [f"{F}.user.uid: is already used by {A}.user.uid; each container needs its own uid (got: 991)"],
        id="duplicate-uid",
    ),
    pytest.param(
        put((f"{A}.user.gid", 986)),
        [f"{F}.user.gid: is already used by {A}.user.gid; each container needs its own gid (got: 986)"],
        id="duplicate-gid",
    ),
    pytest.param(
        put((f"{A}.user.name", "forgejo")),
        [
            f"{F}.user.name: is already used by {A}.user.name; each container needs its own name (got: 'forgejo')",
            f"{F}.user.group: is already used by {A}.user.group; each container needs its own group (got: 'forgejo')",
        ],
        id="duplicate-user-name",
    ),
    pytest.param(
        put((f"{A}.user.name", "Atticd")),
        [
            (
                f"{A}.user.name: must be a user or group name: lowercase letter or '_' first, then letters, "
                "digits, '_' or '-', at most 31 characters, e.g. 'forgejo' (got: 'Atticd')"
            )
        ],
        id="bad-user-name",
    ),
    pytest.param(
        rename("atticd", "attic_cache"),
        [
            (
                "containers.attic_cache: must not contain underscores: NixOS refuses them in container names, "
                "e.g. 'forgejo-runner' instead of 'forgejo_runner' (got: 'attic_cache')"
            )
        ],
        id="name-underscore",
    ),
    pytest.param(rename("atticd", "a/b"), [f"containers.a/b: {NAME_RULE} (got: 'a/b')"], id="name-slash"),
    pytest.param(rename("atticd", ".."), [f"containers['..']: {NAME_RULE} (got: '..')"], id="name-dotdot"),
    pytest.param(
        rename("atticd", "attic.cache"), [f"containers['attic.cache']: {NAME_RULE} (got: 'attic.cache')"], id="name-dot"
    ),
    pytest.param(rename("atticd", ""), [f"containers['']: {NAME_RULE} (got: '')"], id="name-empty"),
    pytest.param(rename("atticd", "Atticd"), [f"containers.Atticd: {NAME_RULE} (got: 'Atticd')"], id="name-uppercase"),
    pytest.param(
        rename("atticd", "-atticd"), [f"containers.-atticd: {NAME_RULE} (got: '-atticd')"], id="name-leading-dash"
    ),
    pytest.param(
        rename("atticd", "atticd-"), [f"containers.atticd-: {NAME_RULE} (got: 'atticd-')"], id="name-trailing-dash"
    ),
    pytest.param(
        rename("atticd", "a" * 64), [f"containers.{'a' * 64}: {NAME_RULE} (got: '{'a' * 64}')"], id="name-64-chars"
    ),
    # A trailing newline passes a regex ending in `$`: names must be matched whole.
    pytest.param(
        rename("atticd", "atticd\n"), [f"containers['atticd\\n']: {NAME_RULE} (got: 'atticd\\n')"], id="name-newline"
    ),
]


HOMELAB_CASES = [
    pytest.param(
        put(
            (
                "origins.vpn",
                {"kind": "host", "address": "127.0.0.1", "routes": [{"hostname": "wg.example.org", "port": 5000}]},
            )
        ),
        [
            (
                "origins.vpn: has the name of containers.vpn; the names of containers, ociContainers and origins are "
                "one namespace (got: 'vpn')"
            )
        ],
        id="origin-named-like-container",
    ),
    pytest.param(
        rename("vpn", "grafana"),
        [
            (
                "origins.grafana: has the name of containers.grafana; the names of containers, ociContainers and "
                "origins are one namespace (got: 'grafana')"
            )
        ],
        id="container-named-like-origin",
    ),
    pytest.param(
        rename_origin("grafana", "grafana_ui"),
        [
            (
                "origins.grafana_ui: must not contain underscores: NixOS refuses them in container names, e.g. "
                "'forgejo-runner' instead of 'forgejo_runner' (got: 'grafana_ui')"
            )
        ],
        id="origin-name-underscore",
    ),
    pytest.param(
        runner_users(shared=False),
        [
            f"{R2}.user.name: is already used by {R1}.user.name; each container needs its own name (got: 'runner')",
            SHARE_HINT,
            f"{R2}.user.uid: is already used by {R1}.user.uid; each container needs its own uid (got: 3000)",
            SHARE_HINT,
            f"{R2}.user.gid: is already used by {R1}.user.gid; each container needs its own gid (got: 3000)",
            SHARE_HINT,
            f"{R2}.user.group: is already used by {R1}.user.group; each container needs its own group (got: 'runner')",
            SHARE_HINT,
        ],
        id="shared-only-on-first",
    ),
    pytest.param(
        put((f"{R1}.user.shared", False)),
        [
            f"{R2}.user.name: is already used by {R1}.user.name; each container needs its own name (got: 'runner')",
            SHARE_HINT,
            f"{R2}.user.uid: is already used by {R1}.user.uid; each container needs its own uid (got: 3000)",
            SHARE_HINT,
            f"{R2}.user.gid: is already used by {R1}.user.gid; each container needs its own gid (got: 3000)",
            SHARE_HINT,
            f"{R2}.user.group: is already used by {R1}.user.group; each container needs its own group (got: 'runner')",
            SHARE_HINT,
        ],
        id="shared-only-on-second",
    ),
    pytest.param(
        runner_users(uid=3001),
        [f"{R2}.user.uid: differs from {R1}.user.uid (3000), {SHARED_DIFFERS} (got: 3001)"],
        id="shared-with-different-uid",
    ),
    pytest.param(
        runner_users(uid=3001, gid=3001),
        [
            f"{R2}.user.uid: differs from {R1}.user.uid (3000), {SHARED_DIFFERS} (got: 3001)",
            f"{R2}.user.gid: differs from {R1}.user.gid (3000), {SHARED_DIFFERS} (got: 3001)",
        ],
        id="shared-with-different-ids",
    ),
    pytest.param(
        runner_users(group="ci"),
        [f"{R2}.user.group: differs from {R1}.user.group (runner), {SHARED_DIFFERS} (got: 'ci')"],
        id="shared-with-different-group",
    ),
    pytest.param(
        put((f"{VPN}.user.uid", 3000), (f"{VPN}.user.shared", True)),
        [f"{VPN}.user.uid: is already used by {R1}.user.uid; each container needs its own uid (got: 3000)"],
        id="shared-flag-does-not-share-a-uid-with-another-user",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), SEED_CASES)
def test_invalid_seed_config(mutation: Mutation, expected: list[str]) -> None:
    assert seed_lines(mutation) == expected


@pytest.mark.parametrize(("mutation", "expected"), HOMELAB_CASES)
def test_invalid_homelab_config(mutation: Mutation, expected: list[str]) -> None:
    assert homelab_lines(mutation) == expected


def test_long_container_name_is_a_warning_not_an_error() -> None:
    data = seed_site()
    rename_container(data, "atticd", "atticd-cache")  # 12 characters
    site = site_from_data(data, SEED)
    assert site.warnings == (
        (
            "containers.atticd-cache: name is longer than 11 characters; with privateNetwork its veth "
            "name needs a Linux kernel newer than 5.8 (nixpkgs#38509)"
        ),
    )
    assert [c.name for c in site.containers] == ["atticd-cache", "forgejo"]


def test_eleven_character_name_has_no_warning() -> None:
    data = seed_site()
    rename_container(data, "atticd", "atticd-nixc")  # 11 characters
    assert site_from_data(data, SEED).warnings == ()


def test_63_character_name_is_valid() -> None:
    data = seed_site()
    rename_container(data, "atticd", "a" * 63)
    site = site_from_data(data, SEED)
    assert len(site.warnings) == 1
    assert "a" * 63 in [c.name for c in site.containers]


def test_shared_user_is_one_user() -> None:
    site = site_from_data(multiservice_site(), HOMELAB)
    assert site.container("runner1").user == site.container("runner2").user
    assert site.container("runner1").shared_user and site.container("runner2").shared_user


@pytest.mark.parametrize(
    ("old", "new"),
    [("runner2", "ci-runner-two"), ("postgres", "postgres-main")],
    ids=["veth", "network-none"],
)
def test_long_container_name_warns(old: str, new: str) -> None:
    data = multiservice_site()
    rename_container(data, old, new)
    if old == "postgres":
        set_key(data, "postgresql.container", new)
    site = site_from_data(data, HOMELAB)
    assert site.warnings == (f"containers.{new}: {LONG_NAME}",)
    assert new in [c.name for c in site.containers]


def test_eleven_characters_do_not_warn() -> None:
    data = multiservice_site()
    rename_container(data, "runner2", "ci-runner-2")
    assert site_from_data(data, HOMELAB).warnings == ()
