"""The host provider (HostModulesProvider) without the engine, on a local directory:
validation, a pure diff, ownership (manifest, foreign files), activation once per change, restore + rollback on
failure with the command's output in the error, drift on read, secrets kept out of
messages and outputs."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from pulumi.output import Unknown

from components.errors import ActivationError, HostError
from components.host import provider as provider_module
from components.host import target as target_module
from components.host.manifest import FAILED, MANIFEST
from components.host.provider import UNKNOWN, HostModulesProvider
from tests.conftest import closed_port

SECRET = "tunnel-token-5f0c1e"  # must never show up in messages or outputs
FORGEJO = "{ ... }:\n{\n  services.forgejo.settings.server.HTTP_PORT = 8080;\n}\n"


def recorder(tmp_path: Path, name: str, log: Path, exit_code: int = 0, lines: int = 1) -> list[str]:
    """A command that appends its name to `log`, prints `lines` lines, exits `exit_code`."""
    script = tmp_path / f"{name}.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'echo {name} >> "{log}"\n'
        f'i=1; while [ $i -le {lines} ]; do echo "{name} line $i"; i=$((i+1)); done\n'
        f"exit {exit_code}\n"
    )
    script.chmod(0o755)
    return [str(script)]


class Host:
    """A local host directory plus a props factory for the provider."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.root = tmp_path / "etc" / "nixos" / "nixedge"
        self.secret_path = str(tmp_path / "var" / "secrets" / "tunnel-token")
        self.log = tmp_path / "activations.log"
        self.provider = HostModulesProvider()

    def props(self, files: dict[str, str] | None = None, **over: Any) -> dict[str, Any]:
        props: dict[str, Any] = {
            "host": "seminar",
            "target": {"transport": "local", "path": str(self.root)},
            "files": files if files is not None else {
                "default.nix": "{ imports = [ ./containers/forgejo.nix ]; }\n",
                "containers/forgejo.nix": FORGEJO,
            },
            "secrets": {self.secret_path: SECRET},
            "checks": [],
        }  # fmt: skip
        if "activation" not in over:  # (recorder() rewrites the scripts)
            props["activation_config"] = {
                "command": recorder(self.tmp, "activate", self.log),
                "rollback": recorder(self.tmp, "rollback", self.log),
            }
        if "activation" in over:
            over["activation_config"] = over.pop("activation")
        props.update(over)
        result = self.provider.check({}, props)
        assert result.failures == [], [f.reason for f in result.failures]
        return result.inputs

    def activations(self) -> list[str]:
        return self.log.read_text().split() if self.log.exists() else []

    def tree(self) -> dict[str, str]:
        return {str(p.relative_to(self.root)): p.read_text() for p in sorted(self.root.rglob("*")) if p.is_file()}


@pytest.fixture
def host(tmp_path: Path) -> Host:
    return Host(tmp_path)


# -- check ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"../etc/passwd": "x"}, "files: '../etc/passwd' must be normalised"),
        ({"/etc/passwd": "x"}, "files: '/etc/passwd' must be a relative path"),
        ({MANIFEST: "x"}, f"files: '{MANIFEST}' is a name nixedge reserves"),
        ({"a b.nix": "x"}, "files: 'a b.nix' may only contain letters, digits and ._@+-"),
    ],
)
def test_invalid_files(host: Host, files: dict[str, str], expected: str) -> None:
    props = {**host.props(), "files": files, "checks": []}
    reasons = [f.reason for f in host.provider.check({}, props).failures]
    assert any(r.startswith(expected) for r in reasons), reasons


def test_invalid_secret_inside_module_dir(host: Host) -> None:
    props = {**host.props(), "secrets": {f"{host.root}/token": "x"}}
    reasons = [f.reason for f in host.provider.check({}, props).failures]
    assert reasons == [f"secrets: '{host.root}/token' must lie outside the module directory"]


def test_invalid_activation_and_checks(host: Host) -> None:
    props = {
        **host.props(),
        "activation_config": {"command": "nixos-rebuild switch", "rollback": []},
        "checks": [{"container": "forgejo", "address": "10.0.0.1", "port": 70000,
                    "files": ["containers/atticd.nix"]}],
    }  # fmt: skip
    reasons = [f.reason for f in host.provider.check({}, props).failures]
    assert reasons == [
        "activation: command must be a list of strings, [] for none (e.g. ['nixos-rebuild', 'switch'])",
        "checks: [0].port must be a TCP port (got: 70000)",
        "checks: [0].files must list module paths of `files` (got: ['containers/atticd.nix'])",
    ]


def test_check_skips_unknowns_and_fills_defaults(host: Host) -> None:
    props: dict[str, Any] = {"host": "seminar", "target": UNKNOWN, "files": {"default.nix": UNKNOWN}}
    result = host.provider.check({}, props)
    assert result.failures == []
    assert result.inputs["secrets"] == {}
    assert result.inputs["activation_config"] == {"command": [], "rollback": []}
    unknown = Unknown()  # type: ignore[no-untyped-call]
    props = {"host": unknown, "target": unknown, "files": unknown, "secrets": unknown,
             "checks": [{"container": "a", "address": "10.0.0.2", "port": 80, "files": ["a.nix"]}]}  # fmt: skip
    assert host.provider.check({}, props).failures == []


# -- diff -------------------------------------------------------------------------------


@pytest.fixture
def no_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("diff must not connect to the host")

    monkeypatch.setattr(target_module, "make_transport", refuse)


def created(host: Host, props: dict[str, Any]) -> dict[str, Any]:
    return host.provider.create(props).outs or {}


def test_diff_unchanged_is_no_change_and_pure(host: Host, no_connection: None) -> None:
    olds = provider_module._outputs(host.props(), str(host.root), None)
    result = host.provider.diff("id", olds, host.props())
    assert result.changes is False
    assert result.replaces == []


def test_diff_names_the_change(host: Host, no_connection: None) -> None:
    olds = provider_module._outputs(host.props(), str(host.root), None)
    news = host.props()
    news["files"] = {**news["files"], "containers/forgejo.nix": FORGEJO.replace("8080", "3000")}
    assert host.provider.diff("id", olds, news).changes is True
    news = host.props(activation={"command": [], "rollback": []})
    assert host.provider.diff("id", olds, news).changes is True
    news = host.props(secrets={host.secret_path: SECRET + "-rotated"})
    assert host.provider.diff("id", olds, news).changes is True


def test_diff_never_replaces_a_move_is_an_update(host: Host, no_connection: None) -> None:
    """Only `update` sees both places, so a move is an update (create before delete)."""
    ssh = {"transport": "ssh", "destination": "root@seminar", "path": "/etc/nixos/nixedge"}
    olds = {**host.props(), "target": ssh}
    port_only = host.provider.diff("id", olds, {**olds, "target": {**ssh, "port": 2222}})
    assert (port_only.changes, port_only.replaces, port_only.stables) == (True, [], ["path", "host"])
    moved = host.provider.diff("id", olds, {**olds, "target": {**ssh, "path": "/etc/nixos/x"}})
    assert (moved.changes, moved.replaces, moved.stables) == (True, [], [])


def test_diff_with_unknowns_is_a_change(host: Host, no_connection: None) -> None:
    olds = provider_module._outputs(host.props(), str(host.root), None)
    news = {**host.props(), "secrets": {host.secret_path: UNKNOWN}}
    assert host.provider.diff("id", olds, news).changes is True
    unknown = Unknown()  # type: ignore[no-untyped-call]
    news = {**host.props(), "secrets": unknown, "target": unknown}
    assert host.provider.diff("id", olds, news).changes is True


# -- create / update / delete -------------------------------------------------------------


def test_create_writes_files_manifest_and_secret(host: Host) -> None:
    outs = created(host, host.props())
    assert host.tree().keys() == {"default.nix", "containers/forgejo.nix", MANIFEST}
    assert stat.S_IMODE(os.stat(host.secret_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(host.secret_path)).st_mode) == 0o700
    assert Path(host.secret_path).read_text() == SECRET
    assert host.activations() == ["activate"]
    assert outs["activation"]["changed"] == ["containers/forgejo.nix", "default.nix"]
    assert outs["activation"]["secrets_changed"] == [host.secret_path]
    assert outs["path"] == str(host.root)
    assert SECRET not in str(host.tree()[MANIFEST])
    assert SECRET not in str({k: v for k, v in outs.items() if k != "secrets"})


def test_update_without_change_does_not_activate(host: Host) -> None:
    outs = created(host, host.props())
    result = host.provider.update("id", outs, host.props())
    assert result.outs is not None
    assert {k: v for k, v in result.outs["activation"].items() if k != "at"} == {
        "ran": False, "command": outs["activation"]["command"], "changed": [], "removed": [],
        "secrets_changed": [], "checked": [], "retained": [],
    }  # fmt: skip
    assert result.outs["activation"]["at"] >= outs["activation"]["at"]  # when this update ran
    assert host.activations() == ["activate"]


def test_update_changes_exactly_one_file(host: Host) -> None:
    outs = created(host, host.props())
    before = host.tree()
    news = host.props()
    news["files"]["containers/forgejo.nix"] = FORGEJO.replace("8080", "3000")
    result = host.provider.update("id", outs, news)
    after = host.tree()
    assert {k for k in after if after[k] != before[k]} == {"containers/forgejo.nix", MANIFEST}
    assert result.outs and result.outs["activation"]["changed"] == ["containers/forgejo.nix"]
    assert host.activations() == ["activate", "activate"]


def test_update_removes_files_that_left_but_no_foreign_file(host: Host) -> None:
    outs = created(host, host.props())
    (host.root / "containers" / "mine-by-hand.nix").write_text("{ }")
    news = host.props(files={"default.nix": "{ }\n"})
    result = host.provider.update("id", outs, news)
    assert host.tree().keys() == {"default.nix", "containers/mine-by-hand.nix", MANIFEST}
    assert result.outs and result.outs["activation"]["changed"] == [
        "containers/forgejo.nix", "default.nix",
    ]  # fmt: skip


def test_update_removes_the_empty_directory_it_emptied(host: Host) -> None:
    outs = created(host, host.props())
    host.provider.update("id", outs, host.props(files={"default.nix": "{ }\n"}))
    assert not (host.root / "containers").exists()


def test_delete_removes_exactly_our_files(host: Host) -> None:
    outs = created(host, host.props())
    (host.root / "hardware.nix").write_text("foreign")
    host.provider.delete("id", outs)
    assert host.tree() == {"hardware.nix": "foreign"}
    assert not os.path.exists(host.secret_path)


def test_delete_also_removes_files_only_the_manifest_lists(host: Host) -> None:
    outs = created(host, host.props())
    # State lost track of a module that an interrupted run wrote and listed.
    outs["files"] = {"default.nix": outs["files"]["default.nix"]}
    host.provider.delete("id", outs)
    assert not host.root.exists()


def test_no_activation_command_means_no_activation(host: Host) -> None:
    outs = created(host, host.props(activation={"command": [], "rollback": []}))
    assert outs["activation"]["ran"] is False
    assert host.activations() == []


# -- failure: restore + rollback ----------------------------------------------------------


def test_failed_activation_restores_and_rolls_back_once(host: Host) -> None:
    outs = created(host, host.props())
    before = host.tree()
    news = host.props(
        files={**outs["files"], "containers/atticd.nix": "{ }\n",
               "default.nix": "{ broken\n"},
        activation={
            "command": recorder(host.tmp, "activate", host.log, exit_code=1, lines=60),
            "rollback": recorder(host.tmp, "rollback", host.log),
        },
        secrets={host.secret_path: SECRET + "-rotated"},
    )  # fmt: skip
    with pytest.raises(ActivationError) as err:
        host.provider.update("id", outs, news)
    message = str(err.value)
    after = host.tree()
    record = json.loads(after.pop(FAILED))  # for `nixedge status`: the state keeps the old outputs
    assert after == before  # atticd.nix (new) is gone again, default.nix is back
    assert record["said"] == message.splitlines()[:2], record
    assert Path(host.secret_path).read_text() == SECRET
    assert host.activations() == ["activate", "activate", "rollback"]
    assert message.startswith("Activation of seminar failed: ")
    assert "exited with status 1." in message
    assert "Restored the previous modules and rolled back" in message
    assert "activate line 60" in message
    assert "activate line 20" not in message  # the last 40 lines only
    assert SECRET not in message


def test_failed_create_leaves_nothing_behind(host: Host) -> None:
    host.root.mkdir(parents=True)
    (host.root / "hardware.nix").write_text("foreign")
    props = host.props(activation={
        "command": recorder(host.tmp, "activate", host.log, exit_code=2),
        "rollback": [],
    })  # fmt: skip
    with pytest.raises(ActivationError, match="no rollback command is configured"):
        host.provider.create(props)
    assert host.tree() == {"hardware.nix": "foreign"}
    assert not os.path.exists(host.secret_path)


def test_failed_rollback_says_so_loudly(host: Host) -> None:
    outs = created(host, host.props())
    news = host.props(
        files={**outs["files"], "default.nix": "{ }\n"},
        activation={
            "command": recorder(host.tmp, "activate", host.log, exit_code=1),
            "rollback": recorder(host.tmp, "rollback", host.log, exit_code=4),
        },
    )  # fmt: skip
    with pytest.raises(ActivationError) as err:
        host.provider.update("id", outs, news)
    message = str(err.value)
    assert "Restored the previous modules, but THE ROLLBACK FAILED TOO:" in message
    assert "exited with status 4. seminar may still run the configuration" in message
    assert "rollback line 1" in message


def check(port: int, **extra: Any) -> dict[str, Any]:
    return {"container": "forgejo", "address": "127.0.0.1", "port": port,
            "files": ["containers/forgejo.nix"], "attempts": 2, "interval": 0.05,
            "timeout": 1, **extra}  # fmt: skip


def test_origin_check_passes_against_a_listener(host: Host, listener: int) -> None:
    outs = created(host, host.props(checks=[check(listener)]))
    assert outs["activation"]["checked"] == ["forgejo"]


def test_origin_check_only_for_changed_modules(host: Host) -> None:
    outs = created(host, host.props(checks=[]))
    news = host.props(files={**outs["files"], "default.nix": "{ }\n"},
                      checks=[check(closed_port())])  # fmt: skip
    result = host.provider.update("id", outs, news)
    assert result.outs and result.outs["activation"]["checked"] == []


def test_origin_check_failure_restores_and_rolls_back(host: Host) -> None:
    outs = created(host, host.props())
    before = host.tree()
    port = closed_port()
    news = host.props(
        files={**outs["files"], "containers/forgejo.nix": FORGEJO.replace("8080", str(port))},
        checks=[check(port)],
    )
    with pytest.raises(ActivationError) as err:
        host.provider.update("id", outs, news)
    after = host.tree()
    assert "the origin check failed" in json.loads(after.pop(FAILED))["said"][0]
    assert after == before
    assert host.activations() == ["activate", "activate", "rollback"]
    assert (
        f"the origin check failed: container forgejo did not accept TCP connections on "
        f"127.0.0.1:{port} from seminar after 2 attempts" in str(err.value)
    )


# -- read (refresh) -----------------------------------------------------------------------


def test_read_reports_drift_without_secret_values(host: Host) -> None:
    outs = created(host, host.props())
    (host.root / "containers" / "forgejo.nix").write_text("# edited by hand\n")
    Path(host.secret_path).write_text("someone else's token")
    read = host.provider.read("id", {**outs, "__provider": "x"})
    assert read.outs is not None
    assert read.outs["files"]["containers/forgejo.nix"] == "# edited by hand\n"
    assert read.outs["secrets"] == {host.secret_path: "(changed on the host)"}
    assert "someone else" not in str(read.outs)
    assert "__provider" not in read.outs
    # The next update writes both back.
    news = host.props()
    assert host.provider.diff("id", read.outs, news).changes is True
    host.provider.update("id", read.outs, news)
    assert (host.root / "containers" / "forgejo.nix").read_text() == FORGEJO
    assert Path(host.secret_path).read_text() == SECRET


def test_read_of_an_unchanged_host_matches_the_state(host: Host) -> None:
    outs = created(host, host.props())
    read = host.provider.read("id", outs)
    assert read.outs is not None
    assert host.provider.diff("id", read.outs, host.props()).changes is False


def test_read_keeps_the_inputs_diff_does_not_compare(host: Host) -> None:
    """A refresh that dropped `owner` made `preview --diff` show it as an added input."""
    owner = {"project": "nixedge", "stack": "dev"}
    props = {**host.props(), "owner": owner, "rollout": [["seminar"]]}
    read = host.provider.read("id", created(host, props))
    assert read.inputs is not None
    assert (read.inputs["owner"], read.inputs["rollout"]) == (owner, [["seminar"]])


def test_the_next_completed_update_clears_the_failed_activation_record(host: Host) -> None:
    outs = created(host, host.props())
    failing = {"command": recorder(host.tmp, "activate", host.log, exit_code=1), "rollback": ["true"]}
    with pytest.raises(ActivationError):
        host.provider.update("id", outs, host.props(files={**outs["files"], "a.nix": "{ }\n"}, activation=failing))
    assert FAILED in host.tree()
    host.provider.update("id", outs, host.props(files={**outs["files"], "a.nix": "{ }\n"}))
    assert FAILED not in host.tree()


def test_failure_restores_a_removed_secret_as_private(host: Host) -> None:
    outs = created(host, host.props())
    news = host.props(
        secrets={},
        activation={"command": recorder(host.tmp, "activate", host.log, exit_code=1), "rollback": []},
    )
    with pytest.raises(ActivationError):
        host.provider.update("id", outs, news)
    assert Path(host.secret_path).read_text() == SECRET
    assert stat.S_IMODE(os.stat(host.secret_path).st_mode) == 0o600


def test_delete_removes_nested_directories_it_emptied(host: Host) -> None:
    outs = created(host, host.props(files={"default.nix": "{ }\n", "a/b/c.nix": "{ }\n"}))
    (host.root / "a" / "keep").mkdir()
    (host.root / "a" / "keep" / "notes.txt").write_text("foreign")
    host.provider.delete("id", outs)
    assert host.tree() == {"a/keep/notes.txt": "foreign"}
    assert not (host.root / "a" / "b").exists()


# -- ownership --------------------------------------------------------------------------


def test_a_file_we_did_not_write_is_never_overwritten(host: Host) -> None:
    host.root.mkdir(parents=True)
    (host.root / "default.nix").write_text("# the user's own\n{ }\n")
    with pytest.raises(HostError) as info:
        host.provider.create(host.props())
    message = str(info.value)
    assert "Refusing to overwrite default.nix" in message and "nothing was changed" in message
    assert host.tree() == {"default.nix": "# the user's own\n{ }\n"}
    assert host.activations() == []


def test_an_identical_file_is_adopted(host: Host) -> None:
    """What an interrupted first run wrote (same content, no manifest yet) is ours."""
    props = host.props()
    host.root.mkdir(parents=True)
    (host.root / "default.nix").write_text(props["files"]["default.nix"])
    outs = created(host, props)
    assert set(host.tree()) == {"default.nix", "containers/forgejo.nix", MANIFEST}
    assert outs["activation"]["ran"] is True


def test_renaming_the_host_keeps_the_directory_of_the_new_resource(host: Host) -> None:
    """A new host name makes Pulumi create the new resource before deleting the old one,
    both on the same directory: the old one's delete must not take the new one's files."""
    old = created(host, host.props())
    new = created(host, host.props(host="seminar2"))
    before = host.tree()
    host.provider.delete("old", old)
    assert host.tree() == before
    assert os.path.exists(host.secret_path)
    host.provider.delete("new", new)
    assert not host.root.exists()
