"""`nixedge status` before the first `up`: the state has no host, so no route's rule
points at a cloudflared.nix "above" (none is listed); the text and `--json` say the same.
Reads a saved, empty `stack export` (`--state`): no engine. A stack the backend never held is a normal
state too (from any directory), and a module directory another stack took over
(`nixedge handover`) is that stack's, not drift."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from components.host.manifest import MANIFEST, manifest_text
from components.host.ownership import Owner
from tests.paths import REPO
from tests.test_dev_stack import _copy_repo

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


def test_a_stack_never_deployed_is_a_normal_state_from_any_directory(tmp_path: Path) -> None:
    """No `--state`: the backend has no stack seminar. From docs/, as `check` works there."""
    project = tmp_path / "nixedge"
    project.mkdir()
    _copy_repo(project)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "CLOUDFLARE_"))}

    def nixedge(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(project / ".venv/bin/nixedge"), "status", "--stack", "seminar", *argv],
            cwd=project / "docs", env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    text = nixedge()
    assert text.returncode == 0, text.stdout + text.stderr
    assert "Stack seminar: never deployed (no state yet)" in text.stdout
    assert "No host in the state yet" in text.stdout
    parsed = json.loads(nixedge("--json").stdout)
    assert (parsed["updated"], parsed["hosts"], parsed["drift"]) == (None, [], False)
    assert {h["ok"] for t in parsed["tunnels"] for h in t["hostnames"]} == {None}


def test_a_directory_another_stack_took_over_is_not_drift(tmp_path: Path) -> None:
    root = tmp_path / "nixos/nixedge"
    files = {"default.nix": "{ }\n", "network.nix": "{ }\n"}
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("# twin's\n")
    twin = {**Owner("nixedge", "twin").to_props(), "target": f"local:{root}"}
    (root / MANIFEST).write_bytes(manifest_text("devhost", files, (), twin))
    outputs = {
        "host": "devhost",
        "target": {"path": str(root)},
        "files": files,
        "owner": Owner("nixedge", "dev").to_props(),
    }
    state = tmp_path / "export.json"
    state.write_text(json.dumps({"deployment": {"resources": [{"type": "nixedge:HostModules", "outputs": outputs}]}}))

    text = status(state)
    assert text.returncode == 1, text.stdout + text.stderr
    assert "The directory belongs to stack twin now" in text.stdout
    assert ".venv/bin/nixedge handover --stack dev, then scripts/pulumi up --stack dev --yes" in text.stdout
    for wrong in ("edited on the host", "Drift in", "--refresh"):
        assert wrong not in text.stdout, text.stdout
    (host,) = json.loads(status(state, "--json").stdout)["hosts"]
    assert (host["owner"], host["drifted"]) == ("twin", [])
