"""The GitHub workflow is valid and does what the project needs, without GitHub.

It proves: the file validates against the GitHub workflow schema that ships inside
check-jsonschema (no network); every action is pinned by major version; the preview job
runs only where a backend is configured and reads its credentials from secrets; and the
diff step's script, run here with bash against this checkout, writes every stack's diff
to the job summary and exits 0.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / ".github" / "workflows" / "nixedge.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    doc: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return doc


def _steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _step(workflow: dict[Any, Any], job: str, name_start: str) -> dict[str, Any]:
    return next(s for s in workflow["jobs"][job]["steps"] if s.get("name", "").startswith(name_start))


def test_validates_against_the_github_workflow_schema() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_triggers_on_pull_requests_and_pushes_to_main(workflow: dict[Any, Any]) -> None:
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert set(triggers) == {"pull_request", "push"}
    assert triggers["push"] == {"branches": ["main"]}


def test_actions_are_pinned_by_major_version(workflow: dict[Any, Any]) -> None:
    uses = {step["uses"] for step in _steps(workflow) if "uses" in step}
    assert uses == {"actions/checkout@v6", "actions/setup-python@v6", "pulumi/actions@v6"}
    assert all(re.fullmatch(r"[\w-]+/[\w-]+@v\d+", u) for u in uses)


def test_tests_job_runs_ci_run(workflow: dict[Any, Any]) -> None:
    runs = [step.get("run", "") for step in workflow["jobs"]["tests"]["steps"]]
    assert any(run.endswith("bash .ci/run") for run in runs)


def test_preview_runs_only_with_a_backend_and_takes_credentials_from_secrets(workflow: dict[Any, Any]) -> None:
    job = workflow["jobs"]["preview"]
    assert "vars.PULUMI_BACKEND_URL != ''" in job["if"]
    step = _step(workflow, "preview", "pulumi preview")
    assert step["uses"] == "pulumi/actions@v6"
    assert step["with"]["command"] == "preview"
    assert step["with"]["comment-on-pr"] is True
    assert step["with"]["stack-name"] == "${{ matrix.stack }}"
    assert step["with"]["cloud-url"] == "${{ vars.PULUMI_BACKEND_URL }}"
    assert step["env"] == {
        "PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        "CLOUDFLARE_API_TOKEN": "${{ secrets.CLOUDFLARE_API_TOKEN }}",
    }
    assert job["permissions"]["pull-requests"] == "write"


def test_stacks_job_fetches_history_for_the_base(workflow: dict[Any, Any]) -> None:
    checkout = workflow["jobs"]["stacks"]["steps"][0]
    assert checkout["uses"] == "actions/checkout@v6"
    assert checkout["with"]["fetch-depth"] == 0


def test_diff_step_writes_every_stack_to_the_job_summary(workflow: dict[Any, Any], tmp_path: Path) -> None:
    """The step's own script, as GitHub runs it (bash -eo pipefail), against HEAD of this checkout."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs this checkout's git history")
    script = _step(workflow, "stacks", "Diff every stack")["run"]
    summary = tmp_path / "summary.md"
    env = os.environ | {
        "BASE": "HEAD",
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(tmp_path),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = summary.read_text(encoding="utf-8")
    for stack in sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in (REPO / "stacks").glob("Pulumi.*.yaml")):
        assert f"### Stack `{stack}` against `HEAD`" in text
    assert "diff failed" not in text
