"""The README's main job, end to end: `scripts/pulumi up --stack dev --yes` on a copy of the repo.

Proves, with the real Pulumi CLI, our language host and the file backend, that the dev
stack writes the generated modules to its local target, that a second `up` changes
nothing, that `preview --diff` names the one module a config change touches, and that
`destroy` removes exactly our files and leaves a foreign one alone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.nixos.render import render
from components.stackfile import load_stack

pytestmark = pytest.mark.engine

REPO = Path(__file__).resolve().parents[1]
TARGET = Path(".dev-host/etc/nixos/nixedge")


def _copy_repo(dest: Path) -> None:
    """The checkout as git sees it (tracked and new files), without state or the venv."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, listed):
        src = REPO / rel
        if src.is_file() and not rel.startswith("tests/"):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    (dest / ".venv").symlink_to(REPO / ".venv")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("devstack") / "nixedge"
    root.mkdir()
    _copy_repo(root)
    yield root


def pulumi(project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    result = subprocess.run(
        ["scripts/pulumi", *args, "--stack", "dev", "--non-interactive"],
        check=False,
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"scripts/pulumi {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def test_dev_stack_cycle(project: Path) -> None:
    expected = render(load_stack(config_file=project / "stacks/Pulumi.dev.yaml"))

    up = pulumi(project, "up", "--yes")
    assert "2 created" in up.stdout, up.stdout
    target = project / TARGET
    written = {p.relative_to(target).as_posix(): p.read_text() for p in target.rglob("*.nix")}
    assert written == expected

    again = pulumi(project, "up", "--yes")
    assert "2 unchanged" in again.stdout and "to update" not in again.stdout, again.stdout

    outputs = json.loads(pulumi(project, "stack", "output", "--json").stdout)
    assert sorted(outputs["files"]) == sorted(expected)
    assert "activation" not in outputs and "hashes" not in outputs  # said in the log, not kept stale
    assert outputs["routes"]["status.example.test"].endswith(":3001")

    stack_file = project / "stacks/Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace("port: 3001", "port: 3002"))
    preview = pulumi(project, "preview", "--diff")
    assert "~ cloudflared.nix" in preview.stdout, preview.stdout
    assert '+         "status.example.test" = "http://10.231.0.253:3002";' in preview.stdout, preview.stdout
    assert "~ containers/forgejo.nix" not in preview.stdout
    changed = pulumi(project, "up", "--yes")
    assert "1 updated" in changed.stdout, changed.stdout
    assert "http://10.231.0.253:3002" in (target / "cloudflared.nix").read_text()

    foreign = target / "hardware-configuration.nix"
    foreign.write_text("{ }\n")
    pulumi(project, "destroy", "--yes")
    assert foreign.read_text() == "{ }\n"
    assert sorted(p.name for p in target.rglob("*") if p.is_file()) == ["hardware-configuration.nix"]


def test_bad_config_changes_nothing(project: Path) -> None:
    """A config error stops `up` before the host is touched, with the key named."""
    pulumi(project, "up", "--yes")
    target = project / TARGET
    before = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    stack_file = project / "stacks/Pulumi.dev.yaml"
    good = stack_file.read_text()
    stack_file.write_text(good.replace("uid: 2001", "uid: 991"))
    try:
        result = pulumi(project, "up", "--yes", check=False)
    finally:
        stack_file.write_text(good)
    assert result.returncode != 0
    assert "containers.uptime.user.uid: is already used by containers.forgejo.user.uid" in result.stdout + result.stderr
    assert {p: p.read_bytes() for p in target.rglob("*") if p.is_file()} == before
