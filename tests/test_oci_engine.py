"""An OCI container under the real engine (issue 16): `scripts/pulumi up` on a copy of the
checkout deploys stacks/Pulumi.apps.yaml's site (one OCI app, one NixOS container; a local
target, no Cloudflare account) with a counting activation command; a second `up` changes
nothing; a new image tag rewrites only the OCI app's module (and the manifest) and
activates once.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.project import Project, host_resource, inodes, log_lines, recording_script, written
from benchmarks.sites import stack_yaml
from components.host.manifest import MANIFEST
from components.stackfile import read_stack_file

pytestmark = pytest.mark.engine

REPO = Path(__file__).resolve().parents[1]
STACK = "ociapps"
MODULE = "oci-containers/whoami.nix"


def site(root: Path, log: Path, bin_dir: Path, image: str) -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(read_stack_file(REPO / "stacks" / "Pulumi.apps.yaml"))
    data["host"]["target"] = {"transport": "local", "path": str(root)}
    data["host"]["activation"] = {
        "command": recording_script(bin_dir / "activate", log),
        "rollback": recording_script(bin_dir / "rollback", log),
        "check": False,  # nothing listens here: no Podman, no NixOS
    }
    del data["tunnel"]["accountId"]  # no Cloudflare resource
    data["ociContainers"]["whoami"]["image"] = image
    return data


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Project, Path, Path, Path]]:
    tmp = tmp_path_factory.mktemp("ociengine")
    (tmp / "bin").mkdir()
    yield Project.create(tmp / "work"), tmp / "host" / "etc" / "nixos" / "nixedge", tmp / "activations.log", tmp / "bin"


def test_an_image_change_rewrites_one_module_and_activates_once(project: tuple[Project, Path, Path, Path]) -> None:
    proj, root, log, bin_dir = project
    stack_file = proj.stack_file(STACK)
    stack_file.write_text(stack_yaml(site(root, log, bin_dir, "docker.io/traefik/whoami:v1.10.3")))
    proj.pulumi(STACK, "up", "--yes")
    assert log_lines(log) == ["activate"]
    assert {"default.nix", "network.nix", "containers/uptime.nix", MODULE} <= inodes(root).keys()
    assert 'image = "docker.io/traefik/whoami:v1.10.3";' in (root / MODULE).read_text()
    files = host_resource(proj.export(STACK))["outputs"]["files"]
    assert MODULE in files and "containers/uptime.nix" in files

    before = inodes(root)
    proj.pulumi(STACK, "up", "--yes")
    assert log_lines(log) == ["activate"], "an unchanged stack activated"
    assert inodes(root) == before

    salt = proj.salt(STACK)
    stack_file.write_text(stack_yaml(site(root, log, bin_dir, "docker.io/traefik/whoami:v1.11.0"), salt=salt))
    proj.pulumi(STACK, "up", "--yes")
    after = inodes(root)
    assert log_lines(log) == ["activate", "activate"]
    changed = sorted(rel for rel in after if before.get(rel, (None, 0))[0] != after[rel][0])
    # The manifest records every module's hash, so it is rewritten with the module.
    assert changed == [MANIFEST, MODULE] and written(before, after)[0] == 2
    assert 'image = "docker.io/traefik/whoami:v1.11.0";' in (root / MODULE).read_text()
