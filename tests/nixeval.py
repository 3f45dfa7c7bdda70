"""Helpers of the test suite: parse and evaluate generated Nix with `nix-instantiate`.

Not a test module; import it as `tests.nixeval`. The sites the tests mutate are in
`tests.site_mutations`, the checkout's paths in `tests.paths`.

`nix-instantiate` (Nix 2.8, Debian `nix-bin`, installed by scripts/setup) is called as a
subprocess: `--parse` proves a file is Nix, `--eval --strict --json` through
tests/nix/stub.nix proves what it evaluates to. Batch calls where you can: one process
costs about 20 ms.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.paths import TESTS

STUB = TESTS / "nix" / "stub.nix"


class NixError(AssertionError):
    """nix-instantiate refused a file or an expression; the message holds its stderr."""


def nix_instantiate() -> str:
    found = shutil.which("nix-instantiate")
    if found is None:
        raise NixError("nix-instantiate is not on PATH: run scripts/setup (Debian package nix-bin)")
    return found


def _run(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [nix_instantiate(), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=TESTS,
    )


def parse_files(paths: Iterable[Path]) -> None:
    """Every file parses as Nix; one process for all, then one per file to name a failure."""
    names = [str(p) for p in paths]
    if not names:
        raise NixError("no files to parse")
    if _run(["--parse", *names]).returncode == 0:
        return
    for path in names:
        result = _run(["--parse", path])
        if result.returncode != 0:
            raise NixError(f"{path} does not parse:\n{result.stderr}\n--- file ---\n{Path(path).read_text()}")
    raise NixError(f"nix-instantiate --parse failed on {len(names)} files together, but not alone")


def eval_expr(expr: str) -> Any:
    """The JSON value of a Nix expression (evaluated strictly)."""
    result = _run(["--eval", "--strict", "--json", "-E", expr])
    if result.returncode != 0:
        raise NixError(f"evaluation failed:\n{result.stderr}\n--- expression ---\n{expr}")
    return json.loads(result.stdout)


def eval_modules(paths: Sequence[Path], root: Path | None = None) -> list[Any]:
    """Each module evaluated against the stubs of tests/nix/stub.nix, in one process.

    Paths in `imports` come back relative to `root` (default: each module's directory).
    """
    files = json.dumps([str(Path(p).resolve()) for p in paths])
    args = "{ inherit file; }" if root is None else f"{{ inherit file; root = {json.dumps(str(root.resolve()))}; }}"
    expr = f"{{ files }}: map (file: import {STUB} {args}) (builtins.fromJSON files)"
    result = _run(["--eval", "--strict", "--json", "-E", expr, "--argstr", "files", files])
    if result.returncode != 0:
        for path in paths:  # name the module that fails
            eval_module(path)
        raise NixError(f"evaluating {len(paths)} modules together failed:\n{result.stderr}")
    out = json.loads(result.stdout)
    assert isinstance(out, list)
    return out


def eval_module(path: Path) -> Any:
    """One module evaluated against the stubs (see tests/nix/stub.nix)."""
    result = _run(["--eval", "--strict", "--json", str(STUB), "--argstr", "file", str(Path(path).resolve())])
    if result.returncode != 0:
        raise NixError(f"{path} does not evaluate:\n{result.stderr}\n--- file ---\n{Path(path).read_text()}")
    return json.loads(result.stdout)


def write_tree(root: Path, files: Mapping[str, str]) -> list[Path]:
    """Write rendered files below `root`; return their paths in the order given."""
    out = []
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        out.append(path)
    return out
