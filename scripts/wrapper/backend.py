"""Where the stacks live: the environment the CLI runs in (the local file backend in
`.state/` unless PULUMI_BACKEND_URL says otherwise), and what the backend holds."""

from __future__ import annotations

import os
from pathlib import Path

from scripts.wrapper.paths import REPO, VENV_BIN

PROJECT = "nixedge"
"""The project of Pulumi.yaml: its stacks' checkpoints are `.pulumi/stacks/nixedge/<stack>.json`."""


def environment(env: dict[str, str]) -> dict[str, str]:
    """The CLI's environment: this checkout's backend by default, its CLI and plugins first on PATH."""
    env = dict(env)
    if not env.get("PULUMI_BACKEND_URL"):
        (REPO / ".state").mkdir(exist_ok=True)
        env["PULUMI_BACKEND_URL"] = f"file://{REPO}/.state"
    env["PULUMI_SKIP_UPDATE_CHECK"] = "true"
    # A site's hosts all deploy at once (the CLI's default is 4 x cores: 8 on two); the
    # user's --parallel or PULUMI_PARALLEL still decide (docs/sites.md).
    env.setdefault("PULUMI_PARALLEL", "64")
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    # With our own language host the engine can get no plugin by download here: fail at
    # once with "no resource plugin" instead of trying the network.
    if (VENV_BIN / "pulumi-language-python").exists():
        env.setdefault("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "true")
    return env


def directory(url: str) -> Path | None:
    """The directory of a `file://` backend URL; None for any other backend."""
    if not url.startswith("file://"):
        return None
    return Path(os.path.expanduser(url.removeprefix("file://").split("?", 1)[0]))


def has_stack(root: Path, stack: str) -> bool:
    """Whether the file backend at `root` holds `stack`: its checkpoint, not the `.bak`
    that `stack rm` leaves behind."""
    return checkpoint(root, stack) is not None


def checkpoint(root: Path, stack: str) -> Path | None:
    """The checkpoint file of `stack` in the file backend at `root` (the project's
    directory, or the older layout without one), if it has one."""
    stacks = root / ".pulumi" / "stacks"
    names = [f"{stack}.json", f"{stack}.json.gz"]
    found = (where / name for where in (stacks / PROJECT, stacks) for name in names)
    return next((path for path in found if path.is_file()), None)
