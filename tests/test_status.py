"""`nixedge status` (components/commands/status*.py, cloudflare_api.py): a deployed
module edited or deleted by hand is named file by file with the repairing command
(under the real engine, with the dev stack); a hostname whose DNS record points
elsewhere and a tunnel rule that routes elsewhere are named, from a fake Cloudflare API
on 127.0.0.1; `--json` parses and carries what the table shows."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.test_dev_stack import TARGET, _copy_repo

pytestmark = pytest.mark.engine

REPO = Path(__file__).resolve().parents[1]
ACCOUNT, ZONE, TUNNEL = "a" * 32, "b" * 32, "c0ffee00-0000-4000-8000-000000000001"
TOKEN = "test-token"


def nixedge(project: Path, *argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "CLOUDFLARE_"))}
    return subprocess.run(
        [".venv/bin/nixedge", *argv], cwd=project, env={**base, **(env or {})},
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("status") / "nixedge"
    root.mkdir()
    _copy_repo(root)
    yield root


def test_status_names_hand_edits_and_deletions(project: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    subprocess.run(
        ["scripts/pulumi", "up", "--stack", "dev", "--yes", "--non-interactive"], cwd=project, env=env,
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    clean = nixedge(project, "status", "--stack", "dev")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    target = project / TARGET
    (target / "containers/uptime.nix").write_text("{ }\n")
    (target / "network.nix").unlink()

    table = nixedge(project, "status", "--stack", "dev")
    assert table.returncode == 1, table.stdout + table.stderr
    lines = [line.split() for line in table.stdout.splitlines()]
    assert ["containers/uptime.nix", "edited", "on", "the", "host"] in lines
    assert ["network.nix", "deleted", "on", "the", "host"] in lines
    assert ["containers/forgejo.nix", "in", "sync"] in lines
    assert "scripts/pulumi up --stack dev --refresh --yes" in table.stdout
    assert "Last activation: none (activation mode none)" in table.stdout

    data = json.loads(nixedge(project, "status", "--stack", "dev", "--json").stdout)
    (host,) = data["hosts"]
    assert host["files"]["containers/uptime.nix"] == "edited on the host"
    assert host["files"]["network.nix"] == "deleted on the host"
    assert host["drifted"] == ["containers/uptime.nix", "network.nix"]
    assert data["drift"] is True
    assert host["lastActivation"] in table.stdout
    assert {h["hostname"] for h in data["tunnels"][0]["hostnames"]} == {
        "git.example.test", "git-ssh.example.test", "status.example.test",
    }  # fmt: skip


class FakeCloudflare(BaseHTTPRequestHandler):
    """The API's answers for one tunnel: nix-cache's record points elsewhere, forgejo-ssh's
    rule routes to another port."""

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(403, {"success": False, "errors": [{"message": "Invalid API Token"}]})
        base = f"/client/v4/accounts/{ACCOUNT}/cfd_tunnel/{TUNNEL}"
        if url.path == base:
            connections = [{"colo_name": "fra06"}, {"colo_name": "ams01"}]
            return self._send(200, {"success": True, "result": {"status": "healthy", "connections": connections}})
        if url.path == f"{base}/configurations":
            rules = [
                {"hostname": "forgejo.ncaq.net", "service": "http://192.168.100.11:8080"},
                {"hostname": "forgejo-ssh.ncaq.net", "service": "ssh://192.168.100.11:22"},
                {"hostname": "nix-cache.ncaq.net", "service": "http://192.168.100.21:8080"},
                {"service": "http_status:404"},
            ]
            return self._send(200, {"success": True, "result": {"config": {"ingress": rules}}})
        if url.path == f"/client/v4/zones/{ZONE}/dns_records":
            name = parse_qs(url.query)["name"][0]
            content = "cache.elsewhere.example" if name == "nix-cache.ncaq.net" else f"{TUNNEL}.cfargotunnel.com"
            return self._send(200, {"success": True, "result": [{"type": "CNAME", "content": content}]})
        return self._send(404, {"success": False, "errors": [{"message": f"no route {url.path}"}]})

    def _send(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def api() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), FakeCloudflare)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/client/v4"
    server.shutdown()
    server.server_close()


def test_status_names_a_hostname_that_points_elsewhere(tmp_path: Path, api: str) -> None:
    text = (REPO / "stacks/Pulumi.seminar.yaml").read_text()
    text = text.replace("<your-cloudflare-account-id>", ACCOUNT).replace("<your-ncaq.net-zone-id>", ZONE)
    text = text.replace("ingress: local", "ingress: remote")
    (tmp_path / "stacks").mkdir()
    stack_file = tmp_path / "stacks/Pulumi.seminar.yaml"
    stack_file.write_text(text)
    state = tmp_path / "state.json"
    stack = {"type": "pulumi:pulumi:Stack", "outputs": {"tunnelId": TUNNEL}}
    state.write_text(json.dumps({"deployment": {"manifest": {"time": "t"}, "resources": [stack]}}))
    env = {"CLOUDFLARE_API_TOKEN": TOKEN, "NIXEDGE_CLOUDFLARE_API": api}
    argv = ("status", "--config", str(stack_file), "--state", str(state))

    table = nixedge(REPO, *argv, env=env)
    assert table.returncode == 1, table.stdout + table.stderr
    assert "Tunnel seminar (remote ingress): healthy, 2 connection(s) (ams01, fra06)" in table.stdout
    row = next(line for line in table.stdout.splitlines() if line.strip().startswith("nix-cache.ncaq.net"))
    assert "points elsewhere (CNAME cache.elsewhere.example)" in row, row
    ssh = next(line for line in table.stdout.splitlines() if line.strip().startswith("forgejo-ssh.ncaq.net"))
    assert "routes to ssh://192.168.100.11:22, the stack says" in ssh, ssh

    data = json.loads(nixedge(REPO, *argv, "--json", env=env).stdout)
    (tunnel,) = data["tunnels"]
    assert tunnel["live"] == "healthy, 2 connection(s) (ams01, fra06)"
    rows = {r["hostname"]: r for r in tunnel["hostnames"]}
    assert rows["nix-cache.ncaq.net"]["ok"] is False and rows["nix-cache.ncaq.net"]["dns"] in row
    assert rows["forgejo.ncaq.net"]["ok"] is True
    assert rows["forgejo.ncaq.net"]["dns"] == "CNAME to the tunnel"

    refused = nixedge(REPO, *argv, env={**env, "CLOUDFLARE_API_TOKEN": "wrong"})
    assert "Invalid API Token" in refused.stdout, refused.stdout


def test_status_compares_with_the_deployed_origin_and_shows_the_stack_files(tmp_path: Path, api: str) -> None:
    """An origin the stack file changed but no completed update deployed (a failed one,
    say): the row shows both, and the live rule is compared with the deployed one."""
    text = (REPO / "stacks/Pulumi.seminar.yaml").read_text()
    text = text.replace("<your-cloudflare-account-id>", ACCOUNT).replace("<your-ncaq.net-zone-id>", ZONE)
    (tmp_path / "stacks").mkdir()
    stack_file = tmp_path / "stacks/Pulumi.seminar.yaml"
    stack_file.write_text(text.replace("ingress: local", "ingress: remote"))
    deployed = "http://192.168.100.11:9999"  # the fake API's rule says :8080, as the stack file does
    stack = {"type": "pulumi:pulumi:Stack", "outputs": {"tunnelId": TUNNEL, "routes": {"forgejo.ncaq.net": deployed}}}
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"deployment": {"manifest": {"time": "t"}, "resources": [stack]}}))
    env = {"CLOUDFLARE_API_TOKEN": TOKEN, "NIXEDGE_CLOUDFLARE_API": api}
    data = json.loads(
        nixedge(REPO, "status", "--config", str(stack_file), "--state", str(state), "--json", env=env).stdout
    )
    rows = {r["hostname"]: r for r in data["tunnels"][0]["hostnames"]}
    forgejo = rows["forgejo.ncaq.net"]
    assert forgejo["origin"] == f"{deployed} (stack file: http://192.168.100.11:8080, not deployed)", forgejo
    assert forgejo["rule"] == f"routes to http://192.168.100.11:8080, the stack says {deployed}", forgejo
    assert rows["nix-cache.ncaq.net"]["origin"] == "http://192.168.100.21:8080"
