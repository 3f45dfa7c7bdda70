"""Three rules that held for some workloads or some spellings only, now one rule each
over every workload of the registry (components/model/workloads.py), each refused once
with the key named:

- a state directory where any user of the host may plant files first (every entry of
  `paths.WORLD_WRITABLE`, and the NixOS symlinks that lead there: /var/lock,
  /var/run/lock), for a NixOS container and an OCI app alike, as host.secretsDir;
- a `hostFirewall` grant of the host's SSH port (tcp 22, or `host.target.port`) without
  `allowHostSsh: true`, for a NixOS container and an OCI app alike; UDP is no SSH;
- a literal secret inside a value another rule refuses whole (a generic app's
  `settings`, a module-system key such as `key` at the top of `nixos`): one error, and
  its value shown without the secret.

Each family: exact lines through the model's validation, the second instance, and one
case through `nixedge check` with the line of the key.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from components.__main__ import main
from components.model import paths, site_from_data
from components.model.checks.isolation import MODULE_SYSTEM_KEYS
from components.stackfile import read_stack_file
from tests.paths import REPO
from tests.site_mutations import Mutation, put, report_lines

SOURCE = "apps.yaml"
U = "containers.uptime"
W = "ociContainers.whoami"
KINDS = [pytest.param(U, id="container"), pytest.param(W, id="oci")]


def apps() -> dict[str, Any]:
    """stacks/Pulumi.apps.yaml's site: a NixOS container (uptime) and an OCI app (whoami)."""
    return copy.deepcopy(read_stack_file(REPO / "stacks" / "Pulumi.apps.yaml"))


def lines(mutation: Mutation) -> list[str]:
    return report_lines(apps, mutation, SOURCE)


def check_output(tmp_path: Path, old: str, new: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """`nixedge check --config` on the apps stack with `old` replaced by `new`."""
    text = (REPO / "stacks" / "Pulumi.apps.yaml").read_text()
    assert text.count(old) == 1, old
    path = tmp_path / "Pulumi.apps.yaml"
    path.write_text(text.replace(old, new))
    code = main(["check", "--config", str(path)])
    out = capsys.readouterr()
    return code, [line.strip() for line in (out.out + out.err).splitlines()]


def line_of(text: str) -> int:
    found = (REPO / "stacks" / "Pulumi.apps.yaml").read_text().splitlines()
    return next(n for n, line in enumerate(found, 1) if text in line)


# -- a state directory where any user may plant files first -------------------------------

PLANTED = "is in {0}, where every user of the host may plant files before nixedge writes"
STATE_HINT = "  Hint: use a directory of its own such as /var/lib/<app>"
SENSITIVE_STATE = "is a sensitive host path; use a directory of its own such as /var/lib/<app>"
# The spellings of each tree on a NixOS host: the tree itself, and every symlink of
# paths.NIXOS_SYMLINKS (followed to the end) that leads into it.
SPELLINGS = [
    (tree, spelled)
    for tree in paths.WORLD_WRITABLE
    for spelled in sorted(
        {tree} | {link + tree[len(real) :] for link, real in paths.NIXOS_SYMLINKS.items() if paths.contains(real, tree)}
    )
]


def test_every_world_writable_tree_has_its_spellings() -> None:
    assert {tree for tree, _ in SPELLINGS} == set(paths.WORLD_WRITABLE)
    assert ("/run/lock", "/var/lock") in SPELLINGS and ("/run/lock", "/var/run/lock") in SPELLINGS


def _state_dir_message(tree: str, spelled: str, key: str) -> list[str]:
    path = f"{spelled}/app"
    via = f" ({path} is {tree}/app on a NixOS host)" if spelled != tree else ""
    if paths.sensitive(path):  # /dev/shm lies in /dev: the mount rule names it, once
        return [f"{key}: {SENSITIVE_STATE}{via} (got: '{path}')"]
    return [f"{key}: {PLANTED.format(tree)}{via} (got: '{path}')", STATE_HINT]


@pytest.mark.parametrize("loc", KINDS)
@pytest.mark.parametrize(("tree", "spelled"), SPELLINGS)
def test_a_state_dir_where_anyone_may_plant_files_is_refused(loc: str, tree: str, spelled: str) -> None:
    assert lines(put((f"{loc}.stateDir", f"{spelled}/app"))) == _state_dir_message(tree, spelled, f"{loc}.stateDir")


@pytest.mark.parametrize(("tree", "spelled"), SPELLINGS)
def test_host_secrets_dir_follows_the_same_table(tree: str, spelled: str) -> None:
    path = f"{spelled}/nixedge"
    via = f" ({path} is {tree}/nixedge on a NixOS host)" if spelled != tree else ""
    assert lines(put(("host.secretsDir", path))) == [
        f"host.secretsDir: {PLANTED.format(tree)}{via} (got: '{path}')",
        "  Hint: keep the default, /var/lib/nixedge/secrets",
    ]


def test_both_kinds_at_once_each_get_their_error() -> None:
    found = lines(put((f"{U}.stateDir", "/tmp/uptime"), (f"{W}.stateDir", "/var/tmp/whoami")))
    assert found == [
        f"{U}.stateDir: {PLANTED.format('/tmp')} (got: '/tmp/uptime')",
        STATE_HINT,
        f"{W}.stateDir: {PLANTED.format('/var/tmp')} (got: '/var/tmp/whoami')",
        STATE_HINT,
    ]


@pytest.mark.parametrize("path", ["/var/lib/whoami", "/srv/lock/whoami", "/var/lib/tmp", "/tmpfs/whoami"])
def test_state_dirs_beside_those_trees_pass(path: str) -> None:
    data = apps()
    put((f"{W}.stateDir", path))(data)
    assert site_from_data(data, SOURCE).oci_containers[0].state_dir == path


def test_check_names_the_state_dir_at_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check_output(tmp_path, "stateDir: /var/lib/whoami", "stateDir: /var/lock/whoami", capsys)
    assert code == 2
    assert (
        f"{W}.stateDir: {PLANTED.format('/run/lock')} (/var/lock/whoami is /run/lock/whoami on a NixOS host) "
        f"(got: '/var/lock/whoami') (line {line_of('stateDir: /var/lib/whoami')})"
    ) in out


# -- hostFirewall grants of the host's SSH port ------------------------------------------------

SSH_GRANT = (
    "is the host's SSH port ({0}): the grant lets the workload reach the host's sshd, where a compromised app "
    "could try the host's logins and keys (got: {1})"
)
SSH_TARGET = {"transport": "ssh", "destination": "root@apps", "port": 2202}


def ssh_hint(loc: str) -> str:
    return f"  Hint: remove it; if the app must reach the host over SSH, set {loc}.hostFirewall.allowHostSsh: true"


@pytest.mark.parametrize("loc", KINDS)
@pytest.mark.parametrize(
    ("target", "port", "why"),
    [
        pytest.param(None, 22, "22", id="22"),
        pytest.param(SSH_TARGET, 22, "22", id="22-beside-a-target-port"),
        pytest.param(SSH_TARGET, 2202, "host.target.port 2202", id="target-port"),
    ],
)
def test_a_grant_of_the_hosts_ssh_port_is_refused(loc: str, target: Any, port: int, why: str) -> None:
    mutation = put(*([("host.target", target)] if target else []), (f"{loc}.hostFirewall.allowedTcpPorts", [80, port]))
    assert lines(mutation) == [
        f"{loc}.hostFirewall.allowedTcpPorts[1]: {SSH_GRANT.format(why, port)}",
        ssh_hint(loc),
    ]


@pytest.mark.parametrize("loc", KINDS)
@pytest.mark.parametrize(
    "grant",
    [
        pytest.param({"allowedUdpPorts": [22]}, id="udp-22-is-no-ssh"),
        pytest.param({"allowedTcpPorts": [22], "allowHostSsh": True}, id="22-allowed"),
        pytest.param({"allowedTcpPorts": [2222]}, id="another-port"),
    ],
)
def test_what_the_grant_permits(loc: str, grant: dict[str, Any]) -> None:
    data = apps()
    put((f"{loc}.hostFirewall", grant))(data)
    site = site_from_data(data, SOURCE)
    name = loc.rsplit(".", 1)[1]
    granted = [(g.tcp, g.udp) for g in site.host_access.grants if g.container == name]
    granted += [(o.grant_tcp, o.grant_udp) for o in site.oci_containers if o.name == name]
    assert granted == [(tuple(grant.get("allowedTcpPorts", [])), tuple(grant.get("allowedUdpPorts", [])))]


@pytest.mark.parametrize("loc", KINDS)
def test_allow_host_ssh_without_an_ssh_grant_is_refused(loc: str) -> None:
    assert lines(put((f"{loc}.hostFirewall", {"allowedTcpPorts": [9100], "allowHostSsh": True}))) == [
        (
            f"{loc}.hostFirewall.allowHostSsh: is set, but {loc}.hostFirewall.allowedTcpPorts grants no SSH port of "
            "the host (tcp 22) (got: True)"
        ),
        f"  Hint: remove {loc}.hostFirewall.allowHostSsh",
    ]


def test_every_workload_and_every_ssh_port_is_named_once() -> None:
    """The second instance: both kinds at once, both SSH ports, and 22 listed twice
    (one SSH error, at its first place; the repeat is its own error)."""
    found = lines(
        put(
            ("host.target", SSH_TARGET),
            (f"{U}.hostFirewall.allowedTcpPorts", [2202, 22]),
            (f"{W}.hostFirewall.allowedTcpPorts", [22, 22]),
        )
    )
    assert found == [
        f"{U}.hostFirewall.allowedTcpPorts[0]: {SSH_GRANT.format('host.target.port 2202', 2202)}",
        ssh_hint(U),
        f"{U}.hostFirewall.allowedTcpPorts[1]: {SSH_GRANT.format('22', 22)}",
        ssh_hint(U),
        f"{W}.hostFirewall.allowedTcpPorts[0]: {SSH_GRANT.format('22', 22)}",
        ssh_hint(W),
        f"{W}.hostFirewall.allowedTcpPorts[1]: lists port 22 again (first at [0]) (got: 22)",
    ]


@pytest.mark.parametrize("loc", KINDS)
def test_a_grant_refused_whole_is_not_named_again(loc: str) -> None:
    found = lines(put(("network.trustAllContainers", True), (f"{loc}.hostFirewall.allowedTcpPorts", [22])))
    assert not any("SSH" in line for line in found), found
    assert any(
        line.startswith(f"{loc}.hostFirewall: grants host ports, but network.trustAllContainers") for line in found
    )


def test_check_names_the_ssh_grant_at_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = "allowedUdpPorts: [53]"
    code, out = check_output(tmp_path, old, "allowedUdpPorts: [53]\n          allowedTcpPorts: [22]", capsys)
    assert code == 2
    assert f"{W}.hostFirewall.allowedTcpPorts[0]: {SSH_GRANT.format('22', 22)} (line {line_of(old) + 1})" in out


# -- one value, one error: a literal secret in a value refused whole ---------------------------

MODULE_KEY = "is a key of the NixOS module system, not an option: `nixos` holds option values as data"
MODULE_HINT = (
    "  Hint: further modules go in containers.uptime.imports, by reference to a file of the project or a flake"
)
LITERAL = "is a literal secret: it would be written to the world-readable Nix store (got: '<hidden>')"


@pytest.mark.parametrize("key", MODULE_SYSTEM_KEYS)
def test_a_module_system_key_holding_a_secret_gets_one_error(key: str) -> None:
    assert lines(put((f"{U}.nixos.{key}", {"ADMIN_TOKEN": "hunter2"}))) == [
        f"{U}.nixos.{key}: {MODULE_KEY} (got: {{'ADMIN_TOKEN': '<hidden>'}})",
        MODULE_HINT,
    ]


def test_the_module_key_key_with_a_literal_gets_one_error() -> None:
    """`key` is a module-system key and reads like a secret: the one error is the
    module system's, and its value is not shown."""
    assert lines(put((f"{U}.nixos.key", "hunter2"))) == [f"{U}.nixos.key: {MODULE_KEY} (got: '<hidden>')", MODULE_HINT]


def test_a_generic_apps_settings_holding_a_secret_get_one_error() -> None:
    assert lines(put((f"{U}.settings", {"ADMIN_TOKEN": "hunter2", "PORT": "3001"}))) == [
        (
            f"{U}.settings: is for the app presets; give a generic app's options under nixos "
            "(got: {'ADMIN_TOKEN': '<hidden>', 'PORT': '<hidden>'})"
        )
    ]


def test_a_secret_beside_a_refused_key_is_still_named() -> None:
    """The second instance: the refused key is skipped, its sibling is not."""
    found = lines(put((f"{U}.nixos.config", {"password": "x"}), (f"{U}.nixos.adminToken", "hunter2")))
    assert found == [
        f"{U}.nixos.adminToken: {LITERAL}",
        (
            "  Hint: declare it under the site's `secrets:` (a file on the host) and write `{_secret: NAME}` here "
            "instead, with NAME in the container's `secrets` (see docs/secrets.md)"
        ),
        f"{U}.nixos.config: {MODULE_KEY} (got: {{'password': '<hidden>'}})",
        MODULE_HINT,
    ]


def test_check_gives_one_error_and_hides_the_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = "        nixos:\n"
    code, out = check_output(tmp_path, old, old + "          key: hunter2\n", capsys)
    assert code == 2
    errors = [line for line in out if line.startswith(f"{U}.")]
    assert errors == [f"{U}.nixos.key: {MODULE_KEY} (got: '<hidden>') (line {line_of('nixos:') + 1})"]
    assert not any("hunter2" in line for line in out)
