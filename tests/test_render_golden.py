"""The seminar stack renders byte-for-byte to the files in tests/golden/seminar/.

So a reviewer sees every change to the generated Nix as a diff of these files. After an
intended change to the renderer or to stacks/Pulumi.seminar.yaml, regenerate them and
review the diff:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_render_golden.py

(the variable makes the test write the files; it then fails, so an update is never
mistaken for a pass).
"""

from __future__ import annotations

import difflib
import os

import pytest

from components.nixos.render import render
from components.stackfile import load_stack
from tests.nixeval import parse_files
from tests.paths import TESTS

GOLDEN = TESTS / "golden" / "seminar"


def _golden_files() -> dict[str, str]:
    return {
        p.relative_to(GOLDEN).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(GOLDEN.rglob("*"))
        if p.is_file()
    }


def _update(files: dict[str, str]) -> None:
    for old in GOLDEN.rglob("*.nix"):
        if old.relative_to(GOLDEN).as_posix() not in files:
            old.unlink()
    for rel, text in files.items():
        path = GOLDEN / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_seminar_render_matches_golden_files() -> None:
    files = render(load_stack("seminar"))
    if os.environ.get("UPDATE_GOLDEN"):
        _update(files)
        pytest.fail(
            f"UPDATE_GOLDEN is set: rewrote {len(files)} files in {GOLDEN}; review the diff, then rerun without it"
        )
    golden = _golden_files()
    assert sorted(files) == sorted(golden), "the set of rendered files changed; rerun with UPDATE_GOLDEN=1"
    diffs = [
        "".join(
            difflib.unified_diff(
                golden[rel].splitlines(True), files[rel].splitlines(True), f"golden/{rel}", f"rendered/{rel}"
            )
        )
        for rel in files
        if files[rel] != golden[rel]
    ]
    assert not diffs, "rendered Nix differs from tests/golden/seminar (UPDATE_GOLDEN=1 to accept):\n" + "\n".join(diffs)


def test_golden_files_parse() -> None:
    paths = [p for p in sorted(GOLDEN.rglob("*.nix"))]
    assert len(paths) == 5
    parse_files(paths)


def test_render_is_deterministic() -> None:
    first = render(load_stack("seminar"))
    second = render(load_stack("seminar"))
    assert first == second
    assert list(first) == sorted(first)
    for rel, text in first.items():
        assert "\t" not in text and " \n" not in text, f"{rel}: tab or trailing space"
        assert text.endswith("\n") and not text.endswith("\n\n"), rel


def test_golden_dir_holds_only_rendered_files() -> None:
    stray = [p for p in GOLDEN.rglob("*") if p.is_file() and p.suffix != ".nix"]
    assert not stray, f"unexpected files in {GOLDEN}: {stray}"
