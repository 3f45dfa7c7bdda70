"""Tests written for the mutation run's survivors (docs/testing.md, "Mutation testing") in
the host provider and the engine under it: `check`'s exact refusals, the outputs an
update leaves (what the next diff compares), refresh and destroy when the manifest lost
track of a module, the failure paths (a transport failing at one step, an unexpected
error, a failing host in a rollout), a move's old place, and what the resources hand the
engine. Local directories under tmp_path throughout; transports fail where a subclass of
the real `LocalTransport` says so.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shlex
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pulumi
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown

from components.errors import ActivationError, HostError
from components.host import progress
from components.host import provider as provider_module
from components.host import target as target_module
from components.host.apply import prune, read_back, remove
from components.host.local import LocalTransport
from components.host.manifest import (
    MANIFEST,
    PENDING,
    manifest_text,
    pending_modules,
    pending_text,
)
from components.host.move import MACHINE_ID
from components.host.ownership import Owner, canonical_target, manifest_owner
from components.host.plan import Activation, Desired, make_plan
from components.host.preflight import foreign_owner
from components.host.provider import UNKNOWN, HostModulesProvider
from components.host.prune import HostPruneProvider
from components.host.resources import HostModules, HostPrune
from components.host.transport import CommandResult, TransportError
from components.model.claims import Claim, OriginCheck
from components.model.module_paths import INDEX
from components.nixos.layout import index_module
from tests import edge_mocks
from tests import test_host_prune_provider as prune_helpers
from tests.test_host_provider import SECRET, Host, recorder

DEV = Owner("nixedge", "dev")
OTHER = Owner("nixedge", "other")
EXAMPLE = "(expected e.g. 'containers/forgejo.nix')"
SECRET_EXAMPLE = "(expected e.g. '/var/lib/nixedge/secrets/tunnel-token')"


@pytest.fixture
def host(tmp_path: Path) -> Host:
    return Host(tmp_path)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def reasons(place: Host, **over: Any) -> list[tuple[str, str]]:
    """`check`'s failures, (the key the reason names, reason), for the host's valid props
    with `over`. No failure names a property: the engine would print its value too."""
    props = {**place.props(), **over}
    failures = HostModulesProvider().check({}, props).failures
    assert [f.property for f in failures] == [""] * len(failures)
    return [(f.reason.split(":", 1)[0], f.reason) for f in failures]


def created(host: Host, props: dict[str, Any]) -> dict[str, Any]:
    outs = host.provider.create(props).outs
    assert outs is not None
    return dict(outs)


# -- check: each refusal, word for word, under its property ---------------------------------


@pytest.mark.parametrize("name", [5, ""], ids=["a-number", "empty"])
def test_invalid_host_not_a_name(host: Host, name: object) -> None:
    assert reasons(host, host=name) == [("host", "host: must be the host's name (e.g. 'seminar')")]


def test_invalid_files_not_a_map_of_nix_text(host: Host) -> None:
    assert reasons(host, files=["default.nix"]) == [("files", "files: must map module paths to Nix text")]
    assert reasons(host, files={"default.nix": 5}) == [("files", "files: 'default.nix' must be Nix text")]


def test_invalid_files_path_shows_a_good_one(host: Host) -> None:
    assert reasons(host, files={"a b.nix": "{ }"}) == [
        ("files", f"files: 'a b.nix' may only contain letters, digits and ._@+- {EXAMPLE}")
    ]


def test_invalid_secrets_not_a_map_or_not_plain_absolute_paths(host: Host) -> None:
    assert reasons(host, secrets=["/var/secret"]) == [
        ("secrets", "secrets: must map absolute paths on the host to contents")
    ]
    assert reasons(host, secrets={"var/token": "x"}) == [
        ("secrets", ("secrets: 'var/token' must be an absolute file path "
                     "(expected e.g. '/var/lib/nixedge/secrets/tunnel-token')")),
    ]  # fmt: skip
    # The relative path's problems, for the path after its leading `/`, with a secret's example.
    assert reasons(host, secrets={"/x/../token": "x", "/var/a b": "x"}) == [
        ("secrets", f"secrets: '/x/../token' must be normalised, without '.', '..' or '//' {SECRET_EXAMPLE}"),
        ("secrets", f"secrets: '/var/a b' may only contain letters, digits and ._@+- {SECRET_EXAMPLE}"),
    ]


def test_invalid_target_without_a_path_is_the_only_error(host: Host) -> None:
    """No module directory known: the target's error says so, and no secret is blamed."""
    got = reasons(host, target={"transport": "local"}, secrets={"/var/token": "x"})
    assert got == [("target", "target: path must be the module directory (e.g. '/etc/nixos/nixedge')")]


def test_invalid_activation_rollback_not_a_list_of_strings(host: Host) -> None:
    got = reasons(host, activation_config={"command": [], "rollback": "nixos-rebuild switch"})
    assert got == [
        ("activation", "activation: rollback must be a list of strings, [] for none (e.g. ['nixos-rebuild', 'switch'])")
    ]


def test_invalid_checks_port_65536_while_65535_passes(host: Host) -> None:
    def check(port: int) -> dict[str, Any]:
        return {"container": "forgejo", "address": "10.0.0.2", "port": port, "files": ["containers/forgejo.nix"]}

    assert reasons(host, checks=[check(65535)]) == []
    assert reasons(host, checks=[check(65536)]) == [("checks", "checks: [0].port must be a TCP port (got: 65536)")]


def test_invalid_retain_removed_not_a_boolean(host: Host) -> None:
    assert reasons(host, retain_removed="yes") == [("retain_removed", "retain_removed: must be true or false")]


def test_invalid_claims_holder_not_a_string(host: Host) -> None:
    got = reasons(host, claims={"containers/forgejo.nix": {"address 10.0.0.2": 5}})
    assert got == [
        ("claims", "claims: must map module paths to {claim: holder} strings (e.g. {'address 10.0.0.2': 'forgejo'})")
    ]


def test_check_reads_no_target_that_is_not_known_yet(host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    from components.host import preflight

    def never(props: object) -> None:
        raise AssertionError(f"check read a target not known yet: {props}")

    monkeypatch.setattr(preflight, "open_target", never)
    props = {
        **host.props(),
        "owner": OTHER.to_props(),
        "target": {"transport": "local", "path": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"},
    }
    assert HostModulesProvider().check({}, props).failures == []


def test_the_owner_check_of_a_preflight_names_the_host_or_a_question_mark(tmp_path: Path) -> None:
    root = tmp_path / "nixedge"
    root.mkdir()
    (root / MANIFEST).write_bytes(manifest_text("devhost", {}, (), DEV.to_props()))
    props: dict[str, Any] = {"target": {"transport": "local", "path": str(root)}, "owner": OTHER.to_props()}
    where = canonical_target(props["target"])
    assert (foreign_owner({**props, "host": "otherhost"}) or "").startswith(
        f"Refusing to touch {where} for otherhost: it belongs to stack 'dev' (project nixedge)"
    )
    assert (foreign_owner(props) or "").startswith(f"Refusing to touch {where} for ?: ")


# -- the outputs an update leaves: what the next diff compares, what the program reads ------


def check_props(address: str = "10.0.0.9", port: int = 8080, **extra: Any) -> dict[str, Any]:
    return {"container": "forgejo", "address": address, "port": port, "files": ["containers/forgejo.nix"],
            "attempts": 1, "interval": 0.01, "timeout": 3, **extra}  # fmt: skip


def test_outputs_echo_checks_and_owner_and_say_exactly_what_ran(host: Host) -> None:
    props = host.props(owner=DEV.to_props(), checks=[check_props()], activation={"command": [], "rollback": []})
    outs = created(host, props)
    assert outs["checks"] == props["checks"]
    assert outs["owner"] == DEV.to_props()
    assert {k: v for k, v in outs["activation"].items() if k != "at"} == {
        "ran": False, "command": "", "changed": ["containers/forgejo.nix", "default.nix"], "removed": [],
        "secrets_changed": [host.secret_path], "checked": [], "retained": [],
    }  # fmt: skip
    assert host.provider.diff("id", outs, props).changes is False
    result = host.provider.update("id", outs, props)
    assert result.outs is not None
    assert result.outs["path"] == str(host.root)
    assert result.outs["owner"] == DEV.to_props()


def test_outputs_name_the_activation_command_and_its_last_lines(host: Host) -> None:
    props = host.props()
    outs = created(host, props)
    assert outs["activation"]["command"] == shlex.join(props["activation_config"]["command"])
    assert outs["activation"]["ran"] is True
    assert outs["activation"]["output"] == "activate line 1"


def test_outputs_say_that_an_update_adopted_a_manifest_without_owner(host: Host) -> None:
    host.root.mkdir(parents=True)
    (host.root / MANIFEST).write_bytes(manifest_text("seminar", {}, ()))
    outs = created(host, host.props(owner=DEV.to_props()))
    where = canonical_target({"transport": "local", "path": str(host.root)})
    assert outs["activation"]["adopted"] == (
        f"seminar: adopted the module directory {where} (its manifest, written by an older nixedge, named no owner)"
    )


def test_the_manifest_records_owner_and_target(host: Host) -> None:
    created(host, host.props(owner=DEV.to_props()))
    body = json.loads((host.root / MANIFEST).read_text())
    assert body["owner"] == {**DEV.to_props(), "target": canonical_target({"path": str(host.root)})}


def test_an_ssh_target_is_recorded_in_the_manifest_by_its_ssh_identity(
    host: Host, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest names the target as configured, not the directory the transport
    reached (here a local one standing in for the host)."""
    monkeypatch.setattr(target_module, "make_transport", lambda target: (LocalTransport(), str(host.root)))
    ssh = {"transport": "ssh", "destination": "root@seminar", "path": "/etc/nixos/nixedge"}
    created(host, host.props(target=ssh, owner=DEV.to_props()))
    body = json.loads((host.root / MANIFEST).read_text())
    assert body["owner"] == {**DEV.to_props(), "target": canonical_target(ssh)}
    assert canonical_target(ssh) != canonical_target({"path": str(host.root)})


def test_a_foreign_owner_is_refused_naming_the_ssh_target_as_configured() -> None:
    ssh = {"transport": "ssh", "destination": "root@seminar", "path": "/h"}
    before = {f"/h/{MANIFEST}": manifest_text("seminar", {}, (), DEV.to_props())}
    d = Desired(host="seminar", root="/h", files={INDEX: index_module("seminar", {})}, owner=OTHER, target=ssh)
    with pytest.raises(HostError) as caught:
        make_plan(d, (), (), before)
    assert str(caught.value).startswith(f"Refusing to touch {canonical_target(ssh)} for seminar: ")


# -- refresh and destroy: the state's modules are ours even when the manifest lost them -----


def test_read_takes_the_states_modules_when_the_manifest_is_gone(host: Host) -> None:
    outs = created(host, host.props())
    (host.root / MANIFEST).unlink()
    read = host.provider.read("id", outs)
    assert read.outs is not None
    assert read.outs["files"] == outs["files"]
    assert read.outs["hashes"] == {rel: sha(text) for rel, text in sorted(outs["files"].items())}
    assert read.inputs == {
        k: read.outs[k] for k in ("host", "target", "files", "secrets", "activation_config", "checks")
    }


def test_read_reports_an_interrupted_activation_as_pending(host: Host) -> None:
    outs = created(host, host.props())
    (host.root / PENDING).write_bytes(pending_text(outs["files"]))
    read = host.provider.read("id", outs)
    assert read.outs is not None and read.inputs is not None
    assert read.outs["activation_pending"] is True
    assert read.inputs["activation_pending"] is True
    assert host.provider.diff("id", read.outs, host.props()).changes is True


def test_read_shows_a_module_edited_into_invalid_utf8_as_replaced_text(host: Host) -> None:
    outs = created(host, host.props())
    (host.root / "containers" / "forgejo.nix").write_bytes(b'{ x = "\xff"; }\n')
    read = host.provider.read("id", outs)
    assert read.outs is not None
    assert read.outs["files"]["containers/forgejo.nix"] == '{ x = "\ufffd"; }\n'
    assert read.outs["hashes"]["containers/forgejo.nix"] == sha('{ x = "\ufffd"; }\n')


def test_delete_removes_the_states_modules_when_the_manifest_is_gone(host: Host) -> None:
    outs = created(host, host.props())
    (host.root / MANIFEST).unlink()
    host.provider.delete("id", outs)
    assert not host.root.exists()


def test_delete_leaves_a_directory_handed_over_to_another_stack(host: Host) -> None:
    outs = created(host, host.props(owner=DEV.to_props()))
    (host.root / MANIFEST).write_bytes(manifest_text("seminar", outs["files"], [host.secret_path], OTHER.to_props()))
    before = host.tree()
    host.provider.delete("id", outs)
    assert host.tree() == before
    assert Path(host.secret_path).read_text() == SECRET


def test_a_failed_delete_says_the_resource_still_exists(host: Host) -> None:
    outs = created(host, host.props())
    module = host.root / "containers" / "forgejo.nix"
    module.unlink()
    module.mkdir()  # unlink of a directory fails: EISDIR
    with pytest.raises(HostError) as caught:
        host.provider.delete("id", outs)
    assert str(caught.value) == (
        f"Removing the modules from seminar failed: cannot remove {module}: Is a directory; "
        "the resource still exists, run destroy again"
    )


def test_an_update_after_the_manifest_is_gone_still_owns_the_states_modules(host: Host) -> None:
    outs = created(host, host.props())
    (host.root / MANIFEST).unlink()
    result = host.provider.update("id", outs, host.props(files={"default.nix": "{ }\n"}))
    assert result.outs is not None
    assert result.outs["activation"]["changed"] == ["containers/forgejo.nix", "default.nix"]
    assert result.outs["activation"]["removed"] == ["containers/forgejo.nix"]
    assert set(host.tree()) == {"default.nix", MANIFEST}
    assert host.tree()["default.nix"] == "{ }\n"


# -- the manifest and the pending marker: never a path outside the module directory ---------


def test_destroy_never_follows_a_manifest_entry_out_of_the_module_directory(tmp_path: Path) -> None:
    root = tmp_path / "nixedge"
    root.mkdir()
    outside = tmp_path / "outside.nix"
    outside.write_text("not ours\n")
    (root / "a.nix").write_text("{ }\n")
    (root / MANIFEST).write_text(json.dumps({"files": {"../outside.nix": "0", "a.nix": "0", "/etc/x": "0"}}))
    assert remove(LocalTransport(), str(root), (), ()) == ["a.nix"]
    assert outside.read_text() == "not ours\n"
    assert not root.exists()


def test_a_manifest_without_files_owns_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.nix").write_text("{ }\n")
    (tmp_path / MANIFEST).write_text(json.dumps({"generator": "nixedge", "host": "seminar"}))
    assert read_back(LocalTransport(), str(tmp_path), (), ()) == ({}, {}, False)


def test_the_pending_marker_lists_its_modules_sorted() -> None:
    assert json.loads(pending_text(["b.nix", "a.nix"])) == {
        "generator": "nixedge", "activation": "pending", "modules": ["a.nix", "b.nix"],
    }  # fmt: skip
    assert pending_text([]).endswith(b"\n")


def test_a_pending_marker_never_names_a_path_outside_the_module_directory() -> None:
    data = json.dumps({"modules": ["../../etc/passwd", "b.nix", 5, "a.nix"]}).encode()
    assert pending_modules(data, ["c.nix"]) == ["a.nix", "b.nix"]
    assert pending_modules(b"{not json", ["c.nix", "a.nix"]) == ["a.nix", "c.nix"]
    assert pending_modules(None, ["c.nix"]) is None


# -- failure paths of an activation: a transport failing at one step --------------------------


class Recorded:
    """A progress reporter keeping every status line (the provider process's stand-in)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def status(self, message: str) -> None:
        self.lines.append(message)


@pytest.fixture
def said(monkeypatch: pytest.MonkeyPatch) -> Recorded:
    recorded = Recorded()
    monkeypatch.setattr(progress, "_factory", lambda: recorded)
    return recorded


def opened_as(monkeypatch: pytest.MonkeyPatch, transport: type[LocalTransport]) -> None:
    """Local targets open with `transport`, a LocalTransport failing at one step."""
    real = target_module.make_transport

    def make(target: Any) -> Any:
        _, root = real(target)
        return transport(), root

    monkeypatch.setattr(target_module, "make_transport", make)


def test_an_activation_says_why_it_runs_and_how_long_it_took(host: Host, said: Recorded) -> None:
    props = host.props()
    created(host, props)
    command = shlex.join(props["activation_config"]["command"])
    assert said.lines == [
        f"seminar: activating (2 modules changed, 1 secret changed): `{command}`",
        "activate line 1",
        "seminar: activated in 0 s",
    ]


class RunFails(LocalTransport):
    def run(self, argv: Sequence[str], timeout: float, cwd: str | None = None, on_line: Any = None) -> CommandResult:
        raise TransportError("connection lost")


def test_an_activation_that_cannot_be_run_restores_and_says_so(host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    opened_as(monkeypatch, RunFails)
    props = host.props(activation={"command": ["nixos-rebuild", "switch"], "rollback": []})
    with pytest.raises(ActivationError) as caught:
        host.provider.create(props)
    assert str(caught.value) == (
        "Activation of seminar failed: `nixos-rebuild switch` could not be run: connection lost.\n"
        "Restored the previous modules; no rollback command is configured, so the host may still "
        "run what the failed activation left behind."
    )
    assert host.tree() == {}


class ChecksRecorded(LocalTransport):
    """Origin checks answered with `answer`; each (address, port, timeout) recorded."""

    calls: ClassVar[list[tuple[str, int, float]]] = []
    answer: ClassVar[CommandResult | TransportError] = CommandResult(0, "")

    def tcp_check(self, address: str, port: int, timeout: float) -> CommandResult:
        type(self).calls.append((address, port, timeout))
        if isinstance(self.answer, TransportError):
            raise self.answer
        return self.answer


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> type[ChecksRecorded]:
    class Checks(ChecksRecorded):
        calls: ClassVar[list[tuple[str, int, float]]] = []

    opened_as(monkeypatch, Checks)
    return Checks


def test_the_origin_check_connects_to_the_containers_address_and_port(host: Host, checks: type[ChecksRecorded]) -> None:
    outs = created(host, host.props(checks=[check_props("10.0.0.9", 8080)]))
    assert checks.calls == [("10.0.0.9", 8080, 3)]
    assert outs["activation"]["checked"] == ["forgejo"]


@pytest.mark.parametrize(
    ("answer", "detail"),
    [(CommandResult(1, ""), "refused or timed out"), (TransportError("ssh: connection lost"), "ssh: connection lost")],
    ids=["refused", "transport-failed"],
)
def test_a_failed_origin_check_says_why(
    host: Host, checks: type[ChecksRecorded], answer: CommandResult | TransportError, detail: str
) -> None:
    checks.answer = answer
    with pytest.raises(ActivationError) as caught:
        host.provider.create(host.props(checks=[check_props("10.0.0.9", 8080)]))
    assert str(caught.value).splitlines()[0] == (
        "Activation of seminar failed: the origin check failed: container forgejo did not accept TCP "
        f"connections on 10.0.0.9:8080 from seminar after 1 attempts ({detail})."
    )


class PendingStays(LocalTransport):
    def remove_files(self, paths: Sequence[str]) -> None:
        if [p for p in paths if p.endswith(PENDING)]:
            raise TransportError(f"cannot remove {paths[0]}: Read-only file system")
        super().remove_files(paths)


def test_a_failed_clean_up_after_an_activation_says_the_modules_are_active(
    host: Host, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened_as(monkeypatch, PendingStays)
    with pytest.raises(HostError) as caught:
        host.provider.create(host.props())
    assert str(caught.value) == (
        f"seminar has the new modules in {host.root} and activated them, but cleaning up after failed: "
        f"cannot remove {host.root / PENDING}: Read-only file system; run `scripts/pulumi up` again"
    )


class ReadBreaks(LocalTransport):
    def read_files(self, paths: Sequence[str]) -> dict[str, bytes | None]:
        raise RuntimeError("disk on fire")


def test_an_unexpected_failure_says_what_was_being_done(host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    props = host.props()
    outs = created(host, props)
    opened_as(monkeypatch, ReadBreaks)
    with pytest.raises(HostError) as caught:
        host.provider.create(props)
    assert str(caught.value) == "Unexpected failure during create of seminar's modules: RuntimeError('disk on fire')"
    with pytest.raises(HostError) as caught:
        host.provider.update("id", outs, props)
    assert str(caught.value) == "Unexpected failure during update of seminar's modules: RuntimeError('disk on fire')"
    moved = host.props(target={"transport": "local", "path": str(host.tmp / "elsewhere")})
    with pytest.raises(HostError) as caught:
        host.provider.update("id", outs, moved)
    assert str(caught.value) == (
        f"Unexpected failure while moving seminar's modules to {host.tmp / 'elsewhere'}: RuntimeError('disk on fire')"
    )


def test_a_host_failing_in_a_rollout_names_what_became_of_each_host(host: Host) -> None:
    props = host.props(
        activation={"command": recorder(host.tmp, "activate", host.log, exit_code=1), "rollback": []},
        rollout=[["seminar"], ["kuma"]],
    )
    with pytest.raises(HostError) as caught:
        host.provider.create(props)
    assert str(caught.value).splitlines()[-4:] == [
        "Rollout stopped in batch 1 of 2: seminar failed.",
        "  deployed by this update: none",
        "  rolled back: seminar",
        "  skipped, not started and left as they were (batch 2): kuma",
    ]


# -- the prune step (apply.prune): what it keeps, whose the directory stays -------------------


def deployed(root: Path, files: dict[str, bytes], owner: Owner | None = DEV) -> None:
    """A module directory as a HostModules update that retained a module leaves it."""
    for rel, content in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(content)
    texts = {rel: content.decode(errors="replace") for rel, content in files.items()}
    (root / MANIFEST).write_bytes(manifest_text("seminar", texts, (), None if owner is None else owner.to_props()))


def test_prune_keeps_the_directorys_owner_and_target(tmp_path: Path) -> None:
    deployed(tmp_path, {"containers/a.nix": b"{ }\n", "containers/b.nix": b"{ }\n", INDEX: b"{ }\n"})
    report = prune(LocalTransport(), "seminar", str(tmp_path), ["containers/a.nix", INDEX], Activation(), owner=DEV)
    assert report.changed == ["containers/b.nix", INDEX]
    assert sorted(p.name for p in tmp_path.rglob("*.nix")) == ["a.nix", "default.nix"]
    body = json.loads((tmp_path / MANIFEST).read_text())
    assert body["owner"] == {**DEV.to_props(), "target": canonical_target({"path": str(tmp_path)})}
    assert manifest_owner((tmp_path / MANIFEST).read_bytes()) == DEV


def test_prune_keeps_a_module_that_is_not_valid_utf8(tmp_path: Path) -> None:
    deployed(tmp_path, {"containers/a.nix": b'{ x = "\xff"; }\n', "containers/b.nix": b"{ }\n", INDEX: b"{ }\n"})
    prune(LocalTransport(), "seminar", str(tmp_path), ["containers/a.nix", INDEX], Activation(), owner=DEV)
    assert (tmp_path / "containers" / "a.nix").exists()
    assert not (tmp_path / "containers" / "b.nix").exists()


class ReadFails(LocalTransport):
    def read_files(self, paths: Sequence[str]) -> dict[str, bytes | None]:
        raise TransportError(f"cannot read {paths[0]}: Permission denied")


def test_prune_that_cannot_read_the_host_changes_nothing_and_says_so(tmp_path: Path) -> None:
    with pytest.raises(HostError) as caught:
        prune(ReadFails(), "seminar", str(tmp_path), [INDEX], Activation(), owner=DEV)
    assert str(caught.value) == (
        f"Reading the modules of seminar in {tmp_path} failed: cannot read {tmp_path / MANIFEST}: "
        "Permission denied; nothing was changed"
    )


# -- a move: the old place, when its removal fails, a second host took it, a secret left -----


class Move:
    """One host's modules at `old`, about to move to `new` (both local directories)."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.old = host.root
        self.new = host.tmp / "new" / "nixedge"

    def at(self, root: Path, **over: Any) -> dict[str, Any]:
        return self.host.props(target={"transport": "local", "path": str(root)}, **over)

    def update(self, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        outs = self.host.provider.update("id", olds, news).outs
        assert outs is not None
        return dict(outs)


@pytest.fixture
def move(host: Host) -> Move:
    return Move(host)


def test_a_move_whose_old_place_cannot_be_emptied_says_the_new_one_is_active(move: Move) -> None:
    olds = created(move.host, move.at(move.old))
    module = move.old / "containers" / "forgejo.nix"
    module.unlink()
    module.mkdir()  # unlink of a directory fails: EISDIR
    with pytest.raises(HostError) as caught:
        move.update(olds, move.at(move.new))
    assert str(caught.value) == (
        f"seminar's modules are in {move.new} now and activated, but removing them from the old place "
        f"localhost:{move.old} failed: cannot remove {module}: Is a directory; what is left there is still "
        "in its manifest; run `scripts/pulumi up` again to finish the move"
    )


def test_a_move_leaves_the_old_place_to_the_host_that_took_it_over(move: Move) -> None:
    """Another host's resource wrote the old place since (a rename: Pulumi created the new
    resource there first): its modules and manifest stay."""
    olds = created(move.host, move.at(move.old))
    created(move.host, move.at(move.old, host="seminar2"))
    before = move.host.tree()
    move.update(olds, move.at(move.new))
    assert move.host.tree() == before
    assert Path(move.host.secret_path).read_text() == SECRET


def test_a_move_that_renames_the_host_empties_the_old_place(move: Move) -> None:
    olds = created(move.host, move.at(move.old))
    move.update(olds, move.at(move.new, host="seminar2"))
    assert not move.old.exists()
    assert json.loads((move.new / MANIFEST).read_text())["host"] == "seminar2"


def test_a_move_that_drops_a_secret_removes_it_from_the_old_place(move: Move) -> None:
    olds = created(move.host, move.at(move.old))
    move.update(olds, move.at(move.new, secrets={}))
    assert not Path(move.host.secret_path).exists()
    assert not move.old.exists()


# -- LocalTransport: its name in messages, the failures it names ------------------------------


def test_a_local_transport_is_named_localhost_unless_told() -> None:
    assert LocalTransport().label == "localhost"
    assert LocalTransport("dev-host").label == "dev-host"


def test_removing_a_directory_as_a_file_fails_naming_it(tmp_path: Path) -> None:
    with pytest.raises(TransportError) as caught:
        LocalTransport().remove_files([str(tmp_path)])
    assert str(caught.value) == f"cannot remove {tmp_path}: Is a directory"


def test_a_directory_that_cannot_be_synced_after_a_removal_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(directory: str) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(LocalTransport, "_fsync_dir", staticmethod(broken))
    with pytest.raises(TransportError) as caught:
        LocalTransport().remove_files([str(tmp_path / "gone.nix")])
    assert str(caught.value) == f"cannot sync {tmp_path}: Input/output error"


# -- the resources: what HostModules and HostPrune hand the engine (under Pulumi's mocks) -----


class OptionsRecorded(edge_mocks.RecordingMonitor):
    """The recording monitor, also keeping each resource's secret outputs and protect flag."""

    options: ClassVar[dict[str, tuple[list[str], bool]]] = {}

    def RegisterResource(self, request: Any) -> Any:
        type(self).options[request.name] = (list(request.additionalSecretOutputs), bool(request.protect))
        return super().RegisterResource(request)


@pytest.fixture
def mocked_monitor(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[OptionsRecorded]]:
    class Recorded(OptionsRecorded):
        options: ClassVar[dict[str, tuple[list[str], bool]]] = {}

    monkeypatch.setattr(edge_mocks, "RecordingMonitor", Recorded)
    # A loop of its own: in a forked test process (mutmut's workers), the loop inherited
    # from an earlier run would wait forever on executor threads that did not survive.
    asyncio.set_event_loop(asyncio.new_event_loop())
    yield Recorded


TARGET = {"transport": "ssh", "destination": "root@seminar", "path": "/etc/nixos/nixedge"}
ACTIVATION = {"command": ["nixos-rebuild", "switch"], "rollback": ["nixos-rebuild", "switch"]}
NONE: dict[str, list[str]] = {"command": [], "rollback": []}


def test_host_modules_hands_the_engine_its_inputs_secrets_kept_secret(mocked_monitor: type[OptionsRecorded]) -> None:
    def program() -> dict[str, Any]:
        kept = HostModules(
            "kept",
            host="seminar",
            target=TARGET,
            files={"containers/a.nix": "{ }\n"},
            secrets={"/var/lib/nixedge/token": "tok"},
            activation=ACTIVATION,
            retain_removed=True,
            claims={"containers/a.nix": [Claim("address", "10.0.0.2", "a")]},
            checks=[OriginCheck("a", "10.0.0.2", 8080, ("containers/a.nix",))],
            rollout=[("seminar",), ("kuma",)],
            opts=pulumi.ResourceOptions(protect=True),
        )
        plain = HostModules("plain", host="seminar", target=TARGET, files={}, owner=DEV)
        return {"hashes": kept.hashes, "retained": kept.retained, "path": plain.path, "activation": kept.activation}

    run = edge_mocks.run(program, stack="dev")
    kept, plain = run.named("kept"), run.named("plain")
    assert (kept.inputs["host"], kept.inputs["target"]) == ("seminar", TARGET)
    assert kept.inputs["__provider"] == serialize_provider(HostModulesProvider())
    assert kept.inputs["checks"] == [
        {"container": "a", "address": "10.0.0.2", "port": 8080, "files": ["containers/a.nix"]}
    ]
    assert kept.inputs["rollout"] == [["seminar"], ["kuma"]]
    assert "rollout" not in plain.inputs and plain.inputs["checks"] == []
    assert kept.inputs["files"] == {"containers/a.nix": "{ }\n"}
    assert kept.inputs["secrets"] == {"/var/lib/nixedge/token": "tok"}
    assert "secrets" in kept.secret_inputs
    assert kept.inputs["activation_config"] == ACTIVATION
    assert kept.inputs["retain_removed"] is True
    assert kept.inputs["claims"] == {"containers/a.nix": {"address 10.0.0.2": "a"}}
    assert mocked_monitor.options["kept"] == (["secrets"], True)
    assert plain.inputs["activation_config"] == NONE
    assert plain.inputs["secrets"] == {}
    assert plain.inputs["owner"] == DEV.to_props()
    assert "retain_removed" not in plain.inputs and "claims" not in plain.inputs
    assert mocked_monitor.options["plain"] == (["secrets"], False)


def test_host_prune_hands_the_engine_keep_and_leaving_as_maps(mocked_monitor: type[OptionsRecorded]) -> None:
    def program() -> dict[str, Any]:
        bare = HostPrune("bare", host="seminar", target=TARGET, keep=["default.nix", "containers/a.nix"])
        HostPrune(
            "owned",
            host="seminar",
            target=TARGET,
            keep=["default.nix"],
            leaving={"containers/b.nix": {"address 10.0.0.3": "b"}},
            activation=ACTIVATION,
            owner=DEV,
            opts=pulumi.ResourceOptions(protect=True),
        )
        return {"path": bare.path, "removed": bare.removed, "ran": bare.ran}

    run = edge_mocks.run(program, stack="dev")
    bare, owned = run.named("bare"), run.named("owned")
    assert (bare.inputs["host"], bare.inputs["target"]) == ("seminar", TARGET)
    assert bare.inputs["__provider"] == serialize_provider(HostPruneProvider())
    assert (mocked_monitor.options["bare"][1], mocked_monitor.options["owned"][1]) == (False, True)
    assert bare.inputs["keep"] == {"containers/a.nix": True, "default.nix": True}
    assert bare.inputs["leaving"] == {}
    assert bare.inputs["activation_config"] == NONE
    assert "owner" not in bare.inputs
    assert owned.inputs["leaving"] == {"containers/b.nix": True}
    assert owned.inputs["activation_config"] == ACTIVATION
    assert owned.inputs["owner"] == DEV.to_props()


# -- a move between machines: which secrets leave the old one ----------------------------------


class Machine(LocalTransport):
    """A target's host: its module directory is a local one, its /etc/machine-id says
    which machine it is; the paths it removes and its machine-id reads are recorded."""

    removed: ClassVar[dict[str, list[str]]] = {}
    asked: ClassVar[list[str]] = []

    def __init__(self, label: str, machine_id: bytes) -> None:
        super().__init__(label)
        self.machine_id = machine_id

    def read_files(self, paths: Sequence[str]) -> dict[str, bytes | None]:
        if list(paths) == [MACHINE_ID]:
            type(self).asked.append(self.label)
            return {MACHINE_ID: self.machine_id}
        return super().read_files(paths)

    def remove_files(self, paths: Sequence[str]) -> None:
        type(self).removed.setdefault(self.label, []).extend(paths)
        super().remove_files(paths)


@pytest.fixture
def machines(host: Host, monkeypatch: pytest.MonkeyPatch) -> type[Machine]:
    """ssh targets reach a directory under tmp_path; each destination and port is a
    machine of its own, and the local one another."""

    class Machines(Machine):
        removed: ClassVar[dict[str, list[str]]] = {}
        asked: ClassVar[list[str]] = []

    def make(target: Any) -> tuple[Machine, str]:
        path = str(target["path"])
        if target.get("transport", "local") == "local":
            return Machines("localhost", b"local-machine\n"), path
        label = f"{target['destination']}:{target.get('port') or 22}"
        return Machines(label, f"{label}\n".encode()), str(host.tmp / "remote" / label) + path

    monkeypatch.setattr(target_module, "make_transport", make)
    return Machines


def ssh(path: str, port: int | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "transport": "ssh",
        "destination": "root@seminar",
        "path": path,
        **({"port": port} if port else {}),
        **extra,
    }


def test_a_move_to_another_port_of_the_same_name_is_another_machine(host: Host, machines: type[Machine]) -> None:
    """root@seminar on port 22 and on 2222 (a forwarded port) may be two machines: their
    machine ids differ, so the secret both states list leaves the old one."""
    olds = created(host, host.props(target=ssh("/srv/a", 22)))
    host.provider.update("id", olds, host.props(target=ssh("/srv/b", 2222)))
    assert machines.asked == ["root@seminar:2222", "root@seminar:22"]
    assert host.secret_path in machines.removed["root@seminar:22"]


def test_a_move_from_ssh_to_local_is_another_machine_even_with_a_destination_left_in(
    host: Host, machines: type[Machine]
) -> None:
    olds = created(host, host.props(target=ssh("/srv/a")))
    news = host.props(target={"transport": "local", "path": str(host.tmp / "new"), "destination": "root@seminar"})
    host.provider.update("id", olds, news)
    assert machines.asked == ["localhost", "root@seminar:22"]
    assert host.secret_path in machines.removed["root@seminar:22"]


def test_a_move_between_local_directories_asks_no_machine_id(host: Host, machines: type[Machine]) -> None:
    """Both local (`transport` left out or spelled): one machine, the secret both list stays."""
    olds = created(host, host.props(target={"path": str(host.tmp / "old")}))
    host.provider.update("id", olds, host.props(target={"transport": "local", "path": str(host.tmp / "new")}))
    assert machines.asked == []
    assert host.secret_path not in machines.removed["localhost"]
    assert Path(host.secret_path).read_text() == SECRET


def test_a_move_onto_a_directory_holding_a_leaving_module_keeps_it_with_its_claims(move: Move) -> None:
    """The new place lists uptime in its manifest (an earlier run of ours wrote it): it is
    retained there, and the outputs keep its claims from the old state."""
    both, forgejo = prune_helpers.files("forgejo", "uptime"), prune_helpers.files("forgejo")
    claims = prune_helpers.claims("forgejo", "uptime")
    olds = created(move.host, move.at(move.old, files=both, retain_removed=True, claims=claims))
    created(move.host, move.at(move.new, files=both))
    news = move.at(move.new, files=forgejo, retain_removed=True, claims=prune_helpers.claims("forgejo"))
    outs = move.update(olds, news)
    assert outs["retained"] == {"containers/uptime.nix": prune_helpers.UPTIME_CLAIMS}
    assert outs["activation"]["retained"] == ["containers/uptime.nix"]


# -- more of an update's outputs and failure paths (execute, _activate, _outputs) -------------


def test_outputs_hash_each_module_and_time_the_run_in_utc(host: Host) -> None:
    props = host.props()
    outs = created(host, props)
    assert outs["hashes"] == {rel: sha(text) for rel, text in sorted(props["files"].items())}
    assert outs["activation"]["at"].endswith("+00:00")
    # Outputs made without a run (no report) say nothing ran, and when is no question.
    assert "at" not in provider_module._outputs(props, str(host.root), None)["activation"]


def test_the_activation_runs_in_the_module_directory_and_its_output_keeps_20_lines(host: Host) -> None:
    script = host.tmp / "activate.sh"
    script.write_text(
        f'#!/bin/sh\npwd > "{host.tmp}/cwd"\ni=1; while [ $i -le 30 ]; do echo "line $i"; i=$((i+1)); done\n'
    )
    script.chmod(0o755)
    outs = created(host, host.props(activation={"command": [str(script)], "rollback": []}))
    assert (host.tmp / "cwd").read_text().strip() == str(host.root)
    assert outs["activation"]["output"].splitlines() == [f"line {i}" for i in range(11, 31)]


def test_an_unchanged_update_cleans_leftover_temporary_files_only(host: Host) -> None:
    outs = created(host, host.props())
    (host.root / ".nixedge-tmp.left-over").write_text("half a module")
    result = host.provider.update("id", outs, host.props())
    assert result.outs is not None and result.outs["activation"]["ran"] is False
    assert set(host.tree()) == {"default.nix", "containers/forgejo.nix", MANIFEST}


class CleanFails(LocalTransport):
    def clean_temp_files(self, dirs: Sequence[str]) -> None:
        raise TransportError(f"cannot list {min(dirs)}: Permission denied")


def test_a_failed_clean_up_of_an_unchanged_host_says_nothing_else_changed(
    host: Host, monkeypatch: pytest.MonkeyPatch
) -> None:
    outs = created(host, host.props())
    opened_as(monkeypatch, CleanFails)
    with pytest.raises(HostError) as caught:
        host.provider.update("id", outs, host.props())
    assert str(caught.value) == (
        f"Cleaning temporary files in {host.root} on seminar failed: cannot list {host.root}: Permission denied; "
        "nothing else changed"
    )


class WritesFail(LocalTransport):
    def write_files(self, files: Sequence[Any]) -> None:
        raise TransportError("cannot write: No space left on device")


def test_a_write_that_fails_and_cannot_be_undone_says_the_host_may_hold_a_mix(
    host: Host, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened_as(monkeypatch, WritesFail)
    with pytest.raises(HostError) as caught:
        host.provider.create(host.props())
    assert str(caught.value) == (
        f"Writing modules to seminar failed in {host.root}: cannot write: No space left on device; "
        "COULD NOT RESTORE the previous modules either (cannot write: No space left on device); seminar may "
        "have a mix of previous and new files (each one complete); run `scripts/pulumi up` again"
    )


class EmptyDirsStay(LocalTransport):
    def remove_empty_dirs(self, dirs: Sequence[str]) -> None:
        raise TransportError(f"cannot remove {dirs[0]}: Device or resource busy")


def test_a_failed_clean_up_without_an_activation_does_not_claim_one(
    host: Host, monkeypatch: pytest.MonkeyPatch
) -> None:
    none: dict[str, list[str]] = {"command": [], "rollback": []}
    outs = created(host, host.props(activation=none))
    opened_as(monkeypatch, EmptyDirsStay)
    with pytest.raises(HostError) as caught:
        host.provider.update("id", outs, host.props(files={"default.nix": "{ }\n"}, activation=none))
    assert str(caught.value) == (
        f"seminar has the new modules in {host.root}, but cleaning up after failed: "
        f"cannot remove {host.root / 'containers'}: Device or resource busy; run `scripts/pulumi up` again"
    )


def test_an_unchanged_update_keeps_the_retained_modules_in_its_outputs(host: Host) -> None:
    """A leaving module whose old state held no claims is kept with none."""
    both = host.props(prune_helpers.files("forgejo", "uptime"), retain_removed=True, claims={})
    one = host.props(prune_helpers.files("forgejo"), retain_removed=True, claims={})
    outs = created(host, both)
    first = host.provider.update("id", outs, one).outs
    assert first is not None and first["retained"] == {"containers/uptime.nix": {}}
    again = host.provider.update("id", first, one).outs
    assert again is not None
    assert again["retained"] == {"containers/uptime.nix": {}}
    assert again["activation"]["retained"] == ["containers/uptime.nix"]


def test_a_prune_reports_what_it_did_without_an_activation(tmp_path: Path) -> None:
    deployed(tmp_path, {"containers/a.nix": b"{ }\n", "containers/b.nix": b"{ }\n", INDEX: b"{ }\n"})
    report = prune(LocalTransport(), "seminar", str(tmp_path), ["containers/a.nix", INDEX], Activation(), owner=DEV)
    assert (report.ran, report.output, report.removed) == (False, "", ["containers/b.nix"])
    again = prune(LocalTransport(), "seminar", str(tmp_path), ["containers/a.nix", INDEX], Activation(), owner=DEV)
    assert (again.ran, again.changed, again.output) == (False, [], "")


# -- the survivors a run over every mutant of these functions showed (beyond the sample) ------


def test_invalid_activation_not_a_mapping_or_a_command_of_non_strings(host: Host) -> None:
    assert reasons(host, activation_config="nixos-rebuild switch") == [
        ("activation", "activation: must be a mapping with 'command' and 'rollback' (lists of strings)")
    ]
    assert reasons(host, activation_config={"command": ["nixos-rebuild", 5], "rollback": []}) == [
        ("activation", "activation: command must be a list of strings, [] for none (e.g. ['nixos-rebuild', 'switch'])")
    ]


def test_invalid_checks_each_problem_of_each_check(host: Host) -> None:
    assert reasons(host, checks={"port": 80}) == [
        ("checks", "checks: must be a list of {container, address, port, files}")
    ]
    bad = [
        "forgejo",
        {"container": "forgejo", "address": 10, "port": 0},
        {"container": "forgejo", "address": "10.0.0.2", "port": 1},  # no `files`: none
    ]
    assert reasons(host, checks=bad) == [
        ("checks", "checks: [0] must be a mapping"),
        ("checks", "checks: [1].port must be a TCP port (got: 0)"),
        ("checks", "checks: [1].address must be an IP address or host name"),
    ]


def test_invalid_files_and_the_checks_that_name_them(host: Host) -> None:
    """Files that are not a map count as none: a check naming one is refused too."""
    assert reasons(host, files=["default.nix"], checks=[check_props()]) == [
        ("files", "files: must map module paths to Nix text"),
        ("checks", "checks: [0].files must list module paths of `files` (got: ['containers/forgejo.nix'])"),
    ]


@pytest.mark.parametrize("path", ["a//b.nix", "a/./b.nix"])
def test_invalid_files_path_not_normalised(host: Host, path: str) -> None:
    assert reasons(host, files={path: "{ }"}) == [
        ("files", f"files: {path!r} must be normalised, without '.', '..' or '//' {EXAMPLE}")
    ]


def test_a_module_name_may_use_every_plain_character(host: Host) -> None:
    name = "".join(sorted("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@+-"))
    assert reasons(host, files={f"containers/{name}": "{ }"}) == []


def test_invalid_secrets_the_root_or_a_doubled_slash(host: Host) -> None:
    assert reasons(host, secrets={"/": "x"}) == [
        (
            "secrets",
            "secrets: '/' must be an absolute file path (expected e.g. '/var/lib/nixedge/secrets/tunnel-token')",
        )
    ]
    assert reasons(host, secrets={"//etc/token": "x"}) == [
        ("secrets", f"secrets: '//etc/token' must be normalised, without '.', '..' or '//' {SECRET_EXAMPLE}")
    ]


def test_invalid_secrets_inside_a_module_directory_named_with_a_trailing_slash(host: Host) -> None:
    got = reasons(host, target={"transport": "local", "path": f"{host.root}/"}, secrets={f"{host.root}/token": "x"})
    assert got == [("secrets", f"secrets: '{host.root}/token' must lie outside the module directory")]


def test_invalid_target_not_a_mapping_is_the_only_error(host: Host) -> None:
    assert reasons(host, target="/etc/nixos/nixedge", secrets={"/var/token": "x"}) == [
        ("target", "target: must be a mapping with 'transport' and 'path'"),
    ]


def test_check_skips_every_value_not_known_yet(host: Host) -> None:
    unknown = Unknown()  # type: ignore[no-untyped-call]
    assert reasons(host, activation_config=UNKNOWN, checks=UNKNOWN, claims=UNKNOWN) == []
    assert reasons(host, files={"default.nix": unknown}) == []
    assert reasons(host, files=unknown, claims={"containers/forgejo.nix": {"address 10.0.0.2": "forgejo"}}) == []


def test_an_activation_for_an_interrupted_one_says_so(host: Host, said: Recorded) -> None:
    props = host.props()
    outs = created(host, props)
    (host.root / PENDING).write_bytes(pending_text(outs["files"]))
    said.lines.clear()
    host.provider.update("id", outs, props)
    command = shlex.join(props["activation_config"]["command"])
    assert said.lines[0] == f"seminar: activating (an earlier activation did not complete): `{command}`"


def test_a_failed_origin_check_adds_no_output_of_its_own(host: Host, checks: type[ChecksRecorded]) -> None:
    checks.answer = CommandResult(1, "")
    props = host.props(
        checks=[check_props("10.0.0.9", 8080)],
        activation={"command": ["true"], "rollback": []},
    )
    with pytest.raises(ActivationError) as caught:
        host.provider.create(props)
    assert "Output of" not in str(caught.value)
    checks.answer = CommandResult(0, "")
    with pytest.raises(ActivationError) as caught:
        host.provider.create(
            host.props(checks=[check_props(attempts=0)], activation={"command": ["true"], "rollback": []})
        )
    assert "after 0 attempts (refused or timed out)." in str(caught.value)


def test_prune_refuses_a_directory_another_stack_owns(tmp_path: Path) -> None:
    deployed(tmp_path, {"containers/a.nix": b"{ }\n", INDEX: b"{ }\n"}, owner=OTHER)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(HostError) as caught:
        prune(LocalTransport(), "seminar", str(tmp_path), [INDEX], Activation(), owner=DEV)
    assert str(caught.value).startswith(
        f"Refusing to touch {canonical_target({'path': str(tmp_path)})} for seminar: it belongs to stack 'other'"
    )
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_prune_keeps_only_modules_the_manifest_owns_and_names_the_host(tmp_path: Path) -> None:
    deployed(tmp_path, {"containers/a.nix": b"{ }\n", INDEX: b"{ }\n"})
    (tmp_path / "containers" / "theirs.nix").write_text("{ }\n")  # not in the manifest
    prune(
        LocalTransport(), "seminar", str(tmp_path), ["containers/a.nix", "containers/theirs.nix", INDEX], Activation()
    )
    assert "theirs.nix" not in (tmp_path / INDEX).read_text()
    assert json.loads((tmp_path / MANIFEST).read_text())["host"] == "seminar"


def test_read_takes_the_modules_only_the_manifest_lists(host: Host) -> None:
    outs = created(host, host.props())
    read = host.provider.read("id", {**outs, "files": {"default.nix": outs["files"]["default.nix"]}})
    assert read.id == "id"
    assert read.outs is not None and read.outs["files"] == outs["files"]


def test_a_read_after_the_activation_completed_is_no_longer_pending(host: Host) -> None:
    outs = created(host, host.props())
    read = host.provider.read("id", {**outs, "activation_pending": True})
    assert read.outs is not None and "activation_pending" not in read.outs


def test_a_failed_read_names_the_host(host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    outs = created(host, host.props())
    opened_as(monkeypatch, ReadFails)
    with pytest.raises(HostError) as caught:
        host.provider.read("id", outs)
    assert str(caught.value) == (
        f"Reading the modules of seminar failed: cannot read {host.root / MANIFEST}: Permission denied"
    )


def test_a_move_without_activation_does_not_claim_one_when_the_old_place_fails(move: Move) -> None:
    none: dict[str, list[str]] = {"command": [], "rollback": []}
    olds = created(move.host, move.at(move.old, activation=none))
    module = move.old / "containers" / "forgejo.nix"
    module.unlink()
    module.mkdir()
    with pytest.raises(HostError) as caught:
        move.update(olds, move.at(move.new, activation=none))
    assert str(caught.value).startswith(f"seminar's modules are in {move.new} now, but removing them ")


def test_a_move_empties_the_old_place_of_the_states_modules_when_its_manifest_is_gone(move: Move) -> None:
    olds = created(move.host, move.at(move.old))
    (move.old / MANIFEST).unlink()
    move.update(olds, move.at(move.new))
    assert not move.old.exists()


def test_a_move_to_another_destination_is_another_machine(host: Host, machines: type[Machine]) -> None:
    olds = created(host, host.props(target=ssh("/srv/a")))
    news = host.props(target={**ssh("/srv/a"), "destination": "root@kuma"})
    host.provider.update("id", olds, news)
    assert machines.asked == ["root@kuma:22", "root@seminar:22"]
    assert host.secret_path in machines.removed["root@seminar:22"]


def test_an_unreadable_pending_marker_lists_every_module() -> None:
    assert pending_modules(json.dumps({"modules": "all"}).encode(), ["b.nix", "a.nix"]) == ["a.nix", "b.nix"]


@pytest.mark.parametrize("name", ["nixedgeX", "nixedge "], ids=["ending-in-X", "ending-in-a-space"])
def test_check_reads_the_owner_of_exactly_the_target_directory(tmp_path: Path, name: str) -> None:
    """The manifest read is the one in the directory named, whatever its last character."""
    root = tmp_path / name
    root.mkdir()
    (root / MANIFEST).write_bytes(manifest_text("devhost", {}, (), DEV.to_props()))
    props = {
        "host": "otherhost",
        "target": {"transport": "local", "path": str(root)},
        "files": {INDEX: index_module("otherhost", {})},
        "owner": OTHER.to_props(),
    }
    (failure,) = HostModulesProvider().check({}, props).failures
    assert failure.reason.startswith("target: Refusing to touch ")


def test_a_secret_beside_a_module_directory_ending_in_x_lies_outside_it(host: Host) -> None:
    target = {"transport": "local", "path": str(host.tmp / "nixedgeX")}
    assert reasons(host, target=target, secrets={str(host.tmp / "nixedge" / "token"): "x"}) == []
