"""One canonical identity per target (components/model/targets.py), used by the site's
cross-host rule (checks/across_hosts.py). This file proves:

- `target_identity` reads every spelling of one directory as one identity: the SSH host
  in any case, with or without its login user, port 22 said or not, `ssh://` URLs; local
  paths `./x` and `x`, `x//y`, a trailing slash, a relative path and its absolute form;
- two hosts of a site whose targets are one directory, or one inside the other, are
  refused with the exact message, whichever host comes second;
- targets that only look alike (another port, another machine, a sibling directory)
  pass.
"""

from __future__ import annotations

from typing import Any

import pytest

from components.errors import ConfigError
from components.model.hosts import hosts_from_data
from components.model.targets import TargetIdentity, overlap, target_identity
from tests.test_model_hosts import errors, site

PROJECT = "/srv/project"


def ssh(destination: str, port: int | None = None, path: str = "/etc/nixos/nixedge") -> dict[str, Any]:
    target: dict[str, Any] = {"transport": "ssh", "destination": destination, "path": path}
    if port is not None:
        target["port"] = port
    return target


def local(path: str) -> dict[str, Any]:
    return {"transport": "local", "path": path}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(ssh("root@ALPHA"), ssh("root@alpha"), id="host-case"),
        pytest.param(ssh("root@alpha", 22), ssh("root@alpha"), id="default-port"),
        pytest.param(ssh("deploy@alpha"), ssh("root@alpha"), id="login-user"),
        pytest.param(ssh("alpha"), ssh("root@alpha"), id="no-user"),
        pytest.param(ssh("ssh://root@alpha:22"), ssh("root@alpha"), id="url"),
        pytest.param(ssh("ssh://root@alpha:2222"), ssh("root@alpha", 2222), id="url-port"),
        pytest.param(ssh("alpha.example.org."), ssh("ALPHA.example.org"), id="trailing-dot"),
        pytest.param(local("./x"), local("x"), id="dot-slash"),
        pytest.param(local("x//y"), local("x/y"), id="double-slash"),
        pytest.param(local("x/"), local("x"), id="trailing-slash"),
        pytest.param(local("x"), local(f"{PROJECT}/x"), id="relative-and-absolute"),
        pytest.param(local("./x/./y"), local("x/y"), id="dot-segment"),
    ],
)
def test_spellings_of_one_directory_are_one_identity(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert target_identity(a, PROJECT) == target_identity(b, PROJECT)
    assert overlap(target_identity(a, PROJECT), target_identity(b, PROJECT)) == "same"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(ssh("root@alpha", 2222), ssh("root@alpha"), id="other-port"),
        pytest.param(ssh("root@beta"), ssh("root@alpha"), id="other-machine"),
        pytest.param(ssh("root@alpha", path="/etc/nixos/nixedge-b"), ssh("root@alpha"), id="sibling-prefix"),
        pytest.param(local("x"), ssh("root@alpha", path=f"{PROJECT}/x"), id="other-transport"),
        pytest.param(local("xy"), local("x"), id="local-sibling-prefix"),
    ],
)
def test_targets_that_only_look_alike_are_apart(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert overlap(target_identity(a, PROJECT), target_identity(b, PROJECT)) is None


def test_identity_reads_as_a_place() -> None:
    assert str(target_identity(ssh("root@Alpha", 2222), PROJECT)) == "ssh://alpha:2222/etc/nixos/nixedge"
    assert str(target_identity(local("./out/"), PROJECT)) == "local:/srv/project/out"
    assert target_identity(local("/"), PROJECT) == TargetIdentity("local", "", 0, "/")


def test_nested_paths_overlap_both_ways() -> None:
    outer = target_identity(ssh("root@alpha", path="/etc/nixos"), PROJECT)
    inner = target_identity(ssh("root@ALPHA", path="/etc/nixos/nixedge"), PROJECT)
    assert overlap(inner, outer) == "inside" and overlap(outer, inner) == "holds"


SAME = "the two hosts would overwrite each other's modules"


def _two_hosts(seminar_target: dict[str, Any], storage_target: dict[str, Any]) -> dict[str, Any]:
    data = site()
    data["hosts"]["seminar"]["host"]["target"] = seminar_target
    data["hosts"]["storage"]["host"]["target"] = storage_target
    return data


@pytest.mark.parametrize(
    ("seminar_target", "storage_target", "message"),
    [
        pytest.param(
            ssh("root@seminar"), ssh("root@SEMINAR"),
            f"is host seminar's target too (ssh://seminar:22/etc/nixos/nixedge): {SAME}", id="host-case",
        ),
        pytest.param(
            ssh("root@seminar"), ssh("admin@seminar", 22),
            f"is host seminar's target too (ssh://seminar:22/etc/nixos/nixedge): {SAME}", id="user-and-port",
        ),
        pytest.param(
            local("./out"), local("out/"), f"is host seminar's target too (local:{PROJECT}/out): {SAME}",
            id="local-spelling",
        ),
        pytest.param(
            local("out//a"), local("out/a"), f"is host seminar's target too (local:{PROJECT}/out/a): {SAME}",
            id="local-double-slash",
        ),
        pytest.param(
            ssh("root@seminar", path="/etc/nixos/nixedge"), ssh("root@seminar", path="/etc/nixos/nixedge/storage"),
            "lies inside host seminar's target (ssh://seminar:22/etc/nixos/nixedge): that host's modules "
            "directory would hold this one's",
            id="nested-inside",
        ),
        pytest.param(
            local("out/seminar"), local("out"),
            f"holds host seminar's target (local:{PROJECT}/out/seminar): this host's modules directory would "
            "hold that one's",
            id="nested-holds",
        ),
    ],
)  # fmt: skip
def test_two_hosts_of_a_site_cannot_write_one_directory(
    seminar_target: dict[str, Any], storage_target: dict[str, Any], message: str
) -> None:
    data = _two_hosts(seminar_target, storage_target)
    with pytest.raises(ConfigError) as info:
        hosts_from_data(data, "site.yaml", project_dir=PROJECT)
    lines = [line.strip() for line in str(info.value).splitlines()[1:-1]]
    shown = str(target_identity(storage_target, PROJECT))
    assert lines == [f"hosts.storage.host.target: {message} (got: {shown!r})"]


def test_targets_apart_pass() -> None:
    data = _two_hosts(ssh("root@seminar"), ssh("root@seminar", 2222))
    assert hosts_from_data(data).names == ("seminar", "storage")
    assert errors(_two_hosts(ssh("root@seminar"), ssh("root@Seminar")))  # and the same machine does not


@pytest.mark.parametrize("path", ["~/nixedge", "out/~", "~root/x"])
def test_a_local_target_with_a_tilde_is_refused(path: str) -> None:
    data = site()["hosts"]["seminar"]
    data["host"] = {"name": "seminar", "target": local(path)}
    with pytest.raises(ConfigError) as info:
        hosts_from_data(data, "seminar.yaml")
    assert [f"{i.loc}: {i.message}" for i in info.value.issues] == [
        (
            "host.target.path: must not contain '~': nothing expands it, so it would be a directory named '~'; "
            "write the full path"
        )
    ]


def test_the_project_directory_itself_holds_every_relative_target() -> None:
    here, below = target_identity(local(".")), target_identity(local("./out/a"))
    assert (here.path, below.path) == (".", "out/a")
    assert overlap(below, here) == "inside" and overlap(here, below) == "holds"
    assert overlap(target_identity(local("out")), target_identity(local("/out"))) is None  # relative is not absolute
