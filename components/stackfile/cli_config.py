"""The engine's own reading of a stack file, asked of the Pulumi CLI when it is there.

`diff` (the PR review) uses it to compare the engine's reading with `check`'s, as the
program does at every `preview` and `up` (components/stackfile/agree.py). The CLI reads
the file as config of a throwaway stack in a temporary project and file backend
(`pulumi config --json --config-file FILE`): no state, no credentials, no network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.model.load import SITE_KEY

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 120.0


@dataclass(frozen=True)
class EngineReading:
    """`nixedge:site` as the engine reads it (`site`), or why it refuses the file."""

    site: Any = None
    refused: str | None = None


def engine_cli() -> str | None:
    """The pinned CLI of this checkout (scripts/setup), else `pulumi` on PATH, else None."""
    pinned = REPO / ".venv" / "bin" / "pulumi"
    return str(pinned) if pinned.exists() else shutil.which("pulumi")


def _run(cli: str, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    env |= {
        "PULUMI_BACKEND_URL": f"file://{root / 'state'}", "PULUMI_CONFIG_PASSPHRASE": "reading",
        "PULUMI_SKIP_UPDATE_CHECK": "true", "PULUMI_HOME": str(root / "home"),
    }  # fmt: skip
    return subprocess.run(
        [cli, *args, "--non-interactive"], cwd=root, env=env, capture_output=True, text=True, timeout=TIMEOUT,
        check=False,
    )  # fmt: skip


def engine_reading(data: bytes, cli: str | None = None) -> EngineReading | None:
    """How the engine reads the stack file `data`; None when there is no CLI to ask (or
    it cannot be run), so the caller goes on with its own reading alone."""
    cli = cli or engine_cli()
    if cli is None:
        return None
    with tempfile.TemporaryDirectory(prefix="nixedge-reading-") as tmp:
        root = Path(tmp)
        (root / "state").mkdir()
        (root / "Pulumi.yaml").write_text("name: nixedge\nruntime: python\n", encoding="utf-8")
        (root / "stack.yaml").write_bytes(data)
        try:
            if _run(cli, root, "stack", "init", "reading").returncode != 0:
                return None
            result = _run(cli, root, "config", "--json", "--stack", "reading", "--config-file", "stack.yaml")
        except (OSError, subprocess.TimeoutExpired):
            return None
    if result.returncode != 0:
        return EngineReading(refused=result.stderr.strip() or result.stdout.strip())
    site = json.loads(result.stdout).get(SITE_KEY)
    if not isinstance(site, dict) or "value" not in site:
        return EngineReading(refused=f"it hands the program no {SITE_KEY} (or a secret)")
    try:
        return EngineReading(site=json.loads(site["value"]))
    except (RecursionError, ValueError):
        return None  # nested deeper than Python's JSON: `check` names that key itself
