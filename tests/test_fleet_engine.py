"""A plain `scripts/pulumi up` of a sixteen-host site runs the sixteen hosts at once, on
any number of cores: the wrapper widens the engine's default `--parallel` (the CLI's is
4 x cores, 8 on two) and the provider process serves every call it gets.

Each host's activation waits until all sixteen have started (a barrier of files), so the
test does not depend on timing: with hosts deployed in waves, the first wave's
activations give up after a minute and the `up` fails, saying how many had started.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks.project import Project
from benchmarks.sites import write_stack

pytestmark = pytest.mark.engine

HOSTS = 16


def barrier(path: Path, started: Path, host: str) -> list[str]:
    path.write_text(
        "#!/bin/sh\n"
        f'touch "{started}/{host}"\n'
        "i=0\n"
        f'while [ "$(ls "{started}" | wc -l)" -lt {HOSTS} ]; do\n'
        "  i=$((i + 1))\n"
        '  if [ "$i" -gt 600 ]; then\n'
        f'    echo "only $(ls "{started}" | wc -l) of {HOSTS} hosts were activating at once"; exit 1\n'
        "  fi\n"
        "  sleep 0.1\n"
        "done\n"
    )
    path.chmod(0o755)
    return [str(path)]


def site(work: Path) -> dict[str, Any]:
    started = work / "started"
    started.mkdir()
    hosts = {}
    for i in range(1, HOSTS + 1):
        host = f"h{i:02d}"
        hosts[host] = {
            "host": {
                "target": {"transport": "local", "path": str(work / host / "nixedge")},
                "activation": {"command": barrier(work / f"activate-{host}", started, host), "rollback": ["true"]},
            },
            "network": {"subnet": "10.231.0.0/24"},
            "containers": {
                "status": {
                    "app": "generic",
                    "user": {"name": "uptime-kuma", "uid": 2001, "gid": 2001},
                    "stateVersion": "25.05",
                }
            },
        }
    return {"hosts": hosts}


def test_a_plain_up_runs_sixteen_hosts_at_once(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "copy")
    write_stack(project.root, "fleet", site(tmp_path))
    result = project.pulumi("fleet", "up", "--yes", check=False, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(list((tmp_path / "started").iterdir())) == HOSTS
    assert all((tmp_path / f"h{i:02d}" / "nixedge" / "default.nix").exists() for i in range(1, HOSTS + 1))
