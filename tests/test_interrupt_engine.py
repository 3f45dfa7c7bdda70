"""Ctrl-C during `scripts/pulumi up` (SIGINT to the process group, as a terminal sends
it): Pulumi cancels the update, and the language host, whose server stops under the
running program, says so in one line instead of a Python traceback ("cannot schedule
new futures after interpreter shutdown" from the program's next engine call).

The program of a copied checkout writes `paused`, then waits until the language host has
begun to shut down after the SIGINT: the failure happens at that point on any machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.test_dev_stack import _copy_repo

pytestmark = pytest.mark.engine

DEADLINE = 300.0
FUTURE = "from __future__ import annotations\n"
PAUSE = """
import concurrent.futures.thread as _pool
import time as _time

open("paused", "w").close()
while not _pool._shutdown:  # set when the language host's interpreter starts to shut down
    _time.sleep(0.02)
"""


def test_ctrl_c_during_up_is_one_line_from_the_program(tmp_path: Path) -> None:
    root = tmp_path / "nixedge"
    root.mkdir()
    _copy_repo(root)
    main = root / "__main__.py"
    text = main.read_text(encoding="utf-8")
    assert FUTURE in text
    main.write_text(text.replace(FUTURE, FUTURE + PAUSE, 1), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    proc = subprocess.Popen(
        ["scripts/pulumi", "up", "--stack", "dev", "--yes", "--skip-preview", "--non-interactive"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    end = time.monotonic() + DEADLINE
    while not (root / "paused").exists():
        assert proc.poll() is None, proc.communicate()[0]
        assert time.monotonic() < end, "the program never ran"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    out, _ = proc.communicate(timeout=DEADLINE)
    assert proc.returncode != 0, out
    assert "the program stopped: the run was interrupted (SIGINT)" in out, out
    assert "Traceback" not in out and "cannot schedule new futures" not in out, out
