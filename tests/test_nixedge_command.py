"""The `nixedge` command (.venv/bin/nixedge, written by scripts/setup; components/__main__.py):
help with examples and exit codes for every command, and `--json` results that carry
what the tables show."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NIXEDGE = REPO / ".venv/bin/nixedge"
COMMANDS = ["check", "render", "diff", "ssh-config", "status", "import", "handover", "destroy"]


def run(*argv: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(NIXEDGE), *argv], cwd=cwd, capture_output=True, text=True, check=False, timeout=120)


def test_top_level_help_lists_commands_examples_and_exit_codes() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout, command
    assert "examples:" in result.stdout and "exit codes:" in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_examples_and_exit_codes(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "examples:" in result.stdout and f"nixedge {command}" in result.stdout
    assert "exit codes:" in result.stdout and "  0  " in result.stdout


def test_runs_from_another_directory(tmp_path: Path) -> None:
    result = run("check", "--config", str(REPO / "stacks/Pulumi.dev.yaml"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Host devhost")


def test_check_json_carries_the_table() -> None:
    table = run("check", "--stack", "seminar").stdout
    data = json.loads(run("check", "--stack", "seminar", "--json").stdout)
    (host,) = data["hosts"]
    for c in host["containers"]:
        row = next(line.split() for line in table.splitlines() if line.startswith(c["name"] + " "))
        assert row[:4] == [c["name"], c["app"], c["hostAddress"], c["localAddress"]]
        assert row[-3:] == [c["user"], str(c["uid"]), str(c["gid"])]
    for r in host["routes"]:
        assert any(line.split()[:2] == [r["hostname"], r["origin"]] for line in table.splitlines())


def test_diff_json_parses_and_names_the_change(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "stacks").mkdir()
    stack = tmp_path / "stacks/Pulumi.dev.yaml"
    stack.write_text((REPO / "stacks/Pulumi.dev.yaml").read_text())
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.test"]
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    stack.write_text(stack.read_text().replace("port: 3001", "port: 3002"))
    result = run("diff", "--config", str(stack), "--json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["changed"] is True
    assert "~ cloudflared.nix" in data["summary"]["Nix modules"]
    assert any("status.example.test" in line for line in data["summary"]["Routes"])


def test_check_says_what_preview_refuses_in_a_valid_stack(tmp_path: Path) -> None:
    """A shipped example stack keeps `<...>` Cloudflare ids: valid to review, refused by
    preview and up. `check` passes it, and says so with each key and its hint."""
    result = subprocess.run(
        [str(REPO / ".venv/bin/nixedge"), "check", "--stack", "seminar"],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("warning: `scripts/pulumi preview` and `up` refuse this stack until these are ")
    assert result.stdout.startswith("Host seminar, network ")  # the table first, the warning after it
    assert "  tunnel.accountId: must hold your Cloudflare account id, not a placeholder (got: " in result.stderr
    assert "  tunnel.zones[0].zoneId: must hold the Cloudflare id of zone ncaq.net, not a placeholder" in result.stderr
    as_json = subprocess.run(
        [str(REPO / ".venv/bin/nixedge"), "check", "--stack", "seminar", "--json"],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    issues = json.loads(as_json.stdout)["hosts"][0]["tunnel"]["publishIssues"]
    assert [i.split(":")[0] for i in issues] == ["tunnel.accountId", "tunnel.zones[0].zoneId"]
    dev = subprocess.run(
        [str(REPO / ".venv/bin/nixedge"), "check", "--stack", "dev"],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert (dev.returncode, dev.stderr) == (0, "")


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["check", "dev"], "check"),
        (["check", "--stack", "dev", "extra"], "check"),
        (["check", "--json", "seminar"], "check"),
        (["diff", "dev"], "diff"),
        (["status", "dev"], "status"),
        (["ssh-config", "dev"], "ssh-config"),
        (["render", "--out", "out", "dev"], "render"),
    ],
)
def test_a_stray_argument_shows_the_command_usage(
    argv: list[str], command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from components.__main__ import main

    with pytest.raises(SystemExit) as exited:
        main(argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err.startswith(f"usage: .venv/bin/nixedge {command} "), err
    assert f".venv/bin/nixedge {command}: error: unrecognized arguments: {argv[-1]}" in err, err
    assert "COMMAND" not in err, err
