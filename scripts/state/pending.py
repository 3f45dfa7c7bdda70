"""Interrupted creates in a stack's checkpoint: dropped when the resource's create runs
again safely over what it left (the host engine's), else the command to run."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from typing import TYPE_CHECKING, Any

from scripts.engine.parent_death import die_with_parent

if TYPE_CHECKING:
    from scripts.state.check import Check

PROJECT = "nixedge"
"""The project of Pulumi.yaml: its stacks' checkpoints are `.pulumi/stacks/nixedge/<stack>.json`."""
IDEMPOTENT_CREATES = {"pulumi-python:dynamic/nixedge:HostModules", "pulumi-python:dynamic/nixedge:HostPrune"}
"""Resource types whose create can run again over what an interrupted create left: they
write the same files and take them over through the manifest."""
DROPS_PENDING_CREATES = {"up", "update", "recover"}
"""Commands after which an interrupted create of IDEMPOTENT_CREATES runs again."""


def drops_pending(command: str) -> bool:
    return command in DROPS_PENDING_CREATES


def pending_creates(check: Check, stack: str) -> None:
    path = check.pulumi_dir / "stacks" / PROJECT / f"{stack}.json"
    try:
        latest = json.loads(path.read_bytes())["checkpoint"].get("latest") or {}
    except (OSError, ValueError, KeyError, AttributeError):
        return
    ops = latest.get("pending_operations") or []
    safe = [op for op in ops if op.get("type") == "creating" and op["resource"]["type"] in IDEMPOTENT_CREATES]
    unsafe = [op for op in ops if op.get("type") == "creating" and op not in safe]
    for op in unsafe:
        urn = op["resource"]["urn"]
        refresh = f"scripts/pulumi refresh --stack {stack} --yes"
        check.said.append(
            f"stack {stack} has an interrupted create of {urn}, which may exist now: if it "
            f"does, run `{refresh} --import-pending-creates {urn} <its id>`; if not, "
            f"`{refresh} --clear-pending-creates`"
        )
    # `stack import` drops every pending operation: only when each may go. (An
    # interrupted update or delete the engine drops by itself, with a warning.)
    if safe and not unsafe:
        drop(check, stack, safe)


def drop(check: Check, stack: str, safe: list[dict[str, Any]]) -> None:
    """Take the interrupted operations out of the state through the CLI (export, import)."""
    exported = cli("stack", "export", "--stack", stack)
    if exported.returncode != 0:
        check.stops.append(f"could not read stack {stack}: {exported.stderr.strip()}")
        return
    deployment = json.loads(exported.stdout)
    deployment["deployment"]["pending_operations"] = []
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="nixedge-state-", delete=False) as f:
        json.dump(deployment, f)
    try:
        imported = cli("stack", "import", "--stack", stack, "--file", f.name)
    finally:
        os.unlink(f.name)
    if imported.returncode != 0:
        check.stops.append(f"could not drop the interrupted creates of stack {stack}: {imported.stderr.strip()}")
        return
    for urn in sorted({op["resource"]["urn"] for op in safe}):
        check.said.append(
            f"dropped the interrupted create of {urn.rsplit('::', 1)[-1]} from stack {stack}: "
            "it writes the same files again and takes them over"
        )


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The Pulumi CLI on PATH (scripts/pulumi put this checkout's first), dying with us."""
    command = ["pulumi", *args, "--non-interactive"]
    return subprocess.run(command, capture_output=True, text=True, check=False, preexec_fn=die_with_parent)
