"""A stack that publishes at Cloudflare gets its provider plugin, or nixedge's message.

`scripts/pulumi` (through scripts/wrapper/cloudflare_plugin.py) installs
`pulumi-resource-cloudflare` at the `pulumi-cloudflare` pin of requirements.txt before
`preview`/`up`/`refresh`/`destroy` of a stack with `tunnel.accountId`. Proved here with
the real CLI on a copy of the checkout:

- this machine reaches no plugin download: the preview stops with nixedge's message
  naming `pulumi plugin install resource cloudflare <pin>`, exit 1, no Python
  traceback, and the stack file and the state untouched (the engine never started);
- a plugin server on loopback (the CLI's PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES, as a
  mirror would be configured): the CLI downloads exactly the pinned version's archive
  and installs it. The archive holds a stand-in plugin that fails to start, so the
  engine then cancels the program's calls: that run too ends without a traceback from
  our language host.

The pin is the version the SDK asks the engine for, and the one the docs name.
"""

from __future__ import annotations

import http.server
import io
import json
import re
import subprocess
import tarfile
import threading
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

import pytest

from benchmarks.project import Project
from benchmarks.sites import stack_yaml
from scripts.wrapper import cloudflare_plugin
from tests.site_mutations import seed_site

pytestmark = pytest.mark.engine

REPO = Path(__file__).resolve().parents[1]

STACK = "edge"
ACCOUNT = "0123456789abcdef0123456789abcdef"
ZONE = "fedcba9876543210fedcba9876543210"
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def test_the_pin_is_the_version_the_sdk_requests() -> None:
    # The SDK registers its default provider at its own package version.
    assert cloudflare_plugin.pinned_version() == metadata.version("pulumi-cloudflare")


def test_the_docs_name_the_pinned_version() -> None:
    pin = cloudflare_plugin.pinned_version()
    named = {
        (doc.name, version)
        for doc in DOCUMENTS
        for version in re.findall(r"plugin install resource cloudflare (\S+)", doc.read_text(encoding="utf-8"))
    }
    assert ("README.md", pin) in named
    assert {version for _, version in named} == {pin}, f"docs name other versions than {pin}: {sorted(named)}"


def test_pinned_version_reads_requirements(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pulumi==3.272.0\npulumi-cloudflare==6.99.0  # a comment\nPyYAML==6.0.4\n")
    assert cloudflare_plugin.pinned_version(requirements) == "6.99.0"
    requirements.write_text("pulumi-cloudflare>=6\n")
    with pytest.raises(SystemExit, match="pins no pulumi-cloudflare==VERSION"):
        cloudflare_plugin.pinned_version(requirements)


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        (ACCOUNT, [ACCOUNT]),
        # The program refuses these with its own message naming the key: no plugin yet.
        ("<your-cloudflare-account-id>", []),
        ("123", []),
        (None, []),
    ],
)
def test_account_id(tmp_path: Path, account: str | None, expected: list[str]) -> None:
    site = edge_site(tmp_path / "host")
    if account is None:
        del site["tunnel"]["accountId"]
    else:
        site["tunnel"]["accountId"] = account
    path = tmp_path / "stacks" / "Pulumi.s.yaml"
    path.parent.mkdir()
    path.write_text(stack_yaml(site))
    assert cloudflare_plugin.account_ids(path) == expected


def test_account_id_of_a_file_that_is_no_site(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.s.yaml"
    for text in ("config: [not, a, mapping", "config:\n  nixedge:site: 3\n", ""):
        path.write_text(text)
        assert cloudflare_plugin.account_ids(path) == [], text
    site = edge_site(tmp_path / "host")
    site["containers"]["forgejo"]["user"]["uid"] = 993  # atticd's: invalid
    path.write_text(stack_yaml(site))
    assert cloudflare_plugin.account_ids(path) == []


def test_account_ids_of_every_host_of_a_site(tmp_path: Path) -> None:
    """Issue 22, item 8: a site of `hosts:` (and the short `config: site:` form) gets its
    plugin too: the accounts come from the model, for every host, not from the top."""
    alpha, beta = edge_site(tmp_path / "alpha"), edge_site(tmp_path / "beta")
    beta["tunnel"]["accountId"] = "b" * 32
    del alpha["host"]["name"], beta["host"]["name"]
    beta["tunnel"]["name"] = "beta"
    for container in beta["containers"].values():
        for route in container.get("routes", []):
            route["hostname"] = "beta-" + route["hostname"]  # a hostname is routed once in a site
    path = tmp_path / "stacks" / "Pulumi.s.yaml"
    path.parent.mkdir()
    path.write_text(stack_yaml({"hosts": {"alpha": alpha, "beta": beta}}))
    assert cloudflare_plugin.account_ids(path) == sorted([ACCOUNT, "b" * 32])
    short = stack_yaml({"hosts": {"alpha": alpha}}).replace("nixedge:site:", "site:")
    assert "  site:\n" in short
    path.write_text(short)
    assert cloudflare_plugin.account_ids(path) == [ACCOUNT]


# -- through scripts/pulumi ------------------------------------------------------------------


def edge_site(target: Path) -> dict[str, Any]:
    site = seed_site()
    site["host"]["target"] = {"transport": "local", "path": str(target)}
    site["host"]["activation"] = {"mode": "none"}
    site["tunnel"]["accountId"] = ACCOUNT
    site["tunnel"]["zones"][0]["zoneId"] = ZONE
    return site


@pytest.fixture
def project(tmp_path: Path) -> Project:
    if not (REPO / ".venv" / "bin" / "pulumi").exists():
        pytest.fail("no Pulumi CLI in .venv/bin: run scripts/setup")
    project = Project.create(tmp_path / "work")
    project.stack_file(STACK).write_text(stack_yaml(edge_site(tmp_path / "host")))
    return project


def preview(project: Project, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # Its own PULUMI_HOME: no plugin from this machine's ~/.pulumi counts.
    return subprocess.run(
        project.argv(STACK, "preview"), cwd=project.root, env=project.env | {"PULUMI_HOME": str(home), **env},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_a_preview_without_the_plugin_stops_with_the_command(project: Project, tmp_path: Path) -> None:
    before = project.stack_file(STACK).read_text()
    result = preview(project, tmp_path / "pulumi-home")
    output = result.stdout + result.stderr
    pin = cloudflare_plugin.pinned_version()
    assert result.returncode == 1, output
    assert f"scripts/pulumi: error: stack {STACK} publishes at Cloudflare (tunnel.accountId)" in result.stderr, output
    assert f"Hint: where Pulumi's plugin downloads can be reached, run: scripts/pulumi plugin install " \
        f"resource cloudflare {pin}\n" in result.stderr, output  # fmt: skip
    assert result.stderr.rstrip().endswith("Nothing was changed."), output
    assert "Traceback" not in output
    # Before the engine: no stack made (`stack init` writes the salt), no program run.
    assert project.stack_file(STACK).read_text() == before
    assert not list(project.backend.rglob(f"{STACK}.json*"))
    assert "Previewing" not in output


class PluginServer(http.server.BaseHTTPRequestHandler):
    """Serves the one archive for any path and records the paths asked for."""

    archive: ClassVar[bytes] = b""
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.archive)))
        self.end_headers()
        self.wfile.write(self.archive)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def stand_in_archive() -> bytes:
    """A plugin archive whose `pulumi-resource-cloudflare` fails before it serves."""
    script = b"#!/bin/sh\necho 'stand-in plugin: not Cloudflare' >&2\nexit 3\n"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("pulumi-resource-cloudflare")
        info.size, info.mode = len(script), 0o755
        tar.addfile(info, io.BytesIO(script))
    return buffer.getvalue()


@pytest.fixture
def plugin_server() -> Iterator[tuple[str, list[str]]]:
    class Handler(PluginServer):
        archive = stand_in_archive()
        asked: ClassVar[list[str]] = []

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", Handler.asked
    finally:
        server.shutdown()
        server.server_close()


def test_a_reachable_plugin_download_installs_the_pin(
    project: Project, tmp_path: Path, plugin_server: tuple[str, list[str]]
) -> None:
    url, asked = plugin_server
    home = tmp_path / "pulumi-home"
    pin = cloudflare_plugin.pinned_version()
    result = preview(project, home, PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES=f"cloudflare={url}")
    output = result.stdout + result.stderr
    assert len(asked) == 1 and asked[0].startswith(f"/pulumi-resource-cloudflare-v{pin}-"), asked
    assert f"Installed the Pulumi provider plugin pulumi-resource-cloudflare {pin}" in result.stderr, output
    listed = subprocess.run(
        [str(REPO / ".venv" / "bin" / "pulumi"), "plugin", "ls", "--json"],
        env=project.env | {"PULUMI_HOME": str(home), "PULUMI_SKIP_UPDATE_CHECK": "true"},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    plugins = [(p["kind"], p["name"], p["version"]) for p in json.loads(listed.stdout)]
    assert plugins == [("resource", "cloudflare", pin)]
    # The engine ran, started the stand-in, and cancelled the program's calls when it
    # failed: the engine says so, our language host adds no traceback.
    assert result.returncode != 0, output
    assert "Previewing update" in output, output
    assert "pulumi:providers:cloudflare" in output, output
    assert "Traceback" not in output
    assert "context canceled" not in output
