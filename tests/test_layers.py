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
