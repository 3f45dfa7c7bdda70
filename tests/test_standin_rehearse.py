"""The command a guide runs to rehearse its Cloudflare recipes against the stand-in
(tests/cloudflare_plugin_standin/rehearse.py): what it writes and the line it prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cloudflare_plugin_standin.account import STATE_ENV
from tests.cloudflare_plugin_standin.rehearse import main, zones
from tests.conftest import REPO

ZONE = "fedcba9876543210fedcba9876543210"


def test_zones_are_read_as_name_and_id() -> None:
    assert zones([f"example.net={ZONE}", f"b.example.org={'0' * 32}"]) == {
        "example.net": ZONE,
        "b.example.org": "0" * 32,
    }


@pytest.mark.parametrize("arg", ["example.net", f"example.net:{ZONE}", "example.net=abc", f"net={ZONE}", f"={ZONE}"])
def test_a_zone_argument_that_is_not_one_is_named(arg: str) -> None:
    with pytest.raises(ValueError, match=f"^{arg!r} is not ZONE=ZONE_ID"):
        zones([arg])


def test_usage_without_a_zone(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main([str(tmp_path)]) == 2
    assert main(["--help"]) == 0
    assert capsys.readouterr().err.count("usage: python -m tests.cloudflare_plugin_standin.rehearse") == 2
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_the_printed_line_puts_the_plugin_first_on_path(tmp_path: Path) -> None:
    where = tmp_path / "cf standin"  # a space: the line quotes what it names
    line = subprocess.run(
        [sys.executable, "-m", "tests.cloudflare_plugin_standin.rehearse", str(where), f"example.net={ZONE}"],
        cwd=REPO, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    shown = subprocess.run(
        ["sh", "-c", f'{line}\ncommand -v pulumi-resource-cloudflare; printf "%s\\n" "${STATE_ENV}"'],
        check=True, capture_output=True, text=True, env={"PATH": os.environ["PATH"]},
    ).stdout.splitlines()  # fmt: skip
    assert shown == [str(where / "bin" / "pulumi-resource-cloudflare"), str(where / "cloudflare.json")]
    account = json.loads((where / "cloudflare.json").read_text())
    assert ZONE in json.dumps(account) and "example.net" in json.dumps(account)


def test_a_directory_of_other_files_is_refused_and_an_earlier_rehearsal_starts_fresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    assert main([str(mine), f"example.net={ZONE}"]) == 2
    assert "holds files of its own" in capsys.readouterr().err
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    rehearsal = tmp_path / "rehearsal"
    assert main([str(rehearsal), f"example.net={ZONE}"]) == 0
    (rehearsal / "cloudflare.json").write_text("{}")  # an account the earlier rehearsal changed
    assert main([str(rehearsal), f"example.org={ZONE}"]) == 0
    assert "replaced by a fresh one" in capsys.readouterr().err
    assert "example.org" in (rehearsal / "cloudflare.json").read_text()
