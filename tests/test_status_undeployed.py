"""`nixedge status` before the first `up`: the state has no host, so no route's rule
points at a cloudflared.nix "above" (none is listed); the text and `--json` say the same.
Reads a saved, empty `stack export` (`--state`): no engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.paths import REPO

NOT_DEPLOYED = "not deployed yet (local ingress: cloudflared.nix on the host)"


def status(state: Path, *more: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CLOUDFLARE_API_TOKEN"}
    return subprocess.run(
        [sys.executable, "-m", "components", "status", "--stack", "dev", "--state", str(state), *more],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_no_host_in_the_state_points_at_no_file(tmp_path: Path) -> None:
    state = tmp_path / "export.json"
    state.write_text("{}", encoding="utf-8")
    text = status(state)
    assert (text.returncode, text.stderr) == (0, "")
    assert "No host in the state yet" in text.stdout
    assert "see its file above" not in text.stdout
    rows = [line for line in text.stdout.splitlines() if ".example.test" in line]
    assert rows and all(line.endswith(NOT_DEPLOYED) for line in rows)

    parsed = json.loads(status(state, "--json").stdout)
    assert parsed["hosts"] == []
    hostnames = [h for t in parsed["tunnels"] for h in t["hostnames"]]
    assert len(hostnames) == len(rows)
    assert {(h["rule"], h["ok"]) for h in hostnames} == {(NOT_DEPLOYED, None)}
