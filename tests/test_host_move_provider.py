"""A moved `target` without the engine (HostModulesProvider.update on local directories):
the new place is written and activated before the old one is emptied, only what the
old manifest owns goes, a second name for the same directory removes nothing, a
secret both states list stays; a target that cannot be written fails with nixedge's
message naming the host and the path and leaves the old place byte for byte; `check`
refuses a local path with a NUL, a control character or a `..`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from components.errors import HostError
from components.host.local import LocalTransport
from components.host.manifest import MANIFEST
from components.host.provider import HostModulesProvider
from components.host.summary import emptied, modules_changed

SECRET = "tunnel-token-7a1d"
FILES = {"default.nix": "{ imports = [ ./containers/forgejo.nix ]; }\n", "containers/forgejo.nix": "{ }\n"}


class Places:
    """Two local module directories, a secret, and an activation that records, each time
    it runs, which of the two places hold a default.nix at that moment."""

    def __init__(self, tmp_path: Path) -> None:
        self.old = tmp_path / "old" / "nixedge"
        self.new = tmp_path / "new" / "nixedge"
        self.secret = tmp_path / "secrets" / "tunnel-token"
        self.log = tmp_path / "activations.log"
        script = tmp_path / "activate.sh"
        script.write_text(
            "#!/bin/sh\n"
            f'o=absent; [ -f "{self.old}/default.nix" ] && o=present\n'
            f'n=absent; [ -f "{self.new}/default.nix" ] && n=present\n'
            f'echo "old=$o,new=$n" >> "{self.log}"\n'
        )
        script.chmod(0o755)
        self.command = [str(script)]
        self.provider = HostModulesProvider()

    def props(self, path: str) -> dict[str, Any]:
        props = {
            "host": "seminar",
            "target": {"transport": "local", "path": path},
            "files": dict(FILES),
            "secrets": {str(self.secret): SECRET},
            "activation_config": {"command": self.command, "rollback": self.command},
        }
        return dict(self.provider.check({}, props).inputs)

    def deploy(self) -> dict[str, Any]:
        outs = self.provider.create(self.props(str(self.old))).outs
        assert outs is not None
        return dict(outs)

    def activations(self) -> list[str]:
        return self.log.read_text().split() if self.log.exists() else []


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def places(tmp_path: Path) -> Places:
    return Places(tmp_path)


def test_move_writes_and_activates_the_new_place_before_emptying_the_old(places: Places) -> None:
    olds = places.deploy()
    (places.old / "hardware-configuration.nix").write_text("{ }\n")  # not ours
    outs = places.provider.update("id", olds, places.props(str(places.new))).outs or {}
    # The first line is the deploy; at the move, both places hold the modules.
    assert places.activations() == ["old=present,new=absent", "old=present,new=present"]
    assert snapshot(places.old) == {"hardware-configuration.nix": b"{ }\n"}
    assert set(snapshot(places.new)) == {*FILES, MANIFEST}
    assert places.secret.read_text() == SECRET, "a secret both states list stays on the same host"
    assert outs["path"] == str(places.new)
    # The update's line says the old place was emptied, as it says what was written.
    assert outs["activation"]["emptied"] == {"path": str(places.old), "removed": sorted(FILES)}
    said = modules_changed(outs["activation"]["changed"], outs["activation"]["removed"]) + emptied(outs["activation"])
    assert said == (
        "wrote 2 module(s) (containers/forgejo.nix, default.nix), "
        f"emptied the old place {places.old} (removed 2 module(s))"
    )


def test_move_to_the_same_directory_under_another_name_removes_nothing(places: Places, tmp_path: Path) -> None:
    olds = places.deploy()
    alias = tmp_path / "alias"
    alias.symlink_to(places.old)
    before = snapshot(places.old)
    outs = places.provider.update("id", olds, places.props(str(alias))).outs or {}
    assert snapshot(places.old) == before
    assert emptied(outs["activation"]) == "", "nothing was emptied: the old place is the new one"
    assert places.secret.read_text() == SECRET


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        (lambda tmp: f"{tmp}/plain-file/nixedge", "Not a directory"),
        (lambda _tmp: "/proc/nixedge-test/nixedge", "No such file or directory"),
        (lambda tmp: f"{tmp}/a\x00b", "embedded null byte"),
    ],
    ids=["parent-is-a-file", "under-proc", "nul-past-check"],
)
def test_unwritable_new_place_fails_with_our_message_and_keeps_the_old(
    places: Places, tmp_path: Path, where: Any, reason: str
) -> None:
    olds = places.deploy()
    (tmp_path / "plain-file").write_text("not a directory\n")
    before = snapshot(places.old)
    news = {**places.props(str(places.new)), "target": {"transport": "local", "path": where(tmp_path)}}
    with pytest.raises(HostError) as err:
        places.provider.update("id", olds, news)  # (check would refuse the NUL: see below)
    message = str(err.value)
    assert message.startswith(("Writing modules to seminar failed in ", "Reading the modules of seminar in ")), message
    assert reason in message and ("restored the previous modules" in message or "nothing was changed" in message)
    assert "COULD NOT RESTORE" not in message
    assert snapshot(places.old) == before
    assert places.secret.read_text() == SECRET
    assert places.activations() == ["old=present,new=absent"], "only the first deploy activated"


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("host/a\x00b", "must not contain a NUL byte"),
        ("host/a\tb", "must not contain control characters (a newline, a tab, an escape)"),
        ("../escape/nixedge", "must not contain '..' segments: name the directory itself, e.g. '/etc/nixos/nixedge'"),
    ],
)
def test_check_refuses_a_local_path(places: Places, path: str, problem: str) -> None:
    props = {**places.props(str(places.new)), "target": {"transport": "local", "path": path}}
    reasons = [f.reason for f in places.provider.check({}, props).failures]
    assert reasons == [f"target: path {problem} (got: {path!r})"]


def test_a_command_that_cannot_be_executed_is_a_failed_command(tmp_path: Path) -> None:
    script = tmp_path / "activate.sh"
    script.write_text("#!/bin/sh\n")  # not executable
    result = LocalTransport().run([str(script)], 10)
    assert (result.exit_code, result.output) == (126, f"{script}: Permission denied")
