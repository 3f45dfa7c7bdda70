"""The pass that checks the rest of a site behind an unknown key reads imported modules
from the project as the first pass does (components/model/load.py): a module that exists
is never reported missing because a typo sits elsewhere in the file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from components.errors import ConfigError
from components.stackfile import load_hosts, load_stack

REPO = Path(__file__).resolve().parents[1]
VAULT = """\
      vault:
        app: generic
        user:
          name: vaultwarden
          uid: 2020
          gid: 2020
        stateDir: /var/lib/vaultwarden
        stateVersion: "25.05"
        imports:
          - nix/vault-extra.nix
        firewall:
          mode: ports
        routes:
          - hostname: vault.example.test
            port: 8222
"""


def project(tmp_path: Path, *edits: tuple[str, str], module: bool = True) -> Path:
    """A project in tmp_path: the dev stack with the vault container, and its module."""
    text = (REPO / "stacks/Pulumi.dev.yaml").read_text()
    assert text.rstrip().splitlines()[-1].startswith("      "), "the dev stack ends inside containers:"
    text += VAULT
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "stacks" / "Pulumi.dev.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    if module:
        (tmp_path / "nix").mkdir()
        (tmp_path / "nix" / "vault-extra.nix").write_text("{ ... }: { }\n")
    return path


def errors(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_stack(config_file=path)
    return str(caught.value)


def test_the_project_with_its_module_is_valid(tmp_path: Path) -> None:
    load_stack(config_file=project(tmp_path))


STATE_DIR_TYPO = (
    "        stateDir: /var/lib/vaultwarden\n",
    '        stateDirMod: "0750"\n        stateDir: /var/lib/vaultwarden\n',
)
TYPOS = [
    pytest.param(
        STATE_DIR_TYPO,
        "containers.vault.stateDirMod",
        id="container-key",
    ),
    pytest.param(
        ("          mode: ports\n", "          mode: ports\n          mod: ports\n"),
        "containers.vault.firewall.mod",
        id="nested-key",
    ),
    pytest.param(
        ("    containers:\n", "    containres_note: 1\n    containers:\n"), "containres_note", id="top-level-key"
    ),
    pytest.param(
        ("          gid: 2020\n", "          gid: 2020\n          gidd: 2020\n"),
        "containers.vault.user.gidd",
        id="user-key",
    ),
]


@pytest.mark.parametrize(("edit", "key"), TYPOS)
def test_unknown_key_does_not_lose_the_module(tmp_path: Path, edit: tuple[str, str], key: str) -> None:
    said = errors(project(tmp_path, edit))
    assert f"{key}: is not a known key" in said, said
    assert "cannot be read from the project" not in said, said
    assert "imports" not in said, said


@pytest.mark.parametrize(("edit", "key"), TYPOS)
def test_the_same_from_another_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: tuple[str, str], key: str
) -> None:
    path = project(tmp_path / "p", edit)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with pytest.raises(ConfigError) as caught:
        load_hosts(config_file=path)
    assert "cannot be read from the project" not in str(caught.value)


def test_a_missing_module_is_still_reported_behind_a_typo(tmp_path: Path) -> None:
    said = errors(project(tmp_path, STATE_DIR_TYPO, module=False))
    assert "containers.vault.stateDirMod: is not a known key" in said, said
    assert "containers.vault.imports[0]: cannot be read from the project: No such file or directory" in said, said


def test_misspelt_imports_reads_the_module_it_names(tmp_path: Path) -> None:
    said = errors(project(tmp_path, ("        imports:\n", "        improts:\n")))
    assert "containers.vault.improts: is not a known key; did you mean imports?" in said, said
    assert "cannot be read from the project" not in said, said


def test_nixedge_check_from_the_command_line(tmp_path: Path) -> None:
    path = project(tmp_path, STATE_DIR_TYPO)
    done = subprocess.run(
        [str(REPO / ".venv/bin/nixedge"), "check", "--config", str(path)],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert done.returncode == 2, done
    assert "stateDirMod" in done.stderr and "cannot be read" not in done.stderr, done.stderr


def test_a_site_of_hosts_reads_the_module_behind_a_typo(tmp_path: Path) -> None:
    import yaml

    from components.stackfile import hosts_in_project

    path = project(tmp_path, STATE_DIR_TYPO)
    site = yaml.safe_load(path.read_text())["config"]["nixedge:site"]
    with pytest.raises(ConfigError) as caught:
        hosts_in_project({"hosts": {"devhost": site}}, "a site", tmp_path)
    said = str(caught.value)
    assert "hosts.devhost.containers.vault.stateDirMod: is not a known key" in said, said
    assert "cannot be read from the project" not in said, said
