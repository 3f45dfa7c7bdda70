"""A stack deployed by nixedge before site-level DNS records (main at 672d45c, each host
naming its own records) previews no change at Cloudflare under this code: the records
keep their identity through aliases, so the upgrade neither replaces nor touches one
(issue 22). Only the modules' text may differ (the renderer changed since)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cloudflare_engine import EdgeSite, container, edge_site
from tests.conftest import PROJECT, REPO, VENV_BIN, Engine

pytestmark = [pytest.mark.engine, pytest.mark.slow]

BEFORE = "672d45c"
"""The last commit whose hosts named their own DNS records."""

OLD_UP = """
import json, runpy, sys
from pulumi import automation as auto
old, work, env, site, project, root = sys.argv[1:3] + [json.loads(sys.argv[3])] + sys.argv[4:7]
stack = auto.create_or_select_stack(
    stack_name="site", project_name=project,
    program=lambda: runpy.run_path(old + "/__main__.py", run_name="__main__"),
    opts=auto.LocalWorkspaceOptions(
        work_dir=work, env_vars=env, pulumi_command=auto.PulumiCommand(root=root, skip_version_check=True),
        project_settings=auto.ProjectSettings(name=project, runtime="python", main=work),
    ),
)
stack.set_config("nixedge:site", auto.ConfigValue(site))
stack.up()
"""


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> Iterator[EdgeSite]:
    yield from edge_site(engine, tmp_path)


def test_an_upgraded_two_host_stack_previews_no_change(site: EdgeSite, tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", BEFORE], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
    data = {
        "hosts": {
            "alpha": site.host("alpha", {"kuma": container("kuma", 3001, ["kuma.example.net"])}),
            "beta": site.host("beta", {"web": container("web", 3002, ["web.example.net"], uid=2002)}, ingress="local"),
        }
    }
    env = {**os.environ, "PYTHONPATH": str(old)}
    old_env = json.dumps(site.engine.env | {"PYTHONPATH": str(old)})
    args = [str(old), str(site.engine.work_dir), old_env, json.dumps(data), PROJECT, str(VENV_BIN.parent)]
    subprocess.run([sys.executable, "-c", OLD_UP, *args], env=env, cwd=old, check=True, capture_output=True)
    before = site.account()
    assert sorted(site.records()) == ["kuma.example.net", "web.example.net"]
    site.configure(data)
    preview = site.stack.preview(diff=True)
    # The modules' text may change between versions (the renderer's work); nothing at
    # Cloudflare may, and nothing is created, replaced or deleted.
    assert set(preview.change_summary) <= {"same", "update"}, preview.stdout
    changed = re.findall(r"^\s*[-+~]+ (\S+): \(", preview.stdout, re.MULTILINE)
    assert not [t for t in changed if t.startswith("cloudflare:")], preview.stdout
    site.stack.up()
    assert site.account()["records"] == before["records"] and site.account()["tunnels"] == before["tunnels"]
