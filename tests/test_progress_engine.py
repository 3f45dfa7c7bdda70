"""Under the real engine, an activation's output reaches the person while it runs: the
activation of the dev stack prints a line, then waits for a file that this test writes
only once it read that line in `scripts/pulumi up`'s own output. Had the line not come
through until the command ended, the command would wait out its 120 s and the test fail."""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_dev_stack import _copy_repo

pytestmark = pytest.mark.engine


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "nixedge"
    root.mkdir()
    _copy_repo(root)
    yield root


def _activation(go: Path) -> str:
    # The quotes keep the printed lines ("building-the-system", "switched") out of the
    # command's own text, which the status line that starts the activation shows.
    waits = f"i=0; while [ ! -e {go} ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done"
    script = f"echo building-'the-system'; {waits}; [ -e {go} ] && echo 'switch'ed || echo gave up"
    return f'        mode: switch\n        command: [sh, -c, "{script}"]\n        check: false\n'


def test_activation_lines_are_shown_while_it_runs(project: Path) -> None:
    go = project / "go"
    stack = project / "stacks/Pulumi.dev.yaml"
    text = stack.read_text()
    assert "        mode: none\n" in text
    stack.write_text(text.replace("        mode: none\n", _activation(go)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    proc = subprocess.Popen(
        ["scripts/pulumi", "up", "--stack", "dev", "--yes", "--non-interactive"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[tuple[float, str]] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append((time.monotonic(), line.rstrip("\n")))
            if line.rstrip("\n").endswith(" building-the-system") and not go.exists():
                go.write_text("")  # the activation may go on now

    reader = threading.Thread(target=read)
    reader.start()
    code = proc.wait(timeout=600)
    reader.join(timeout=60)
    said = "\n".join(line for _, line in lines)
    assert code == 0, said
    order = [
        next(i for i, (_, line) in enumerate(lines) if re.search(end, line))
        for end in (" building-the-system$", " switched$", r" devhost: activated in \d+ s$")
    ]
    start = next(i for i, (_, line) in enumerate(lines) if "devhost: activating (5 modules changed): `sh -c " in line)
    assert [start, *order] == sorted([start, *order]) and len(set(order)) == 3, said
    assert not any(line.endswith(" gave up") for _, line in lines), said
    # The status lines are the resource's; the summary below them still holds the last lines.
    assert "HostModules devhost-modules creating" in lines[order[0]][1], lines[order[0]][1]
    assert "Its last lines:" in said, said
