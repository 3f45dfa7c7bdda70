"""Under the real engine: a copy of the dev stack with another host name and another
spelling of the same target (`./.dev-host/.../nixedge/` for `.dev-host/.../nixedge`) is
refused (by `preview` already) before it touches the dev stack's files, naming the owner and the handover
command; after `nixedge handover` it may take the directory, and then the dev stack is
refused in turn."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.host.manifest import MANIFEST
from tests.test_dev_stack import TARGET, _copy_repo

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("ownership") / "nixedge"
    root.mkdir()
    _copy_repo(root)
    dev = (root / "stacks/Pulumi.dev.yaml").read_text()
    other = dev.replace("name: devhost", "name: otherhost").replace(
        "path: .dev-host/etc/nixos/nixedge", "path: ./.dev-host/etc/nixos/nixedge/"
    )
    assert other.count("otherhost") == 1 and "./.dev-host" in other
    (root / "stacks/Pulumi.other.yaml").write_text(other)
    yield root


def run(project: Path, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    env["PULUMI_CONFIG_PASSPHRASE"] = "nixedge-dev"  # the copy keeps the dev stack's salt
    result = subprocess.run(argv, check=False, cwd=project, env=env, capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def up(project: Path, stack: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run(project, "scripts/pulumi", "up", "--stack", stack, "--yes", "--non-interactive", check=check)


def files(target: Path) -> dict[str, bytes]:
    return {p.relative_to(target).as_posix(): p.read_bytes() for p in target.rglob("*") if p.is_file()}


def test_second_stack_on_the_same_target_is_refused(project: Path) -> None:
    up(project, "dev")
    target = project / TARGET
    before = files(target)
    assert json.loads(before[MANIFEST])["owner"]["stack"] == "dev"

    # A preview refuses already (a pull request shows it), and changes nothing either.
    previewed = run(project, "scripts/pulumi", "preview", "--stack", "other", "--non-interactive", check=False)
    said = previewed.stdout + previewed.stderr
    assert previewed.returncode != 0, said
    assert "belongs to stack 'dev' (project nixedge)" in said, said
    assert ".venv/bin/nixedge handover --stack other" in said, said
    assert "map[" not in said, said  # the refusal alone, not the engine's dump of the target's value
    assert files(target) == before

    refused = up(project, "other", check=False)
    said = refused.stdout + refused.stderr
    assert refused.returncode != 0, said
    assert "belongs to stack 'dev' (project nixedge)" in said, said
    assert ".venv/bin/nixedge handover --stack other" in said, said
    assert files(target) == before  # not one byte of the dev stack's directory changed
    again = run(project, "scripts/pulumi", "preview", "--stack", "dev", "--non-interactive")
    assert "2 unchanged" in again.stdout, again.stdout

    handed = run(project, ".venv/bin/nixedge", "handover", "--stack", "other")
    assert "now belongs to stack 'other'" in handed.stdout, handed.stdout
    up(project, "other")
    assert json.loads((target / MANIFEST).read_text())["host"] == "otherhost"
    dev_file = project / "stacks/Pulumi.dev.yaml"
    dev_file.write_text(dev_file.read_text().replace("port: 3001", "port: 3002"))  # an update to make
    refused_dev = up(project, "dev", check=False)
    assert "belongs to stack 'other'" in refused_dev.stdout + refused_dev.stderr
