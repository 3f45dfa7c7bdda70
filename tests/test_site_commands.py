"""The pure commands on a site of several hosts: `check` shows each host (and names the
host in errors), `ssh-config` gives each host's snippet, `render` writes each host's
modules in a directory of its name (byte for byte the one-host render), and `diff` shows
a one-host stack rewritten as a one-host site as "no change" in the Nix (the render is
the same) and a move of a route to another host as a change of both hosts.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.__main__ import main
from components.nixos.render import render
from components.stackfile import read_stack_file, stack_path
from tests.test_diff import STACK, _diff, repo  # noqa: F401 (the fixture)
from tests.test_model_hosts import seminar, storage


def write_site(path: Path, site: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"config": {"nixedge:site": site}}, sort_keys=False), encoding="utf-8")


@pytest.fixture
def site_file(tmp_path: Path) -> Path:
    path = tmp_path / "stacks" / "Pulumi.site.yaml"
    write_site(path, {"hosts": {"seminar": seminar(), "storage": storage()}})
    return path


def test_check_shows_each_host(site_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--config", str(site_file)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Site of 2 hosts (seminar, storage): 4 route(s) in all\n\nHost seminar, network ")
    assert "\n\nHost storage, network 192.168.100.0/24: 1 container(s)\n" in out
    assert "Tunnel storage (local ingress): 1 route(s)" in out


def test_check_names_the_host_of_an_error(site_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = yaml.safe_load(site_file.read_text())
    doc["config"]["nixedge:site"]["hosts"]["storage"]["containers"]["files"]["user"]["uid"] = "x"
    site_file.write_text(yaml.safe_dump(doc))
    assert main(["check", "--config", str(site_file)]) == 2
    err = capsys.readouterr().err
    assert "  hosts.storage.containers.files.user.uid: " in err, err


def test_ssh_config_has_each_hosts_snippet(site_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ssh-config", "--config", str(site_file)]) == 0
    out = capsys.readouterr().out
    assert "# SSH to host seminar's services" in out and "Host forgejo-ssh.ncaq.net" in out
    assert "storage" not in out, "storage has no ssh route"


def test_render_writes_each_host_under_its_name(site_file: Path, tmp_path: Path) -> None:
    assert main(["render", "--config", str(site_file), "--out", str(tmp_path / "out")]) == 0
    from components.model import site_from_data

    expected = render(site_from_data(seminar()))
    written = {
        str(p.relative_to(tmp_path / "out" / "seminar")): p.read_text()
        for p in (tmp_path / "out" / "seminar").rglob("*")
        if p.is_file()
    }
    assert written == expected
    assert (tmp_path / "out" / "storage" / "containers" / "files.nix").is_file()


def test_diff_of_a_stack_rewritten_as_a_site(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    one = copy.deepcopy(read_stack_file(stack_path("seminar")))
    name = one["host"].pop("name")
    write_site(repo / STACK, {"hosts": {name: one}})
    code, out, _ = _diff(repo, capsys)
    assert code == 0, out
    assert out == f"No change: {STACK} renders the same at HEAD and in the working tree.\n"
    # Then a route moves to a new host: both hosts' files and the route show it.
    site = yaml.safe_load((repo / STACK).read_text())["config"]["nixedge:site"]
    site["hosts"]["storage"] = storage()
    site["hosts"]["storage"]["tunnel"] |= {k: site["hosts"]["seminar"]["tunnel"][k] for k in ("accountId", "zones")}
    site["hosts"]["seminar"]["containers"]["forgejo"]["routes"] = [
        r for r in site["hosts"]["seminar"]["containers"]["forgejo"]["routes"] if r["hostname"] != "forgejo.ncaq.net"
    ]
    site["hosts"]["storage"]["containers"]["files"]["routes"][0]["hostname"] = "forgejo.ncaq.net"
    write_site(repo / STACK, site)
    code, out, err = _diff(repo, capsys)
    assert code == 1, err
    assert "+ storage/containers/files.nix" in out and "~ seminar/cloudflared.nix" in out, out
    assert "- seminar: forgejo.ncaq.net" in out and "+ storage: forgejo.ncaq.net" in out, out
