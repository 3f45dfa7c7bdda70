"""What `up` prints, under the real engine with a copy of the dev stack: what this update
did (the modules written, the activation and its last lines), nothing stale when nothing
changed, no hashes, a map diff (not list-index churn) when a container goes, and no
output shown as removed when the activation fails."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_dev_stack import TARGET, _copy_repo, pulumi

pytestmark = [pytest.mark.engine, pytest.mark.slow]

UPTIME = "      uptime:\n"


SHIMS = ("pulumi-resource-pulumi-python", "pulumi-language-python", "nixedge")


def own_venv(root: Path) -> None:
    """The copy's .venv as a directory of links to the shared one, with the shims copied:
    they find their checkout with `readlink -f`, which follows a linked .venv back to the
    checkout it belongs to, so the engine's provider would run that checkout's code (a
    git worktree's tests would test the main checkout's provider)."""
    shared = (root / ".venv").resolve()
    (root / ".venv").unlink()
    (root / ".venv/bin").mkdir(parents=True)
    for entry in shared.iterdir():
        if entry.name != "bin":
            (root / ".venv" / entry.name).symlink_to(entry)
    for entry in (shared / "bin").iterdir():
        if entry.name in SHIMS:
            shutil.copy2(entry, root / ".venv/bin" / entry.name)
        elif entry.name == "pulumi":  # the CLI runs the plugins beside its own resolved path
            os.link(entry.resolve(), root / ".venv/bin" / entry.name)
        else:
            (root / ".venv/bin" / entry.name).symlink_to(entry)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("output") / "nixedge"
    root.mkdir()
    _copy_repo(root)
    own_venv(root)
    yield root


def test_up_says_what_it_did_and_nothing_stale(project: Path) -> None:
    first = pulumi(project, "up", "--yes").stdout
    assert "devhost: wrote 5 module(s) (cloudflared.nix, containers/forgejo.nix" in first, first
    assert "nothing activated (activation mode none)" in first
    assert not re.search(r"\b[0-9a-f]{64}\b", first), first  # no sha256 lists

    again = pulumi(project, "up", "--yes").stdout
    assert "wrote" not in again and "module(s)" not in again, again
    # Before, the outputs kept the last run's activation: `changed: [cloudflared.nix, ...]`.
    assert not re.search(r"^\s*(activation|changed)\s*:", again, re.MULTILINE), again
    assert not re.search(r"\b[0-9a-f]{64}\b", again), again


def test_a_refresh_keeps_the_owner_out_of_the_next_preview(project: Path) -> None:
    """troubleshooting's drift steps refresh; the preview after it showed `+ owner`."""
    pulumi(project, "up", "--yes")
    with (project / TARGET / "network.nix").open("a") as edited:
        edited.write("# a hand edit\n")
    pulumi(project, "refresh", "--yes")
    preview = pulumi(project, "preview", "--diff").stdout
    pulumi(project, "up", "--yes")  # the file back, for the tests after this one
    assert "- # a hand edit" in preview, preview
    assert not re.search(r"^\s*[+~-]\s*owner\s*:", preview, re.MULTILINE), preview


def test_removing_a_container_shows_the_module_not_index_churn(project: Path) -> None:
    stack_file = project / "stacks/Pulumi.dev.yaml"
    text = stack_file.read_text()
    cut = text[text.index(UPTIME) :]
    stack_file.write_text(text.replace(cut, ""))
    try:
        preview = pulumi(project, "preview", "--diff").stdout
    finally:
        stack_file.write_text(text)
    outputs = preview[preview.index("Outputs:") :] if "Outputs:" in preview else preview
    assert "containers/uptime.nix" in outputs, preview
    assert not re.search(r"^\s*[~+-]?\s*\[\d+\]:", outputs, re.MULTILINE), outputs  # no list-index diffs


def test_a_removed_container_is_said_removed_not_written(project: Path) -> None:
    stack_file = project / "stacks/Pulumi.dev.yaml"
    text = stack_file.read_text()
    stack_file.write_text(text.replace(text[text.index(UPTIME) :], ""))
    try:
        said = pulumi(project, "up", "--yes").stdout
    finally:
        stack_file.write_text(text)
    assert "devhost: wrote 2 module(s) (cloudflared.nix, default.nix), removed 1 (containers/uptime.nix)" in said, said
    assert "wrote 3 module(s)" not in said
    back = pulumi(project, "up", "--yes").stdout
    assert "devhost: wrote 3 module(s) (cloudflared.nix, containers/uptime.nix, default.nix);" in back, back


def test_failed_activation_shows_no_output_as_removed(project: Path, tmp_path: Path) -> None:
    script = tmp_path / "fail.sh"
    script.write_text("#!/bin/sh\necho building the system\necho 'error: the build failed' >&2\nexit 1\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    stack_file = project / "stacks/Pulumi.dev.yaml"
    text = stack_file.read_text()
    failing = text.replace("        mode: none\n", f'        command: [{script}]\n        rollback: ["true"]\n')
    stack_file.write_text(failing.replace("port: 3001", "port: 3002"))
    try:
        result = pulumi(project, "up", "--yes", check=False)
    finally:
        stack_file.write_text(text)
    said = result.stdout + result.stderr
    assert result.returncode != 0, said
    assert "error: the build failed" in said
    assert not re.search(r"^\s*-\s+(files|containers|routes)\s*:", said, re.MULTILINE), said


def test_a_failed_activation_publishes_nothing_and_status_says_it_failed(project: Path) -> None:
    """docs/troubleshooting.md's failed activation: port 3000 -> 3080, the activation
    fails and is rolled back. The outputs keep describing what the host runs (3000), and
    status names the failed activation (the state keeps the previous update's)."""
    pulumi(project, "up", "--yes")
    stack_file = project / "stacks/Pulumi.dev.yaml"
    text = stack_file.read_text()
    failing = text.replace(
        "        mode: none\n",
        '        mode: none\n        command: [sh, -c, "echo error: fails on purpose >&2; exit 1"]\n'
        "        rollback: [echo, rolled back]\n",
    )
    stack_file.write_text(failing.replace("port: 3000", "port: 3080"))
    try:
        result = pulumi(project, "up", "--yes", check=False)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "CLOUDFLARE_"))}
        status = subprocess.run(
            [".venv/bin/nixedge", "status", "--stack", "dev"],
            cwd=project, env=env, capture_output=True, text=True, check=False, timeout=300,
        )  # fmt: skip
    finally:
        stack_file.write_text(text)
    said = result.stdout + result.stderr
    assert result.returncode != 0 and "fails on purpose" in said, said
    update = result.stdout[result.stdout.index("Updating (") :]  # after the preview, which plans the change
    assert ":3080" not in update, update  # no output published for what was rolled back
    routes = pulumi(project, "stack", "output", "routes", "--json").stdout
    assert '"http://10.231.0.11:3000"' in routes and ":3080" not in routes, routes

    assert status.returncode == 1, status.stdout + status.stderr
    assert "Last activation: FAILED" in status.stdout, status.stdout
    assert "exited with status 1" in status.stdout and "rolled back" in status.stdout, status.stdout
    row = next(line for line in status.stdout.splitlines() if line.strip().startswith("git.example.test"))
    assert "http://10.231.0.11:3000" in row, row  # what is deployed, and the stack file's change beside it

    pulumi(project, "up", "--yes")  # the stack file's 3000 again: nothing changed, nothing ran
    again = subprocess.run(
        [".venv/bin/nixedge", "status", "--stack", "dev"],
        cwd=project, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert "FAILED" in again.stdout, "the failed activation is still the last one"

    stack_file.write_text(text.replace("port: 3000", "port: 3080"))  # the repair: 3080 without the failing command
    try:
        pulumi(project, "up", "--yes")
    finally:
        stack_file.write_text(text)
    assert ":3080" in pulumi(project, "stack", "output", "routes", "--json").stdout
    repaired = subprocess.run(
        [".venv/bin/nixedge", "status", "--stack", "dev"],
        cwd=project, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert "FAILED" not in repaired.stdout, repaired.stdout


def test_a_moved_target_says_it_emptied_the_old_place(project: Path) -> None:
    pulumi(project, "up", "--yes")
    stack_file = project / "stacks/Pulumi.dev.yaml"
    text = stack_file.read_text()
    stack_file.write_text(text.replace(f"path: {TARGET}", "path: .dev-host/etc/nixos/moved"))
    try:
        said = pulumi(project, "up", "--yes").stdout
    finally:
        stack_file.write_text(text)
    old = project / TARGET
    assert "devhost: wrote 5 module(s) (cloudflared.nix, containers/forgejo.nix" in said, said
    assert f", emptied the old place {old} (removed 5 module(s))" in said, said
    back = pulumi(project, "up", "--yes").stdout
    assert f"emptied the old place {project / '.dev-host/etc/nixos/moved'}" in back, back


def test_destroy_says_what_it_removed_kept_and_what_is_next(project: Path) -> None:
    pulumi(project, "up", "--yes")
    foreign = project / TARGET / "hardware-configuration.nix"
    foreign.write_text("{ }\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    result = subprocess.run(
        [".venv/bin/nixedge", "destroy", "--stack", "dev", "--yes"],
        cwd=project, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    said = result.stdout
    assert (
        "devhost: removed 5 module(s) from " in said
        and "cloudflared.nix, containers/forgejo.nix, containers/uptime.nix, default.nix, network.nix" in said
    ), said
    assert "kept (nixedge did not write them): hardware-configuration.nix" in said, said
    assert "imports = [ ./nixedge ]" in said and "before the next nixos-rebuild" in said, said
    assert "git.example.test" in said  # the hostnames it no longer routes
    assert foreign.read_text() == "{ }\n"


def test_engine_errors_name_their_line(project: Path) -> None:
    stack_file = project / "stacks/Pulumi.dev.yaml"
    text = stack_file.read_text()
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "uid: 2001" in row)
    stack_file.write_text(text.replace("uid: 2001", "uid: 991"))
    try:
        result = pulumi(project, "preview", check=False)
    finally:
        stack_file.write_text(text)
    said = result.stdout + result.stderr
    assert result.returncode != 0
    expected = (
        "containers.uptime.user.uid: is already used by containers.forgejo.user.uid; "
        f"each container needs its own uid (got: 991) (line {line})"
    )
    assert expected in said, said
