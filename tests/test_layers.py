"""Which package may import what: the renderer is pure, the host engine has its own room.

Checked on the source (every import statement of the package), and by importing the
renderer in a fresh interpreter, so that an indirect import of Pulumi or of the engine
shows too (the standard library's socket arrives with the model's pydantic, which is
not the renderer's doing).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
IMPURE = ("pulumi", "pulumi_cloudflare", "subprocess", "socket", "shutil", "tempfile", "components.host")


def imports(package: str) -> dict[str, set[str]]:
    """Module file -> the modules it imports."""
    out: dict[str, set[str]] = {}
    for path in sorted((REPO / package.replace(".", "/")).glob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        out[path.name] = names
    return out


def test_the_renderer_imports_no_engine_and_no_io() -> None:
    found = {
        name: sorted(m for m in modules if m.split(".")[0] in IMPURE or m.startswith("components.host"))
        for name, modules in imports("components.nixos").items()
    }
    assert found == {name: [] for name in found}
    assert {"nix.py", "render.py", "container.py", "layout.py"} <= set(found)


def test_rendering_loads_neither_pulumi_nor_the_engine() -> None:
    code = (
        "import sys; import components.nixos.render; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_cloudflare') "
        "or m.startswith('components.host')); print(bad)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout


def test_the_plan_is_pure_too() -> None:
    plan = imports("components.host")["plan.py"]
    assert not {m for m in plan if m.split(".")[0] in IMPURE[:-1]}
    assert not {m for m in plan if m in ("components.host.local", "components.host.ssh")}


# -- the model: pure by its imports and by its calls -------------------------------------

MODEL = REPO / "components" / "model"
IO_METHODS = {
    "read_text", "read_bytes", "write_text", "write_bytes", "open", "exists", "is_file", "is_dir",
    "iterdir", "glob", "rglob", "mkdir", "unlink", "touch", "stat", "cwd", "home", "readlink", "chmod",
}  # fmt: skip
IO_NAMES = {"open", "input", "print", "Path", "PurePath", "os", "subprocess", "socket", "shutil", "sys", "io"}


def io_calls(source: str) -> list[str]:
    """Calls and names in `source` that reach files, processes, the network or the terminal:
    `open(...)`, `x.read_text()` and the other Path methods, any use of `os.`, `subprocess`,
    `socket`, `Path(...)`. (`Path.read_text` needs no import, so imports alone prove nothing.)"""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in IO_METHODS:
            found.append(f"line {node.lineno}: .{node.func.attr}(...)")
        elif isinstance(node, ast.Name) and node.id in IO_NAMES:
            found.append(f"line {node.lineno}: {node.id}")
    return found


def test_the_model_does_no_io_by_its_calls() -> None:
    found = {
        str(path.relative_to(REPO)): calls
        for path in sorted(MODEL.rglob("*.py"))
        if (calls := io_calls(path.read_text(encoding="utf-8")))
    }
    assert found == {}
    assert len(list(MODEL.rglob("*.py"))) > 20  # the scan reached the whole package


def test_the_call_scan_finds_what_it_looks_for() -> None:
    samples = [
        "from pathlib import Path\nPath('x').read_text()", "open('f')", "import os\nos.environ['X']",
        "def f(p):\n    return p.read_bytes()", "def f(p):\n    return p.exists()", "subprocess.run(['x'])",
        "import socket\nsocket.socket()", "def f(p):\n    p.write_text('x')",
    ]  # fmt: skip
    assert all(io_calls(sample) for sample in samples)
    assert io_calls("def f(d):\n    return {k: v for k, v in d.items()}") == []


def test_the_model_imports_no_pulumi_and_no_io_module() -> None:
    found: dict[str, list[str]] = {}
    for path in sorted(MODEL.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        bad = sorted(
            m for m in names
            if m.split(".")[0] in (*IMPURE, "os", "pathlib", "io", "yaml") or m.startswith("components.stackfile")
        )  # fmt: skip
        if bad:
            found[str(path.relative_to(REPO))] = bad
    assert found == {}


def test_the_edge_does_not_import_the_renderer() -> None:
    found = {
        str(path.relative_to(REPO)): sorted(m for m in modules if m.startswith("components.nixos"))
        for path, modules in _imports_of(REPO / "components" / "cloudflare").items()
    }
    assert found == {name: [] for name in found}
    assert found  # the edge has modules to check


def _imports_of(root: Path) -> dict[Path, set[str]]:
    out: dict[Path, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        out[path] = names
    return out
