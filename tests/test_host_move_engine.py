"""Moving `host.target` under the real Pulumi engine (Automation API, local file backend):

- a move writes and activates the new place while the old one still holds its modules
  (the activation records what each place holds when it runs), then removes from the
  old place exactly what its manifest owns; a failed activation there puts the new place
  back and leaves the old one byte for byte, and the next `up` completes the move;
- a target that cannot be written fails the `up` with nixedge's message (the host and
  the path named, no Python traceback) and leaves the deployed modules byte for byte,
  manifest included: a path with a NUL (refused by the provider's check), a path under
  /proc, and a read-only file system (a read-only tmpfs mounted in a private mount
  namespace that the CLI and its provider run in: as root, a chmod stops no write);
  putting the target back is then a no-op;
- a move to another host (local to the loopback OpenSSH server) activates there first,
  an unwritable path there keeps the old place, and a secret both states list stays:
  /etc/machine-id shows that the two are one machine;
- with the prune step, the host is activated once, at the new place.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from pulumi import automation as auto

from components.host.manifest import MANIFEST
from tests.conftest import PROJECT, VENV_BIN, Engine, HostSpec
from tests.sshd import SshServer

pytestmark = pytest.mark.engine

SECRET = "cf-tunnel-token-move-51c0"
FILES = {
    "default.nix": "{\n  imports = [ ./containers/forgejo.nix ];\n}\n",
    "containers/forgejo.nix": "{\n  containers.forgejo.autoStart = true;\n}\n",
}


class Move:
    """A host deployed at `old`, and an activation that logs, each time it runs, whether
    the old and the new place hold a default.nix."""

    def __init__(self, engine: Engine, tmp_path: Path, pulumi: auto.PulumiCommand | None = None) -> None:
        self.old = tmp_path / "old" / "nixedge"
        self.new = tmp_path / "new" / "nixedge"
        self.secret = tmp_path / "secrets" / "tunnel-token"
        self.log = tmp_path / "activations.log"
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        self.spec = HostSpec(
            target={"transport": "local", "path": str(self.old)},
            files=dict(FILES),
            secrets={str(self.secret): SECRET},
        )
        self.activation(exit_code=0)
        self.stack = _stack(engine, self.spec, pulumi)

    def activation(self, exit_code: int) -> None:
        activate, rollback = self.bin / "activate.sh", self.bin / "rollback.sh"
        activate.write_text(
            "#!/bin/sh\n"
            f'o=absent; [ -f "{self.old}/default.nix" ] && o=present\n'
            f'n=absent; [ -f "{self.new}/default.nix" ] && n=present\n'
            f'echo "activate:old=$o,new=$n" >> "{self.log}"\n'
            f"exit {exit_code}\n"
        )
        rollback.write_text(f'#!/bin/sh\necho rollback >> "{self.log}"\n')
        for script in (activate, rollback):
            script.chmod(0o755)
        self.spec.activation = {"command": [str(activate)], "rollback": [str(rollback)]}

    def activations(self) -> list[str]:
        return self.log.read_text().split() if self.log.exists() else []


def _stack(engine: Engine, spec: HostSpec, pulumi: auto.PulumiCommand | None) -> auto.Stack:
    if pulumi is None:
        return engine.stack(spec.program())
    return auto.create_or_select_stack(
        stack_name="test",
        project_name=PROJECT,
        program=spec.program(),
        opts=auto.LocalWorkspaceOptions(
            work_dir=str(engine.work_dir),
            env_vars=engine.env,
            pulumi_command=pulumi,
            project_settings=auto.ProjectSettings(name=PROJECT, runtime="python", main=str(engine.work_dir)),
        ),
    )


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below `root`, byte for byte."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def changes(result: auto.UpResult) -> dict[str, int]:
    return {str(getattr(k, "value", k)): v for k, v in (result.summary.resource_changes or {}).items()}


def test_move_is_create_before_delete(engine: Engine, tmp_path: Path) -> None:
    move = Move(engine, tmp_path)
    move.stack.up()
    (move.old / "hardware-configuration.nix").write_text("{ }\n")  # not nixedge's
    deployed = snapshot(move.old)
    assert set(deployed) == {*FILES, MANIFEST, "hardware-configuration.nix"}

    move.spec.target = {"transport": "local", "path": str(move.new)}
    move.activation(exit_code=1)
    with pytest.raises(auto.CommandError) as err:
        move.stack.up()
    assert "Activation of seminar failed:" in str(err.value)
    assert "Traceback" not in str(err.value)
    assert snapshot(move.old) == deployed, "a failed move must leave the old place as it was"
    assert snapshot(move.new) == {}, "the new place is put back (emptied)"
    assert move.secret.read_text() == SECRET

    move.activation(exit_code=0)
    up = move.stack.up()
    assert changes(up) == {"same": 1, "update": 1}
    assert up.outputs["path"].value == str(move.new)
    # The deploy, the failed move and the move: each time, the new place is activated
    # while the old one still holds its modules.
    assert move.activations() == [
        "activate:old=present,new=absent",
        "activate:old=present,new=present",
        "rollback",
        "activate:old=present,new=present",
    ]
    assert snapshot(move.old) == {"hardware-configuration.nix": b"{ }\n"}, "only what the manifest owns goes"
    assert {k: v for k, v in snapshot(move.new).items() if k != MANIFEST} == {k: v.encode() for k, v in FILES.items()}
    assert move.secret.read_text() == SECRET, "the secret both states list stays on the same host"
    assert changes(move.stack.up()) == {"same": 2}


def _read_only_pulumi(tmp_path: Path, mount_point: Path) -> auto.PulumiCommand:
    """The CLI in a private mount namespace with a read-only tmpfs on `mount_point`
    (the provider it starts runs there too); outside, the directory stays writable."""
    mount_point.mkdir(parents=True)
    root = tmp_path / "ro-cli"
    (root / "bin").mkdir(parents=True)
    wrapper = root / "bin" / "pulumi"
    unshare = shutil.which("unshare")
    assert unshare, "unshare (util-linux) is needed for the read-only mount"
    wrapper.write_text(
        "#!/bin/sh\n"
        f"exec {unshare} -m --propagation private sh -c "
        '\'mount -t tmpfs -o ro nixedge-ro "$0" && exec "$@"\' '
        f'"{mount_point}" "{VENV_BIN / "pulumi"}" "$@"\n'
    )
    wrapper.chmod(0o755)
    return auto.PulumiCommand(root=str(root), skip_version_check=True)


Where = Callable[[Path], str]


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (lambda tmp: f"{tmp}/new\x00/nixedge", "target: path must not contain a NUL byte (got: '{path}')"),
        (lambda _tmp: "/proc/nixedge-move-test/nixedge", "Writing modules to seminar failed in {path}: cannot write"),
        (lambda tmp: f"{tmp}/read-only/nixedge", "Writing modules to seminar failed in {path}: cannot write"),
    ],
    ids=["nul", "under-proc", "read-only-mount"],
)
def test_unwritable_target_fails_with_our_message_and_keeps_the_modules(
    engine: Engine, tmp_path: Path, request: pytest.FixtureRequest, where: Where, message: str
) -> None:
    read_only = request.node.callspec.id == "read-only-mount"
    pulumi = _read_only_pulumi(tmp_path, tmp_path / "read-only") if read_only else None
    move = Move(engine, tmp_path, pulumi)
    move.stack.up()
    deployed = snapshot(move.old)
    path = where(tmp_path)

    move.spec.target = {"transport": "local", "path": path}
    with pytest.raises(auto.CommandError) as err:
        move.stack.up()
    output = str(err.value)
    assert message.format(path=repr(path)[1:-1] if "\x00" in path else path) in output, output
    if read_only:
        assert "Read-only file system" in output, output
    assert "Traceback" not in output and "ValueError" not in output, output
    assert snapshot(move.old) == deployed, "the deployed modules must stay byte for byte"
    assert move.secret.read_text() == SECRET
    assert move.activations() == ["activate:old=present,new=absent"], "nothing activated after the deploy"

    move.spec.target = {"transport": "local", "path": str(move.old)}
    assert changes(move.stack.up()) == {"same": 2}, "the state still names the old place"


def test_move_with_the_prune_step_activates_the_new_place_once(engine: Engine, tmp_path: Path) -> None:
    """`HostPrune` knows the target too: after the move it prunes at the new place,
    where nothing is left to remove, so the host is activated once, by the host step."""
    from tests.test_host_prune_engine import Site

    site = Site(engine, tmp_path)
    site.stack.up()
    old = site.root
    site.log.unlink()
    site.root = tmp_path / "moved"
    up = site.stack.up()
    assert changes(up) == {"same": 1, "update": 3}
    assert site.log.read_text().splitlines() == [
        "activate forgejo,uptime",
        "edge forgejo.ncaq.net,uptime.ncaq.net (host runs forgejo,uptime)",
    ]
    assert not old.exists(), "the old place held only nixedge's files"
    assert set(snapshot(site.root)) == {"default.nix", "containers/forgejo.nix", "containers/uptime.nix", MANIFEST}
    assert changes(site.stack.up()) == {"same": 4}


def test_move_to_an_ssh_host(engine: Engine, tmp_path: Path, sshd: SshServer) -> None:
    move = Move(engine, tmp_path)
    move.stack.up()
    deployed = snapshot(move.old)

    move.spec.target = sshd.target("/proc/nixedge-move-test/nixedge")
    with pytest.raises(auto.CommandError) as err:
        move.stack.up()
    output = str(err.value)
    assert "Writing modules to seminar failed in /proc/nixedge-move-test/nixedge: " in output, output
    assert f"file operation on {sshd.destination} failed" in output and "Traceback" not in output, output
    assert snapshot(move.old) == deployed

    move.spec.target = sshd.target(str(move.new))
    up = move.stack.up()
    assert up.outputs["path"].value == f"{sshd.destination}:{move.new}"
    assert move.activations() == ["activate:old=present,new=absent", "activate:old=present,new=present"]
    assert not move.old.exists()
    assert set(snapshot(move.new)) == {*FILES, MANIFEST}
    assert move.secret.read_text() == SECRET, "one machine (the same /etc/machine-id): the secret stays"
    assert changes(move.stack.up()) == {"same": 2}
