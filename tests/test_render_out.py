"""`nixedge render --out DIR` into a directory that holds other files: it writes its
own, removes nothing, and names on stderr every file it did not write (exit 0)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.paths import REPO


def render(stack: str, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "components", "render", "--stack", stack, "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_earlier_renders_file_is_named_and_kept(tmp_path: Path) -> None:
    first = render("seminar", tmp_path)
    assert (first.returncode, first.stderr) == (0, "")  # an empty directory: nothing to say
    assert (tmp_path / "containers" / "atticd.nix").is_file()
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    second = render("dev", tmp_path)
    assert second.returncode == 0
    assert second.stderr == (
        f"warning: {tmp_path} holds 2 file(s) this render did not write (an earlier render's or not nixedge's); "
        "they were left as they are: containers/atticd.nix, notes.txt. "
        "Render into an empty directory to get only this stack's modules.\n"
    )
    assert (tmp_path / "containers" / "atticd.nix").is_file() and (tmp_path / "notes.txt").is_file()


def test_rendering_the_same_stack_again_says_nothing(tmp_path: Path) -> None:
    assert render("dev", tmp_path).stderr == ""
    again = render("dev", tmp_path)
    assert (again.returncode, again.stderr) == (0, "")


def test_many_stale_files_are_counted_after_the_first_ten(tmp_path: Path) -> None:
    for n in range(12):
        (tmp_path / f"old{n:02}.nix").write_text("{ }\n", encoding="utf-8")
    result = render("dev", tmp_path)
    assert result.returncode == 0
    assert "holds 12 file(s)" in result.stderr and "old09.nix and 2 more." in result.stderr
    assert "old10.nix" not in result.stderr
