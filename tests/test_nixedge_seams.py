"""Where a newcomer's first `nixedge` commands go wrong, the answer says what to type:
no command prints the help; a stack name without `--stack`, a stack file that does not
exist and an app preset's misspelt name each get a "did you mean"."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.paths import REPO

STACKS = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in (REPO / "stacks").glob("Pulumi.*.yaml"))


def nixedge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "components", *args], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )


def test_no_command_prints_the_help_and_exits_2() -> None:
    result = nixedge()
    assert (result.returncode, result.stdout) == (2, "")
    assert "the following arguments are required" not in result.stderr
    assert "examples:" in result.stderr and "exit codes:" in result.stderr
    assert "nixedge check --stack dev" in result.stderr and "    status    show per host" in result.stderr


def test_a_stack_name_without_stack_option_gets_a_hint() -> None:
    result = nixedge("check", "dev")
    assert result.returncode == 2
    assert result.stderr.endswith("unrecognized arguments: dev\n  Hint: did you mean --stack dev?\n")


def test_a_stray_word_that_names_no_stack_gets_no_hint() -> None:
    result = nixedge("check", "nosuchstack")
    assert result.returncode == 2
    assert "Hint" not in result.stderr


def test_a_missing_stack_lists_the_stacks_and_the_one_meant_by_case() -> None:
    result = nixedge("check", "--stack", "Dev")
    assert (result.returncode, result.stdout) == (2, "")
    assert "No such file" not in result.stderr
    assert result.stderr == (
        "no stack named 'Dev': stacks/Pulumi.Dev.yaml does not exist\n"
        f"  Hint: did you mean --stack dev? The stacks are: {', '.join(STACKS)} (stacks/Pulumi.<NAME>.yaml)\n"
    )


def test_a_missing_stack_gets_the_nearest_spelling_or_only_the_list() -> None:
    assert "did you mean --stack seminar?" in nixedge("ssh-config", "--stack", "semnar").stderr
    far = nixedge("check", "--stack", "zzz")
    assert far.returncode == 2
    assert "did you mean" not in far.stderr and f"The stacks are: {', '.join(STACKS)}" in far.stderr


def test_a_misspelt_app_preset_gets_a_did_you_mean(tmp_path: Path) -> None:
    text = (REPO / "stacks" / "Pulumi.seminar.yaml").read_text(encoding="utf-8")
    assert "app: forgejo" in text
    stack = tmp_path / "stacks" / "Pulumi.x.yaml"
    stack.parent.mkdir()
    stack.write_text(text.replace("app: forgejo", "app: forgjo", 1), encoding="utf-8")
    result = nixedge("check", "--config", str(stack))
    assert result.returncode == 2
    assert "containers.forgejo.app: must be 'forgejo', 'atticd', 'postgresql' or 'generic'; did you mean forgejo?" in (
        result.stderr
    )
