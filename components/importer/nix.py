"""Evaluate hand-written NixOS modules with `nix-instantiate` (eval.nix), not a parser of ours."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from components.errors import NixedgeError

EVAL = Path(__file__).resolve().parent / "eval.nix"


class ImportError_(NixedgeError):
    """The modules could not be evaluated, or describe what nixedge cannot express."""


def _nix_string(path: Path) -> str:
    text = str(path.resolve())
    if any(c in text for c in ' "\\${}[]'):
        raise ImportError_(f"{path}: a module path with spaces, quotes or brackets cannot be passed to Nix")
    return text


def evaluate(files: Sequence[Path]) -> dict[str, Any]:
    """The option values the modules define (see eval.nix for which ones)."""
    nix = shutil.which("nix-instantiate")
    if nix is None:
        raise ImportError_("import evaluates the modules with nix-instantiate: install Nix (Debian: nix-bin)")
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise ImportError_(f"no such module file: {', '.join(missing)}")
    listed = " ".join(_nix_string(f) for f in files)
    proc = subprocess.run(
        [nix, "--eval", "--strict", "--json", str(EVAL), "--arg", "files", f"[ {listed} ]"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        errors = [line for line in proc.stderr.splitlines() if "build-users-group" not in line]
        raise ImportError_("Nix could not evaluate the modules:\n  " + "\n  ".join(errors[-15:]))
    data = json.loads(proc.stdout)
    return data if isinstance(data, dict) else {}
