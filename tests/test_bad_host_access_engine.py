"""The host-access bad inputs give their exact message under `check`, and a sample the same
message under the engine, the deployed target staying byte for byte as it was.

The cases come from tests/test_bad_host_access.py, where each has its exact report lines.
Each is written as a stack file and goes through `nixedge check --config
FILE` (all of them, in parallel): exit 2 and exactly those lines on stderr. A sample also
goes through `pulumi preview` (the real engine, `scripts/pulumi` on a copy of the
checkout) against a stack whose local target was deployed first (the `deployed` fixture
of tests/test_bad_inputs_engine.py): a non-zero exit, every one of those lines in the
output, no Python traceback, no activation, and every file of the target unchanged
(content, inode and mtime). Every case through the engine (about a minute more):

    NIXEDGE_FULL=1 .venv/bin/python -m pytest tests/test_bad_host_access_engine.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from benchmarks.project import log_lines
from tests.test_bad_host_access import CASES
from tests.test_bad_inputs_engine import (
    STACK,
    Case,
    Deployed,
    base_site,
    deployed,  # noqa: F401 (a fixture, used by name)
    stack_text,
)

pytestmark = [pytest.mark.engine, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
SAMPLE = [
    "subnet-127.0.0.0/8",
    "subnet-wide-0.0.0.0/0",
    "subnet-169.254.169.0/24",
    "subnet-224.0.0.0/24",
    "forward-22",
    "allow-host-ssh-on-udp",
    "grant-with-blanket-trust",
    "grant-on-network-none",
    "grant-on-14-character-name",
    "grant-tcp-port-twice",
    "backend-firewalld",
]
BY_ID = {str(p.id): p.values for p in CASES}
# From a file, the reader refuses first what the engine would read otherwise (22.0 reaches
# the program as the integer 22): these cases say so in check and in preview alike.
FROM_FILE = {
    "grant-port-as-float": [
        (
            "containers.forgejo.hostFirewall.allowedTcpPorts[0]: Pulumi passes 22.0 to the program as the "
            "integer 22; a float cannot stay whole (got: '22.0')"
        ),
        "  Hint: write 22 for an integer, or quote it ('22.0') to keep the text",
    ]
}
ENGINE_CASES = list(BY_ID if os.environ.get("NIXEDGE_FULL") == "1" else SAMPLE)


def sample_case(case_id: str) -> tuple[Case, list[str]]:
    mutation, lines = BY_ID[case_id]
    assert callable(mutation) and isinstance(lines, list)
    return Case(case_id, lines[0].split(": ", 1)[0], mutation), FROM_FILE.get(case_id, [str(line) for line in lines])


def check(tmp_path: Path, case: Case) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "stacks" / "Pulumi.bad.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(stack_text(case, base_site(tmp_path / "host", {"mode": "none"}), None), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "components", "check", "--config", str(path)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    tmp = tmp_path_factory.mktemp("hostaccess")

    def run(case_id: str) -> subprocess.CompletedProcess[str]:
        return check(tmp / case_id.replace("/", "_"), sample_case(case_id)[0])

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return dict(zip(BY_ID, pool.map(run, BY_ID), strict=True))


def unplaced(text: str) -> list[str]:
    """The report's lines without the ` (line N)` that names each key's place in the stack
    file: the cases are written without them (tests/test_errors_one_round.py pins them)."""
    return [re.sub(r" \(line \d+\)$", "", line) for line in text.splitlines()]


@pytest.mark.parametrize("case_id", list(BY_ID))
def test_check_prints_the_exact_lines(case_id: str, checked: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result, lines = checked[case_id], sample_case(case_id)[1]
    assert result.returncode == 2, result.stderr[-2000:]
    reported = unplaced(result.stderr)
    assert reported[1:-1] == ["  " + line for line in lines], result.stderr
    assert reported[-1].endswith("is invalid; nothing was changed.")
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("case_id", ENGINE_CASES)
def test_preview_says_what_check_says(case_id: str, deployed: Deployed) -> None:  # noqa: F811
    case, lines = sample_case(case_id)

    stack_file = deployed.project.stack_file(STACK)
    stack_file.write_text(stack_text(case, deployed.base, deployed.salt), encoding="utf-8")
    try:
        result = deployed.project.pulumi(STACK, "preview", check=False)
    finally:
        stack_file.write_text(deployed.good)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    engine_lines = {line.strip() for line in unplaced(output)}
    missing = [line for line in lines if line.strip() not in engine_lines]
    assert not missing, f"the engine's output lacks {missing}:\n{output[-3000:]}"
    assert "Traceback" not in output, output[-3000:]
    assert deployed.files() == deployed.snapshot, "the target changed"
    assert log_lines(deployed.log) == ["activate"], "something was activated"


def test_the_sample_names_known_cases() -> None:
    assert set(SAMPLE) <= BY_ID.keys()
