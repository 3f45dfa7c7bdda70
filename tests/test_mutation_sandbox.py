"""scripts/mutation runs mutants where only the tree and a fresh /tmp can be written."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.paths import REPO

SCRIPT = REPO / "scripts" / "mutation"


def _probe(path: str) -> str:
    result = subprocess.run(
        [str(SCRIPT), "sandbox-probe", path], capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


@pytest.mark.parametrize("directory", ["/etc", "/root", "/var/tmp", "/usr/local", "/run", "/"])
def test_a_mutant_cannot_write_outside_the_tree(directory: str) -> None:
    path = f"{directory.rstrip('/')}/.nixedge-probe-{uuid.uuid4().hex}"
    assert _probe(path) == "read-only"
    assert not os.path.exists(path)


def test_the_tree_and_tmp_stay_writable_and_tmp_is_private() -> None:
    name = f".nixedge-probe-{uuid.uuid4().hex}"
    inside = REPO / name
    try:
        assert _probe(str(inside)) == "writable"
        assert inside.exists()
    finally:
        inside.unlink(missing_ok=True)
    try:
        assert _probe(f"/tmp/{name}") == "writable"
        assert not (REPO.parent / name).exists() or REPO.parent == Path("/tmp")
        if not str(REPO).startswith("/tmp/"):
            assert not os.path.exists(f"/tmp/{name}")  # the sandbox had a /tmp of its own
    finally:
        Path(f"/tmp/{name}").unlink(missing_ok=True)  # a clone in /tmp keeps the real /tmp


def test_try_without_a_mutant_name_says_how_it_is_used() -> None:
    result = subprocess.run([str(SCRIPT), "try"], capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "usage: scripts/mutation try NAME [PYTEST ARGS] (after scripts/mutation run)\n"
