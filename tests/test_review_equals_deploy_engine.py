"""Review equals deploy, under the real engine: where the engine's reading of the config
differs from the stack file as `check` reads it, `preview` and `up` stop before any
resource is registered, naming the key, its line in the stack file and a way to write it.

The engine is given another reading than the file's by `--config-file` (config from
another file than stacks/Pulumi.<stack>.yaml): the same path a YAML reader difference
would take, reachable on purpose.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from benchmarks.project import Project
from benchmarks.sites import stack_yaml
from tests.test_bad_inputs_engine import base_site

pytestmark = [pytest.mark.engine, pytest.mark.slow]

STACK = "review"


def test_a_differing_reading_stops_preview_and_up_with_the_key_line_and_hint(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "work")
    site = base_site(tmp_path / "host", {"mode": "none"})
    written = stack_yaml(site)
    project.stack_file(STACK).write_text(written)
    other = copy.deepcopy(site)
    other["network"]["subnet"] = "10.77.0.0/24"
    engine_file = tmp_path / "other.yaml"
    engine_file.write_text(stack_yaml(other))
    line = next(i for i, text in enumerate(written.splitlines(), 1) if text.strip().startswith("subnet:"))
    for command in (["preview"], ["up", "--yes"]):
        result = project.pulumi(STACK, *command, "--config-file", str(engine_file), check=False)
        output = result.stdout + result.stderr
        assert result.returncode != 0, output[-2000:]
        assert "Traceback" not in output, output[-3000:]
        assert f"network.subnet: (line {line} of stacks/Pulumi.{STACK}.yaml) is " in output, output[-3000:]
        assert "but '10.77.0.0/24' to the Pulumi engine" in output, output[-3000:]
        assert 'Hint: write it as "' in output, output[-3000:]
    exported = json.loads(project.pulumi(STACK, "stack", "export").stdout)
    assert not exported.get("deployment", {}).get("resources"), "a resource was registered"
    assert not (tmp_path / "host").exists(), "the host was written to"


def test_the_same_reading_runs(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "work")
    project.stack_file(STACK).write_text(stack_yaml(base_site(tmp_path / "host", {"mode": "none"})))
    result = project.pulumi(STACK, "preview", check=False)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
