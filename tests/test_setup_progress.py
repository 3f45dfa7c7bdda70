"""`scripts/setup`'s progress in a pipe or a CI log (stdout not a terminal): the line of
a slow step ends with a newline when the step starts, so that a log, which shows a line
only once it is complete, says what is running while it runs."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.test_wrapper import FAKE_PYTHON, bare_checkout  # noqa: F401 - a fixture

RECORD = 'pip) echo "pip ${*: -1}" >>"$SETUP_LOG" ;;'
# The stand-in pip also copies what the log holds at that moment.
SEEING_PYTHON = FAKE_PYTHON.replace(RECORD, RECORD.replace(" ;;", '; cp "$SETUP_OUT" "$SETUP_LOG.seen" ;;'))


def test_a_step_is_a_whole_line_of_the_log_while_it_runs(bare_checkout: tuple[Path, dict[str, str]]) -> None:  # noqa: F811
    assert RECORD in FAKE_PYTHON
    root, env = bare_checkout
    python = Path(env["PATH"].split(":")[0]) / "python3"
    python.write_text(SEEING_PYTHON)
    out = root.parent / "setup.out"
    env["SETUP_OUT"] = str(out)
    with out.open("w") as log:
        result = subprocess.run(
            [root / "scripts" / "setup", "--runtime"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=60,
            check=False,
        )
    assert result.returncode == 0, out.read_text()
    seen = Path(env["SETUP_LOG"] + ".seen").read_text()
    assert seen.endswith("Installing requirements.txt into .venv (first time about 40 s)...\n")
    lines = out.read_text().splitlines()
    assert lines[1:3] == [
        "Installing requirements.txt into .venv (first time about 40 s)...",
        "Installed requirements.txt into .venv (Python 3.11.7)",
    ]
