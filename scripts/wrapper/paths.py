"""This checkout's places the wrapper's jobs use."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = REPO / ".venv" / "bin"
STACKS = REPO / "stacks"
"""Where the stack files live (`stackConfigDir` of Pulumi.yaml)."""


def stack_file(stack: str) -> Path:
    """`stacks/Pulumi.<name>.yaml` of `stack` (`dev`, or `organization/nixedge/dev`)."""
    return STACKS / f"Pulumi.{stack.rsplit('/', 1)[-1]}.yaml"


def project_name(pulumi_yaml: Path = REPO / "Pulumi.yaml") -> str:
    """The `name:` of Pulumi.yaml (a top-level scalar; no YAML library needed)."""
    for line in pulumi_yaml.read_text(encoding="utf-8").splitlines():
        if line.startswith("name:"):
            return line.split(":", 1)[1].strip().strip("'\"")
    raise ValueError(f"{pulumi_yaml} has no name")
