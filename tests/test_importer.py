"""`nixedge import` (components/importer, components/commands/importer.py): the seed's
hand-written modules (tests/fixtures/seed/, three excerpts completed as their headers
say), evaluated with real Nix, give a stack file that renders exactly what the seminar
stack renders."""

from __future__ import annotations

import subprocess
from pathlib import Path

from components.nixos.render import render
from components.stackfile import load_stack

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "tests/fixtures/seed"
MODULES = ["container-network.nix", "forgejo.nix", "atticd.nix", "cloudflare.nix", "postgresql.nix"]


def test_importing_the_seed_renders_the_seminar_stack(tmp_path: Path) -> None:
    out = tmp_path / "stacks/Pulumi.imported.yaml"
    result = subprocess.run(
        [str(REPO / ".venv/bin/nixedge"), "import", *(str(SEED / m) for m in MODULES),
         "--out", str(out), "--nixos-release", "25.11"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Wrote" in result.stdout and "containers atticd, forgejo" in result.stdout
    imported = render(load_stack(config_file=out))
    seminar = render(load_stack(config_file=REPO / "stacks/Pulumi.seminar.yaml"))
    assert sorted(imported) == sorted(seminar)
    for rel, text in seminar.items():
        assert imported[rel] == text, rel


def test_import_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "Pulumi.x.yaml"
    out.write_text("keep\n")
    result = subprocess.run(
        [str(REPO / ".venv/bin/nixedge"), "import", *(str(SEED / m) for m in MODULES), "--out", str(out)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2 and "exists" in result.stderr
    assert out.read_text() == "keep\n"


def test_a_module_nix_cannot_evaluate_is_said_with_nix_s_words(tmp_path: Path) -> None:
    broken = tmp_path / "broken.nix"
    broken.write_text("{ containers.x = ; }\n")
    result = subprocess.run(
        [str(REPO / ".venv/bin/nixedge"), "import", str(broken)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Nix could not evaluate the modules" in result.stderr and "syntax error" in result.stderr
