"""`nixedge diff` compares a stack file at a git revision with the working tree.

Each test runs the command on a throwaway git repository in tmp_path holding a copy of
stacks/Pulumi.seminar.yaml (never on this checkout's own git), and proves: an unchanged
stack exits 0; a changed port exits 1 with the Nix line and the ingress change; a removed
route removes its rule and DNS record; a change that reaches only Cloudflare still exits 1;
a stack missing at the base is "everything added"; a bad revision and an invalid config on
either side exit 2 with a message naming the problem; and the command imports no Pulumi.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.__main__ import main

REPO = Path(__file__).resolve().parent.parent
SEMINAR = REPO / "stacks" / "Pulumi.seminar.yaml"
STACK = Path("stacks") / "Pulumi.seminar.yaml"


@pytest.fixture(autouse=True)
def no_cli(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """`diff` asks the Pulumi CLI for its reading when there is one; only the tests marked
    `engine` do, so that the fast subset (`-m "not engine"`) runs no engine."""
    if request.node.get_closest_marker("engine") is None:
        from components.stackfile import cli_config

        monkeypatch.setattr(cli_config, "engine_cli", lambda: None)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with the seminar stack committed; git sees no user or system config."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "nixedge tests")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "tests@nixedge.invalid")
    (tmp_path / "stacks").mkdir()
    (tmp_path / STACK).write_text(SEMINAR.read_text(encoding="utf-8"), encoding="utf-8")
    _git(tmp_path, "init", "--quiet")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "--quiet", "-m", "seminar stack")
    return tmp_path


def _edit(repo: Path, change: Any) -> None:
    """Apply `change` to the working tree's `nixedge:site` mapping."""
    path = repo / STACK
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc["config"]["nixedge:site"])
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def _diff(repo: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    code = main(["diff", "--config", str(repo / STACK), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def _forgejo_port(port: int) -> Any:
    def change(site: dict[str, Any]) -> None:
        route = next(r for r in site["containers"]["forgejo"]["routes"] if r["hostname"] == "forgejo.ncaq.net")
        route["port"] = port

    return change


def test_unchanged_stack_exits_0(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _diff(repo, capsys)
    assert (code, err) == (0, "")
    assert out == "No change: stacks/Pulumi.seminar.yaml renders the same at HEAD and in the working tree.\n"


def test_reformatted_yaml_is_no_change(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(repo, lambda site: None)  # comments dropped, keys re-laid: the same site
    code, _, _ = _diff(repo, capsys)
    assert code == 0


def test_changed_port_shows_the_nix_line_and_the_ingress_change(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(repo, _forgejo_port(8081))
    code, out, err = _diff(repo, capsys)
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert "--- a/containers/forgejo.nix" in lines
    assert "+++ b/containers/forgejo.nix" in lines
    removed = [line[1:].strip() for line in lines if line.startswith("-") and not line.startswith("---")]
    added = [line[1:].strip() for line in lines if line.startswith("+") and not line.startswith("+++")]
    assert "HTTP_PORT = 8080;" in removed
    assert "HTTP_PORT = 8081;" in added
    assert "Routes: 1 change(s)" in lines
    assert "  ~ forgejo.ncaq.net: http://192.168.100.11:8080 -> http://192.168.100.11:8081" in lines
    assert "Containers: no change" in lines
    assert "DNS records: no change" in lines


def test_removed_route_removes_its_ingress_rule_and_dns_record(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(repo, lambda site: site["containers"]["atticd"].pop("routes"))
    code, out, _ = _diff(repo, capsys)
    lines = out.splitlines()
    assert code == 1
    removed = [line[1:].strip() for line in lines if line.startswith("-") and not line.startswith("---")]
    assert '"nix-cache.ncaq.net" = "http://192.168.100.21:8080";' in removed
    assert "  - nix-cache.ncaq.net (was http://192.168.100.21:8080)" in lines
    assert "  - nix-cache.ncaq.net CNAME" in lines


def test_change_that_reaches_only_cloudflare_exits_1_without_a_nix_diff(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(repo, lambda site: site["tunnel"]["zones"][0].update(zoneId="0123456789abcdef0123456789abcdef"))
    code, out, _ = _diff(repo, capsys)
    assert code == 1
    assert out.startswith("Summary of stacks/Pulumi.seminar.yaml: HEAD -> the working tree\nNix modules: no change\n")
    assert "  ~ tunnel.zones: ncaq.net (<your-ncaq.net-zone-id>) -> ncaq.net (0123456789abcdef0123456789abcdef)" in out


@pytest.mark.parametrize(
    ("before", "after", "line"),
    [
        ("switch", "none", "  ~ activation: nixos-rebuild switch -> none (mode none: nothing activated)"),
        ("none", "boot", "  ~ activation: none (mode none: nothing activated) -> nixos-rebuild boot"),
    ],
)
def test_activation_mode_none_is_named_not_left_empty(
    repo: Path, capsys: pytest.CaptureFixture[str], before: str, after: str, line: str
) -> None:
    _edit(repo, lambda site: site["host"].update(activation={"mode": before}))
    _git(repo, "commit", "--quiet", "-am", f"activation {before}")
    _edit(repo, lambda site: site["host"].update(activation={"mode": after}))
    code, out, _ = _diff(repo, capsys)
    assert code == 1
    assert line in out.splitlines(), out


def test_color_is_off_by_default_and_on_when_asked(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(repo, _forgejo_port(8081))
    _, plain, _ = _diff(repo, capsys)
    _, colored, _ = _diff(repo, capsys, "--color", "always")
    assert "\033[" not in plain
    lines = colored.splitlines()
    assert any(line.startswith("\033[32m+") and line.endswith("HTTP_PORT = 8081;\033[0m") for line in lines)
    assert "\033[1m--- a/containers/forgejo.nix\033[0m" in lines


def test_stack_missing_at_base_is_everything_added(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = repo / "stacks" / "Pulumi.other.yaml"
    new.write_text((repo / STACK).read_text(encoding="utf-8"), encoding="utf-8")
    code = main(["diff", "--config", str(new)])
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("stacks/Pulumi.other.yaml does not exist at HEAD: everything in it is added.\n")
    assert "--- /dev/null\n+++ b/default.nix\n" in out
    assert "  + forgejo.ncaq.net: http://192.168.100.11:8080" in out.splitlines()


def test_bad_ref_exits_2_naming_it(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _diff(repo, capsys, "--base", "nope")
    assert (code, out) == (2, "")
    assert err.startswith(f"REF 'nope' is not a git revision in {repo.resolve()}\n")


def test_invalid_working_tree_exits_2_naming_the_key(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(repo, lambda site: site["containers"]["forgejo"]["user"].update(uid="x"))
    code, out, err = _diff(repo, capsys)
    assert (code, out) == (2, "")
    first, issue, last = err.splitlines()
    assert first == "1 error in stacks/Pulumi.seminar.yaml in the working tree:"
    # The wording between key and value is the model's own (tested with the model).
    assert issue.startswith("  containers.forgejo.user.uid: ") and issue.endswith(" (got: 'x')")
    assert last == "stacks/Pulumi.seminar.yaml in the working tree is invalid; nothing was changed."


def test_invalid_base_exits_2_saying_it_is_the_base(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / STACK).write_text("config: [\n", encoding="utf-8")
    _git(repo, "commit", "--quiet", "-am", "broken")
    _git(repo, "checkout", "--quiet", "HEAD~1", "--", str(STACK))
    code, _, err = _diff(repo, capsys)
    assert code == 2
    assert err.startswith(
        "1 error in stacks/Pulumi.seminar.yaml at HEAD (the base):\n  stacks/Pulumi.seminar.yaml: is not valid YAML"
    )


def test_command_line_exit_codes_and_no_pulumi_import(repo: Path) -> None:
    """The real entry point, in a fresh interpreter: exit status 1 on a change, and Pulumi is never imported."""
    _edit(repo, _forgejo_port(8081))
    probe = (
        "import sys\n"
        "from components.__main__ import main\n"
        f"code = main(['diff', '--config', {str(repo / STACK)!r}])\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_cloudflare')]\n"
        "sys.exit(code)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=False)
    assert proc.returncode == 1, proc.stderr
    assert "HTTP_PORT = 8081;" in proc.stdout


def test_diff_stops_where_the_engine_reads_the_file_otherwise(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The working tree's file is read by the Pulumi CLI too (components/stackfile/cli_config.py);
    a reading that differs from `check`'s stops the review with the key, its line and a hint.
    The CLI's answer is stood in for here; tests/test_stack_fuzz_engine.py asks the real one."""
    from components.stackfile import agree, cli_config

    _edit(repo, lambda site: site["containers"]["forgejo"].update(stateVersion="24.11"))
    written = (repo / STACK).read_text(encoding="utf-8")
    line = next(i for i, text in enumerate(written.splitlines(), 1) if "stateVersion: '24.11'" in text)

    def other_reading(data: bytes, cli: str | None = None) -> cli_config.EngineReading:
        site = yaml.safe_load(data)["config"]["nixedge:site"]
        site["containers"]["forgejo"]["stateVersion"] = "24.05"
        return cli_config.EngineReading(site=site)

    monkeypatch.setattr(agree, "engine_reading", other_reading)
    code, out, err = _diff(repo, capsys)
    assert code == 2 and out == "", err
    assert f"containers.forgejo.stateVersion: (line {line} of {STACK}) is '24.11' to `check`" in err, err
    assert "but '24.05' to the Pulumi engine" in err and 'Hint: write it as "24.11"' in err, err

    monkeypatch.setattr(agree, "engine_reading", lambda data, cli=None: cli_config.EngineReading(refused="boom"))
    code, out, err = _diff(repo, capsys)
    assert code == 2 and "is refused by the Pulumi engine, which `check` accepts: boom" in err, err


@pytest.mark.engine
def test_diff_passes_where_the_engine_reads_the_file_as_check_does(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(repo, lambda site: site["containers"]["forgejo"].update(stateVersion="24.11"))
    code, _, err = _diff(repo, capsys)
    assert code == 1, err  # a change, read alike by the CLI: no error


@pytest.mark.engine
def test_the_cli_reads_a_stack_file_as_the_engine_does() -> None:
    from components.stackfile.cli_config import engine_cli, engine_reading

    assert engine_cli() is not None, "no Pulumi CLI: run scripts/setup"
    assert engine_reading(b"config:\n  site:\n    a: 0b+1\n    b: '0b+1'\n") == cli_reading({"a": 1, "b": "0b+1"})
    refused = engine_reading(b'config:\n  nixedge:site:\n    a: "\\tx\\n"\n')
    assert refused is not None and refused.site is None and "tab character" in str(refused.refused)


def cli_reading(site: Any) -> Any:
    from components.stackfile.cli_config import EngineReading

    return EngineReading(site=site)
