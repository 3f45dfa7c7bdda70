"""Tests written for the survivors of a second, fresh sample of the host engine's mutants
(docs/testing.md, "Mutation testing"), and of a run over every mutant of the functions
that sample showed weak: the local and ssh transports' less common paths (a timed-out
command, a port that never answers, a write failing after a rename or naming no file,
removals over ssh, a master never reopened), the exact lines of a failed restore or
rollback, a rollout's lists of hosts, owners and targets as checked, the manifest's owner
entry, and what a plan cleans, keeps and activates for. Real `LocalTransport`s on
tmp_path throughout; the ssh transport runs through a stand-in `ssh` that runs the remote
command here with sh.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from components.errors import ActivationError, HostError
from components.host import outcomes, rollout
from components.host.apply import apply
from components.host.local import LocalTransport
from components.host.manifest import MANIFEST, PENDING, manifest_field, manifest_host
from components.host.move import moved
from components.host.ownership import Owner, canonical_target, check_owner
from components.host.plan import Activation, Desired, Undo, dirs, make_plan
from components.host.props import UNKNOWN, HostProps
from components.host.provider_base import HostProvider
from components.host.prune import HostPruneProvider
from components.host.rollback import fail, restore_note
from components.host.target import check_target, location, make_transport
from components.host.transport import TEMP_PREFIX, CommandResult, FileWrite, TransportError
from tests import test_host_prune_provider as prune_helpers
from tests.conftest import closed_port
from tests.test_host_provider import Host
from tests.test_mutants_host_transport import FakeSsh, control_path

DEV = Owner("nixedge", "dev")

# -- the local transport ----------------------------------------------------------------------


def test_a_local_command_killed_after_its_timeout_says_so_after_what_it_printed(tmp_path: Path) -> None:
    t = LocalTransport()
    silent = t.run(["sleep", "5"], timeout=1)
    assert (silent.exit_code, silent.output) == (124, "\n(killed after 1 s)")
    # Bytes that are not UTF-8 are replaced, not a second failure.
    noisy = t.run(["sh", "-c", "printf 'a\\377b\\n'; sleep 5"], timeout=1)
    assert (noisy.exit_code, noisy.output) == (124, "a\ufffdb\n\n(killed after 1 s)")


def test_a_local_tcp_check_says_nothing_on_success_and_the_reason_on_refusal() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert LocalTransport().tcp_check("127.0.0.1", listener.getsockname()[1], 2) == CommandResult(0, "")
    assert LocalTransport().tcp_check("127.0.0.1", closed_port(), 2) == CommandResult(1, "Connection refused")


def test_a_local_tcp_check_to_a_port_that_never_answers_gives_up_after_its_timeout() -> None:
    """A listener whose queue is full drops new connections: no answer, no refusal."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        waiting = [socket.socket() for _ in range(3)]
        for s in waiting:
            s.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                s.connect(("127.0.0.1", port))
        time.sleep(0.2)
        started = time.monotonic()
        result = LocalTransport().tcp_check("127.0.0.1", port, 0.5)
        took = time.monotonic() - started
        for s in waiting:
            s.close()
    assert result == CommandResult(1, "timed out")
    assert took < 5


def test_a_local_write_failing_after_a_rename_names_the_failure_not_the_clean_up(tmp_path: Path) -> None:
    """The first file is renamed into place, the second cannot be (a directory holds its
    name): cleaning up the first temp file, already gone, must not hide that."""
    (tmp_path / "b.nix").mkdir()
    (tmp_path / "b.nix" / "keep").write_text("x")
    with pytest.raises(TransportError, match=r"^cannot write .*: Is a directory$"):
        LocalTransport().write_files(
            [FileWrite(str(tmp_path / "a.nix"), b"a"), FileWrite(str(tmp_path / "b.nix"), b"b")]
        )
    assert (tmp_path / "a.nix").read_bytes() == b"a"
    assert not [p for p in os.listdir(tmp_path) if p.startswith(TEMP_PREFIX)]


# -- where a target lands -----------------------------------------------------------------------


def test_a_target_without_transport_is_a_local_directory_on_localhost(tmp_path: Path) -> None:
    transport, root = make_transport({"path": str(tmp_path / "modules")})
    assert isinstance(transport, LocalTransport)
    assert transport.label == "localhost"
    assert root == str(tmp_path / "modules")
    assert LocalTransport().label == "localhost"


def test_an_ssh_target_directory_ending_in_x_is_a_plain_path() -> None:
    target = {"transport": "ssh", "destination": "root@seminar", "path": "/X"}
    assert check_target(target) == []
    assert check_target({**target, "path": "/X/"}) == []


# -- the ssh transport ------------------------------------------------------------------------


@pytest.fixture
def ssh(tmp_path: Path) -> FakeSsh:
    """A stand-in `ssh` that runs the remote command here, with sh (see FAKE_SSH)."""
    return FakeSsh.install(tmp_path)


def test_ssh_remove_files_removes_exactly_the_files_named(ssh: FakeSsh, tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    for name in ("a.nix", "b.nix", "c.nix"):
        (tmp_path / "d" / name).write_text(name)
    t = ssh.transport()
    t.remove_files([])
    assert ssh.calls() == []  # nothing to remove: no connection
    t.remove_files([str(tmp_path / "d" / "a.nix"), str(tmp_path / "d" / "b.nix"), str(tmp_path / "d" / "gone")])
    assert sorted(os.listdir(tmp_path / "d")) == ["c.nix"]
    t.close()


def test_ssh_remove_empty_dirs_removes_the_empty_ones_deepest_first(ssh: FakeSsh, tmp_path: Path) -> None:
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    t = ssh.transport()
    t.remove_empty_dirs([])
    assert ssh.calls() == []
    t.remove_empty_dirs(
        [str(tmp_path / "a"), str(tmp_path / "a" / "b" / "c"), str(tmp_path / "a" / "b"), str(tmp_path / "full")]
    )
    assert sorted(os.listdir(tmp_path)) == ["full", "ssh-standin"]
    with pytest.raises(TransportError):
        t.remove_empty_dirs(["relative/dir"])
    t.close()


def test_closing_sends_no_exit_request_for_a_master_that_was_never_opened_again(ssh: FakeSsh) -> None:
    """After one `close`, a command that cannot even start (a NUL in an argument) opens no
    master; the next `close` has none to end."""
    t = ssh.transport()
    t.run(["true"], timeout=30)
    t.close()
    with pytest.raises(TransportError, match="null"):
        t.run(["echo", "a\0b"], timeout=30)
    t.close()
    assert [argv for argv in ssh.calls() if "-O" in argv and "exit" in argv].__len__() == 1


# -- who owns a directory ---------------------------------------------------------------------


def test_a_relative_local_target_is_canonical_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert canonical_target({"path": ".dev-host/"}) == f"local:{tmp_path}/.dev-host"
    assert canonical_target({"path": "./.dev-host"}) == f"local:{tmp_path}/.dev-host"


def test_adopting_a_manifest_without_owner_says_so_in_one_line() -> None:
    manifest = b'{"generator": "nixedge", "host": "seminar", "files": {}}\n'
    assert check_owner(manifest, DEV, {"path": "/etc/nixos/nixedge"}, "seminar") == (
        "seminar: adopted the module directory local:/etc/nixos/nixedge "
        "(its manifest, written by an older nixedge, named no owner)"
    )


# -- what a plan writes, cleans and keeps --------------------------------------------------------

ROOT = "/etc/nixos/nixedge"


def desired(**over: object) -> Desired:
    base: dict[str, object] = {
        "host": "seminar",
        "root": ROOT,
        "files": {"default.nix": "{ imports = [ ./containers/a.nix ]; }\n", "containers/a.nix": "{ }\n"},
        "activation": Activation(("activate",), ("rollback",)),
    }
    base.update(over)
    return Desired(**base)  # type: ignore[arg-type]


def test_the_manifest_records_the_module_directory_as_owner_target_without_a_target() -> None:
    plan = make_plan(desired(owner=DEV), (), (), {})
    manifest = next(w.content for w in plan.writes if w.path == f"{ROOT}/{MANIFEST}")
    assert manifest_field(manifest, "owner") == {"project": "nixedge", "stack": "dev", "target": f"local:{ROOT}"}


def test_a_foreign_file_is_refused_with_the_whole_advice() -> None:
    before = {f"{ROOT}/containers/a.nix": b"someone else's\n"}
    with pytest.raises(HostError) as caught:
        make_plan(desired(), (), (), before)
    assert str(caught.value) == (
        f"Refusing to overwrite containers/a.nix in {ROOT} on seminar: nixedge did not write it "
        "(not in its manifest). Move it away, or point host.target.path at a directory of "
        "nixedge's own; nothing was changed."
    )


def test_a_leaving_module_gone_from_the_host_or_not_text_does_not_stop_the_next_one_from_staying() -> None:
    before = {f"{ROOT}/b-old.nix": b"\xff\xfe", f"{ROOT}/c-old.nix": b"{ }\n"}
    plan = make_plan(desired(retain_removed=True), ["a-gone.nix", "b-old.nix", "c-old.nix"], (), before)
    assert plan.retained == ("c-old.nix",)
    assert plan.removed == ("b-old.nix",)


def test_an_index_that_is_not_utf8_on_the_host_is_compared_and_rewritten() -> None:
    d = desired()
    before = {
        f"{ROOT}/default.nix": b"{ imports = [ ./containers/a.nix ]; }\xff\n",
        f"{ROOT}/containers/a.nix": b"{ }\n",
    }
    plan = make_plan(d, ["default.nix", "containers/a.nix"], (), before)
    assert plan.changed == ("default.nix",)
    assert plan.activate


def test_dirs_are_the_parents_of_the_paths_once_each_sorted() -> None:
    assert dirs(["/a/b/c.nix", "/a/d.nix", "/a/b/e.nix"]) == ["/a", "/a/b"]
    assert dirs([]) == []


def test_an_update_cleans_leftover_temp_files_beside_a_module_already_in_place(tmp_path: Path) -> None:
    """A module already identical on the host (adopted: nothing writes it now) and its
    directory: a temp file an interrupted run left there goes too."""
    root = tmp_path / "nixedge"
    (root / "containers").mkdir(parents=True)
    (root / "containers" / "a.nix").write_text("{ }\n")
    (root / "containers" / f"{TEMP_PREFIX}1234.0").write_text("half")
    report = apply(LocalTransport(), desired(root=str(root), activation=Activation()), (), ())
    assert report.changed == ["default.nix"]
    assert sorted(os.listdir(root / "containers")) == ["a.nix"]


# -- a failed restore or rollback ---------------------------------------------------------------


class RefusingTransport(LocalTransport):
    """A real local transport that cannot write the paths ending in one of `refused`."""

    def __init__(self, refused: Sequence[str]) -> None:
        super().__init__()
        self.refused = tuple(refused)

    def write_files(self, files: Sequence[FileWrite]) -> None:
        if any(f.path.endswith(self.refused) for f in files):
            raise TransportError("read-only file system")
        super().write_files(files)


def test_a_restore_after_a_failed_write_says_whether_it_worked(tmp_path: Path) -> None:
    d = desired(root=str(tmp_path))
    undo = Undo({str(tmp_path / "a.nix"): b"old"}, (str(tmp_path / "a.nix"),), frozenset())
    assert restore_note(RefusingTransport(["a.nix"]), d, undo) == (
        "COULD NOT RESTORE the previous modules either (read-only file system); seminar may have a "
        "mix of previous and new files (each one complete); run `scripts/pulumi up` again"
    )
    assert restore_note(LocalTransport(), d, undo) == "restored the previous modules; nothing was activated"
    assert (tmp_path / "a.nix").read_bytes() == b"old"


def failure(t: LocalTransport, root: Path, activation: Activation, output: str = "") -> list[str]:
    """The lines of the error `fail` raises after a failed activation in `root`."""
    d = desired(root=str(root), activation=activation)
    undo = Undo({str(root / "a.nix"): b"old"}, (str(root / "a.nix"),), frozenset())
    with pytest.raises(ActivationError) as caught:
        fail(t, d, undo, "`activate` exited with status 1", output)
    return str(caught.value).splitlines()


NO_ROLLBACK = "no rollback command is configured, so the host may still run what the failed activation left behind."


def test_a_failure_without_rollback_command_says_whether_the_files_were_restored(tmp_path: Path) -> None:
    assert failure(LocalTransport(), tmp_path, Activation(("activate",))) == [
        "Activation of seminar failed: `activate` exited with status 1.",
        f"Restored the previous modules; {NO_ROLLBACK}",
    ]
    assert failure(RefusingTransport(["a.nix"]), tmp_path, Activation(("activate",))) == [
        "Activation of seminar failed: `activate` exited with status 1.",
        (
            "COULD NOT RESTORE the previous modules (read-only file system): seminar has the new "
            "modules on disk (each file complete)."
        ),
        NO_ROLLBACK,
    ]


def test_a_rollback_after_a_failed_restore_says_the_files_are_the_new_ones(tmp_path: Path) -> None:
    lines = failure(RefusingTransport(["a.nix"]), tmp_path, Activation(("activate",), ("true",)))
    assert lines[-1] == "Rolled back (`true`), but the files on disk are the new ones."


def test_the_output_of_a_failed_activation_is_quoted_line_by_line_indented(tmp_path: Path) -> None:
    lines = failure(LocalTransport(), tmp_path, Activation(("activate",), ("true",)), "building\nerror: x\n")
    assert lines[-3:] == ["Output of `activate` (last 40 lines):", "    building", "    error: x"]


def test_a_failed_rollback_whose_marker_cannot_be_written_does_not_claim_it(tmp_path: Path) -> None:
    d = desired(root=str(tmp_path), activation=Activation(("true",), ("false",)))
    undo = Undo({str(tmp_path / "a.nix"): b"old"}, (str(tmp_path / "a.nix"),), frozenset())
    with pytest.raises(ActivationError) as caught:
        fail(RefusingTransport([PENDING]), d, undo, "`true` exited with status 1", "")
    assert (
        str(caught.value)
        .splitlines()[-1]
        .endswith(
            "repair it on the host (e.g. `nixos-rebuild switch --rollback` there) before the next `scripts/pulumi up`."
        )
    )
    assert "pending-activation marker" not in str(caught.value)
    assert (tmp_path / "a.nix").read_bytes() == b"old"
    assert not (tmp_path / PENDING).exists()


# -- the message of a host failing among others --------------------------------------------------


def test_the_note_of_a_failure_lists_several_hosts_per_line_comma_separated() -> None:
    plan = [["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"]]
    for host in ("alpha", "beta", "gamma", "delta", "epsilon"):
        rollout.started(host)
    rollout.note("alpha", plan, ActivationError("x"))
    rollout.note("beta", plan, ActivationError("x"))
    assert rollout.note("gamma", plan, HostError("x")).splitlines() == [
        "Rollout stopped in batch 1 of 1: gamma failed.",
        "  deployed by this update: none",
        "  not touched by this update: zeta, eta",
        "  still deploying (their own result follows): delta, epsilon",
        "  rolled back: alpha, beta",
        "  failed: gamma",
    ]


def test_a_failure_outside_a_rollout_names_the_hosts_that_stay_deployed() -> None:
    outcomes.deployed("beta")
    outcomes.deployed("alpha")
    assert outcomes.others_note("gamma") == (
        "Only gamma was rolled back: this update deployed alpha, beta before it failed, "
        "and they stay deployed (separate resources)."
    )


# -- the manifest, read back -----------------------------------------------------------------


def test_a_manifest_that_is_json_but_not_an_object_has_no_fields() -> None:
    for data in (b"[1, 2]\n", b'"nixedge"\n', b"5\n"):
        assert manifest_field(data, "host") is None
        assert manifest_host(data) is None
    assert manifest_field(b'{"host": "seminar"}', "host") == "seminar"


def test_a_manifest_whose_host_is_not_a_string_names_no_host() -> None:
    assert manifest_host(b'{"host": 5}') is None
    assert manifest_host(b'{"host": ["seminar"]}') is None
    assert manifest_host(b'{"host": "seminar"}') == "seminar"


# -- moves and the base provider --------------------------------------------------------------


def test_naming_the_local_transport_or_leaving_it_out_is_no_move() -> None:
    assert not moved({"path": "/srv/nixedge"}, {"transport": "local", "path": "/srv/nixedge"})
    assert not moved({"transport": "local", "path": "/srv/nixedge"}, {"path": "/srv/nixedge"})
    assert moved({"path": "/srv/nixedge"}, {"transport": "ssh", "path": "/srv/nixedge", "destination": "h"})
    assert moved({"path": "/srv/nixedge"}, {"path": "/srv/other"})


def test_an_input_not_known_yet_is_a_change_even_against_the_same_placeholder() -> None:
    """diff assumes an input not known during a preview changes, whatever the old output."""
    olds = {"host": "seminar", "files": UNKNOWN}
    assert HostProvider.partial_diff(olds, dict(olds), ["host", "files"]).changes is True
    assert HostProvider.partial_diff(olds, {"host": "seminar", "files": UNKNOWN}, ["host"]).changes is False


def test_the_prune_provider_reads_its_state_back_unchanged_under_its_id() -> None:
    props = {"host": "seminar", "keep": {"default.nix": True}}
    result = HostPruneProvider().read("seminar:prune", props)
    assert (result.id, result.outs) == ("seminar:prune", props)


# -- the prune step's diff and update ---------------------------------------------------------


def test_a_prune_with_leaving_not_known_yet_changes_only_if_modules_were_leaving() -> None:
    olds = {"host": "seminar", "target": {"path": "/srv/x"}, "keep": {"default.nix": True}}
    news = {**olds, "leaving": UNKNOWN}
    provider = HostPruneProvider()
    assert provider.diff("p", {**olds, "leaving": {"containers/a.nix": {}}}, news).changes is True
    assert provider.diff("p", {**olds, "leaving": {}}, news).changes is False


def test_a_prune_whose_keep_is_unchanged_still_removes_modules_the_host_step_kept_back(tmp_path: Path) -> None:
    """An earlier prune that failed or was skipped recorded the smaller `keep` already; the
    host step keeping a module back (`leaving`) is what makes this one remove it."""
    host = Host(tmp_path)
    mods = host.provider.create(prune_helpers.modules(host, "forgejo", "uptime")).outs or {}
    provider, props = prune_helpers.pruner(host, "forgejo", "uptime")
    olds = provider.create(props).outs or {}
    host.provider.update("id", mods, prune_helpers.modules(host, "forgejo"))
    assert (host.root / "containers/uptime.nix").exists()
    _, props = prune_helpers.pruner(host, "forgejo")
    olds = {**olds, "keep": props["keep"]}
    outs = provider.update("prune", olds, {**props, "leaving": {"containers/uptime.nix": {}}}).outs or {}
    assert (outs["removed"], outs["path"]) == (["containers/uptime.nix"], str(host.root))
    assert not (host.root / "containers/uptime.nix").exists()


# -- the activation settings, read ---------------------------------------------------------


def test_the_activation_timeout_given_is_the_one_the_engine_uses() -> None:
    props = {"host": "seminar", "target": {"path": "/srv/x"}, "activation_config": {"command": ["x"], "timeout": 5}}
    assert HostProps.read(props).activation == Activation(("x",), (), 5.0)
    assert HostProps.read({**props, "activation_config": {"command": ["x"]}}).activation.timeout == 3600.0


# -- checks and messages of the plan and the target --------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        {"project": "", "stack": "dev"},
        {"project": "nixedge", "stack": ""},
        {"project": 5, "stack": "dev"},
        {"project": "nixedge", "stack": 5},
        {"project": "nixedge"},
        ["nixedge", "dev"],
    ],
)
def test_an_owner_needs_a_project_and_a_stack_both_non_empty_strings(value: object) -> None:
    assert Owner.from_props(value) is None
    assert Owner.from_props({"project": "nixedge", "stack": "dev"}) == DEV


def test_each_problem_of_a_target_is_said_exactly() -> None:
    assert check_target("root@seminar") == ["must be a mapping with 'transport' and 'path'"]
    assert check_target({"transport": "scp", "path": "/srv/x"}) == ["transport must be 'local' or 'ssh' (got: 'scp')"]
    assert check_target({"transport": "local", "path": 5}) == [
        "path must be the module directory (e.g. '/etc/nixos/nixedge')"
    ]
    assert check_target({"transport": "ssh", "destination": "root@seminar", "path": "srv/x"}) == [
        "path must be an absolute plain path on the host (got: 'srv/x')"
    ]


def test_several_foreign_files_are_refused_together() -> None:
    before = {f"{ROOT}/containers/a.nix": b"theirs\n", f"{ROOT}/default.nix": b"theirs too\n"}
    with pytest.raises(HostError) as caught:
        make_plan(desired(), (), (), before)
    assert str(caught.value) == (
        f"Refusing to overwrite containers/a.nix, default.nix in {ROOT} on seminar: nixedge did not write "
        "them (not in its manifest). Move them away, or point host.target.path at a directory of "
        "nixedge's own; nothing was changed."
    )


def test_a_new_index_module_alone_activates() -> None:
    plan = make_plan(desired(files={"default.nix": "{ imports = [ ]; }\n"}), (), (), {})
    assert plan.changed == ("default.nix",)
    assert plan.activate


def test_an_index_whose_comments_alone_change_even_with_two_hashes_does_not_activate() -> None:
    files = {"default.nix": "{\n  imports = [\n    ./containers/a.nix # kept\n  ];\n}\n", "containers/a.nix": "{ }\n"}
    before = {
        f"{ROOT}/default.nix": b"{\n  imports = [\n    ./containers/a.nix # left # the stack\n  ];\n}\n",
        f"{ROOT}/containers/a.nix": b"{ }\n",
    }
    plan = make_plan(desired(files=files), ["default.nix", "containers/a.nix"], (), before)
    assert plan.changed == ("default.nix",)
    assert not plan.activate


def test_a_directory_of_another_stack_is_refused_with_the_way_to_hand_it_over() -> None:
    other = b'{"owner": {"project": "nixedge", "stack": "other"}, "host": "seminar", "files": {}}\n'
    with pytest.raises(HostError) as caught:
        check_owner(other, DEV, {"path": ROOT}, "seminar")
    assert str(caught.value) == (
        f"Refusing to touch local:{ROOT} for seminar: it belongs to stack 'other' (project nixedge), "
        "which deployed its modules there; nothing was changed. Point host.target.path at a directory "
        "of this stack's own, or, if other no longer deploys there, hand the directory over with "
        "`.venv/bin/nixedge handover --stack dev` (its modules become this stack's, and the next `up` replaces them)."
    )
    # Without an owner of its own (no check asked), nothing is refused or adopted.
    assert check_owner(other, None, {"path": ROOT}, "seminar") is None
    assert check_owner(b'{"files": {}}', None, {"path": ROOT}, "seminar") is None


# -- more of the transports -----------------------------------------------------------------------


def test_a_local_command_runs_where_it_was_started_when_its_directory_is_missing(tmp_path: Path) -> None:
    result = LocalTransport().run(["sh", "-c", "echo ran"], 10, cwd=str(tmp_path / "missing"))
    assert result == CommandResult(0, "ran\n")
    assert LocalTransport().run(["pwd"], 10, cwd=str(tmp_path)) == CommandResult(0, f"{tmp_path}\n")


def test_a_local_write_names_the_path_the_failure_is_about(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(TransportError) as caught:
        LocalTransport().write_files([FileWrite(str(tmp_path / "file.txt" / "sub" / "a.nix"), b"a")])
    assert str(caught.value) == f"cannot write {tmp_path}/file.txt/sub: Not a directory"
    # No file named by the OS (a NUL in the name): the file being written is named.
    bad = str(tmp_path / "a\0b.nix")
    with pytest.raises(TransportError) as caught:
        LocalTransport().write_files([FileWrite(bad, b"a")])
    assert str(caught.value) == f"cannot write {bad}: embedded null byte"
    assert sorted(os.listdir(tmp_path)) == ["file.txt"]


def test_an_ssh_target_without_a_client_named_runs_ssh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no ssh here
    transport, root = make_transport({"transport": "ssh", "destination": "root@seminar", "path": "/srv/x"})
    assert root == "/srv/x"
    with pytest.raises(TransportError) as caught:
        transport.run(["true"], 10)
    assert str(caught.value) == "cannot run 'ssh': not found"
    transport.close()


def test_after_close_the_next_command_opens_a_fresh_private_socket_directory(ssh: FakeSsh) -> None:
    t = ssh.transport()
    t.run(["true"], timeout=30)
    t.close()
    t.run(["true"], timeout=30)
    first, second = (control_path(argv) for argv in ssh.calls() if "-O" not in argv)
    assert first != second
    assert os.path.basename(os.path.dirname(second)).startswith("nixedge-ssh-")
    assert os.path.isdir(os.path.dirname(second))
    t.close()
    assert not os.path.exists(os.path.dirname(second))


@pytest.mark.parametrize("path", ["/etc/nixos/nixedge/", "/etc/nixos/nixedge//", "/etc/nixos/nixedge"])
def test_an_ssh_target_path_with_a_trailing_slash_opens_that_directory(path: str) -> None:
    target = {"transport": "ssh", "destination": "root@seminar", "path": path}
    assert check_target(target) == []
    _, root = make_transport(target)
    assert root == "/etc/nixos/nixedge"
    assert location(target, root) == "root@seminar:/etc/nixos/nixedge"


# -- final sample: owners, plans, prune checks, targets and the ssh transport -------------------


def test_an_owner_needs_both_project_and_stack_as_strings() -> None:
    # Kills host.ownership.Owner.from_props #11.
    assert Owner.from_props({"project": "nixedge", "stack": 5}) is None
    assert Owner.from_props({"project": 5, "stack": "dev"}) is None
    assert Owner.from_props({"project": "nixedge", "stack": "dev"}) == DEV


def test_adopting_a_manifest_without_owner_names_the_root_when_no_target_is_given() -> None:
    # Kills host.plan.make_plan #25.
    before = {f"{ROOT}/{MANIFEST}": b'{"host": "seminar", "files": []}\n'}
    plan = make_plan(desired(owner=DEV), (), (), before)
    assert plan.adopted == (
        f"seminar: adopted the module directory local:{ROOT} "
        "(its manifest, written by an older nixedge, named no owner)"
    )


def test_a_prune_with_a_target_unknown_during_preview_passes_its_check() -> None:
    # Kills host.prune.HostPruneProvider.check #16, #17.
    props = {
        "host": "seminar",
        "target": UNKNOWN,
        "keep": {"default.nix": True},
        "activation_config": {"command": ["true"], "rollback": ["true"]},
    }
    result = HostPruneProvider().check({}, props)
    assert [f.reason for f in result.failures] == []


def test_a_target_without_transport_is_a_local_directory(tmp_path: Path) -> None:
    # Kills host.target.make_transport #3.
    transport, root = make_transport({"path": str(tmp_path)})
    assert isinstance(transport, LocalTransport)
    assert root == str(tmp_path)
    assert location({"path": str(tmp_path)}, root) == str(tmp_path)


def test_after_a_command_closing_the_ssh_transport_ends_its_master(ssh: FakeSsh) -> None:
    # Kills host.ssh.SshTransport.run #22.
    t = ssh.transport()
    assert t.run(["true"], timeout=30).exit_code == 0
    t.close()
    assert ssh.calls()[-1][-3:] == ["-O", "exit", "root@seminar"]


def test_a_command_the_ssh_client_cannot_be_given_is_refused_with_the_reason(ssh: FakeSsh) -> None:
    # Kills host.ssh.SshTransport.run #18.
    t = ssh.transport()
    with pytest.raises(TransportError) as caught:
        t.run(["echo", "a\0b"], timeout=30)
    assert str(caught.value) == f"cannot run {str(ssh.command)!r} for root@seminar: embedded null byte"
    t.close()


def test_an_ssh_refusal_shows_its_last_ten_lines(ssh: FakeSsh) -> None:
    # Kills host.ssh.SshTransport._ssh #35.
    ssh.refuse(b"".join(b"line %d\n" % i for i in range(1, 13)))
    t = ssh.transport()
    with pytest.raises(TransportError) as caught:
        t.remove_empty_dirs(["/srv/x/a"])
    message = str(caught.value)
    assert message.startswith("ssh to root@seminar failed: line 3\n")
    assert "line 2\n" not in message
    assert message.endswith("line 12")
    t.close()


def test_a_failed_file_operation_shows_undecodable_output_replaced(ssh: FakeSsh) -> None:
    # Kills host.ssh.SshTransport._script #23.
    Path(f"{ssh.command}.banner").write_bytes(b"\xff motd\n")
    ssh.remote_command("head", "exit 1")
    t = ssh.transport()
    with pytest.raises(TransportError) as caught:
        t.remove_empty_dirs(["/srv/x/a"])
    assert str(caught.value) == "file operation on root@seminar failed (exit 3): \ufffd motd"
    t.close()


def test_removing_empty_directories_over_ssh_keeps_those_with_files(ssh: FakeSsh, tmp_path: Path) -> None:
    # Kills host.ssh.SshTransport.remove_empty_dirs #6.
    (tmp_path / "mods" / "a" / "b").mkdir(parents=True)
    (tmp_path / "mods" / "c").mkdir()
    (tmp_path / "mods" / "c" / "keep.nix").write_text("{ }\n")
    t = ssh.transport()
    t.remove_empty_dirs([str(tmp_path / "mods" / "a" / "b"), str(tmp_path / "mods" / "c")])
    t.close()
    assert not (tmp_path / "mods" / "a" / "b").exists()
    assert sorted(os.listdir(tmp_path / "mods" / "c")) == ["keep.nix"]
