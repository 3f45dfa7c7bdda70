"""`nixedge check --json` prints one JSON document whatever happens (components/commands/
check.py): `ok`, the errors with their key and line, the warnings; and `status --json`'s
keys are camelCase like every other nixedge JSON (components/commands/status_state.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from components.__main__ import main
from components.commands.status_state import HostStatus, TunnelStatus, as_json
from tests.model_cases import edited_stack as stack

REPO = Path(__file__).resolve().parents[1]


def check_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(["check", "--json", *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_a_yaml_error_is_json_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = stack(tmp_path, "dev", ("          uid: 991\n", "        uid: 991\n"))
    code, data, err = check_json(capsys, "--config", str(path))
    assert (code, data["ok"], data["warnings"], err) == (2, False, [], "")
    (error,) = data["errors"]
    assert error["key"] is None and error["file"] == str(path)
    assert error["line"] == 31 and "indentation mistake at line 31" in error["message"]
    assert error["hint"] == "indent each key two spaces right of the key it belongs to"


def test_every_error_of_a_round_with_key_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = stack(
        tmp_path,
        "apps",
        ("      podman:\n        subnet: 10.80.0.0/24\n", "      podmn: {}\n"),
        ("uid: 2101", "uid: 2001"),
        ("hostname: whoami.example.org", "hostname: whoami.exmple.org"),
    )
    code, data, _ = check_json(capsys, "--config", str(path))
    assert code == 2 and data["ok"] is False and "hosts" not in data
    keys = [(e["key"], e["line"]) for e in data["errors"]]
    assert keys == [
        ("network.podmn", 19),
        ("network.podmn.subnet", 19),
        ("ociContainers.whoami.user.uid", 56),
        ("ociContainers.whoami.routes[0].hostname", 73),
    ]
    assert data["errors"][0]["message"] == "is not a known key; did you mean podman?"


def test_an_unknown_stack_is_json_too(capsys: pytest.CaptureFixture[str]) -> None:
    code, data, _ = check_json(capsys, "--stack", "no-such-stack")
    assert code == 2 and data["ok"] is False
    (error,) = data["errors"]
    assert error["key"] == "--stack" and "no stack named 'no-such-stack'" in error["message"]


def test_placeholder_ids_are_warnings_with_their_lines(capsys: pytest.CaptureFixture[str]) -> None:
    code, data, err = check_json(capsys, "--stack", "seminar")
    assert (code, data["ok"], data["errors"], err) == (0, True, [], "")
    lines = (REPO / "stacks/Pulumi.seminar.yaml").read_text().splitlines()
    account = next(n for n, line in enumerate(lines, 1) if line.strip().startswith("accountId:"))
    warned = {w["key"]: w for w in data["warnings"]}
    assert warned["tunnel.accountId"]["line"] == account
    assert "refuse the stack until it is filled in" in warned["tunnel.accountId"]["message"]
    assert any(key.startswith("tunnel.zones[") for key in warned), warned
    assert data["hosts"][0]["host"]


def test_an_oci_app_as_root_is_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user = "        user:\n          name: whoami\n          uid: 2101\n          gid: 2101\n"
    code, data, err = check_json(capsys, "--config", str(stack(tmp_path, "apps", (user, ""))))
    assert (code, data["ok"], err) == (0, True, "")
    (root,) = [w for w in data["warnings"] if w["key"] == "ociContainers.whoami.user"]
    assert "runs as its image's user, root unless the image says otherwise" in root["message"]
    assert root["line"] is not None


def test_a_copied_encryptionsalt_is_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack(tmp_path, "dev")
    copy = stack(tmp_path, "apps")
    salt = next(line for line in (REPO / "stacks/Pulumi.dev.yaml").read_text().splitlines() if "encryptionsalt" in line)
    copy.write_text(f"{salt}\n{copy.read_text()}")
    code, data, _ = check_json(capsys, "--config", str(copy))
    assert code == 0
    assert data["warnings"][0]["key"] == "encryptionsalt"


def test_status_json_keys_are_camel_case() -> None:
    tunnel = as_json(TunnelStatus("dev", "remote", "abc", "healthy"))
    assert "tunnelId" in tunnel and "tunnel_id" not in tunnel
    host = as_json(HostStatus("h", "/p", {"containers/my_app.nix": "in sync"}, {"secrets_changed": [], "mode": "x"}))
    assert host["activation"] == {"secretsChanged": [], "mode": "x"}
    assert host["files"] == {"containers/my_app.nix": "in sync"}  # paths are not keys to rename
