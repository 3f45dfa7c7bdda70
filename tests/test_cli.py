"""`nixedge check|render|schema`, run as a user runs them, from the repo root.

Each command is a subprocess: exit code 0 with the summary table or the files on
success; exit code 2 with the full error report on stderr (and nothing on stdout) for
a bad config, an unreadable file or bad arguments; warnings go to stderr without
failing. `check` and `render` import neither pulumi nor pulumi_cloudflare (the design's
budget: they must stay fast).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from components.commands.schema import schema_text
from tests.paths import REPO, TESTS
from tests.site_mutations import rename_container, seed_site, set_key

PYTHON = sys.executable


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "components", *args], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )


def write_stack(path: Path, site: dict[str, object]) -> Path:
    path.write_text(yaml.safe_dump({"config": {"nixedge:site": site}}, sort_keys=False), encoding="utf-8")
    return path


SEMINAR_TABLE = """\
Host seminar, network 192.168.100.0/24: 2 container(s)
CONTAINER  APP      HOST ADDRESS    LOCAL ADDRESS   USER     UID  GID
atticd     atticd   192.168.100.20  192.168.100.21  atticd   993  988
forgejo    forgejo  192.168.100.10  192.168.100.11  forgejo  991  986

Tunnel seminar (local ingress): 3 route(s), catch-all http_status:404
HOSTNAME              ORIGIN                      SERVED BY
forgejo-ssh.ncaq.net  ssh://192.168.100.11:2222   forgejo
forgejo.ncaq.net      http://192.168.100.11:8080  forgejo
nix-cache.ncaq.net    http://192.168.100.21:8080  atticd
"""


def test_check_seminar_prints_the_table() -> None:
    result = run("check", "--stack", "seminar")
    assert result.returncode == 0, result.stderr
    # Its placeholder Cloudflare ids: said (tests/test_nixedge_command.py), and nothing else.
    assert result.stderr.startswith("warning: `scripts/pulumi preview` and `up` refuse this stack"), result.stderr
    assert result.stdout == SEMINAR_TABLE


def test_check_default_stack_is_dev() -> None:
    result = run("check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Host devhost, network 10.231.0.0/24: ")
    assert "(allocated)" in result.stdout  # the dev stack leaves the uptime addresses out


def test_check_config_file(tmp_path: Path) -> None:
    path = write_stack(tmp_path / "Pulumi.x.yaml", seed_site())
    result = run("check", "--config", str(path))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[0] == "Host seminar, network 192.168.100.0/24: 2 container(s)"


def test_check_bad_config_reports_every_error_on_stderr(tmp_path: Path) -> None:
    site = seed_site()
    set_key(site, "containers.atticd.localAddress", "192.168.100.11")
    set_key(site, "containers.atticd.routes[0].port", 80)
    path = write_stack(tmp_path / "Pulumi.bad.yaml", site)
    result = run("check", "--config", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"2 errors in {path}:\n"
        "  containers.forgejo.localAddress: is already used by containers.atticd.localAddress "
        "(got: '192.168.100.11') (line 19)\n"
        "  containers.atticd.routes[0].port: is a privileged port (< 1024); services listen on 1024 or above "
        "(got: 80) (line 53)\n"
        "    Hint: use e.g. 8080, or set containers.atticd.allowPrivilegedPorts: true\n"
        f"{path} is invalid; nothing was changed.\n"
    )


def test_check_unknown_stack() -> None:
    result = run("check", "--stack", "no-such-stack")
    path = "stacks/Pulumi.no-such-stack.yaml"  # relative, as typed: the command runs in the repo
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines()[0] == f"no stack named 'no-such-stack': {path} does not exist"
    assert result.stderr.splitlines()[1].startswith("  Hint: The stacks are: apps, dev, ")


def test_check_invalid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.broken.yaml"
    path.write_text("config:\n  nixedge:site: {host: [\n", encoding="utf-8")
    result = run("check", "--config", str(path))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines()[1].startswith(f"  {path}: is not valid YAML at line 3, column 1: ")


def test_warnings_go_to_stderr_and_do_not_fail(tmp_path: Path) -> None:
    site = seed_site()
    rename_container(site, "atticd", "atticd-cache")
    path = write_stack(tmp_path / "Pulumi.warn.yaml", site)
    result = run("check", "--config", str(path))
    assert result.returncode == 0
    assert result.stderr.startswith("warning: containers.atticd-cache: name is longer than 11 characters")
    assert len(result.stderr.splitlines()) == 1
    assert "atticd-cache" in result.stdout


def test_bad_arguments_exit_2_with_usage() -> None:
    none = run()
    assert none.returncode == 2 and none.stdout == ""
    assert none.stderr.startswith("usage: .venv/bin/nixedge") and "examples:" in none.stderr  # the help, not one line
    both = run("check", "--stack", "seminar", "--config", "x.yaml")
    assert both.returncode == 2
    assert "not allowed with argument" in both.stderr
    no_out = run("render", "--stack", "seminar")
    assert no_out.returncode == 2
    assert "--out" in no_out.stderr


def test_render_writes_the_golden_files(tmp_path: Path) -> None:
    out = tmp_path / "modules"
    result = run("render", "--stack", "seminar", "--out", str(out))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"Wrote 5 files for seminar to {out}\n"
    golden = TESTS / "golden" / "seminar"
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(golden).as_posix() for p in golden.rglob("*.nix"))
    for rel in written:
        assert (out / rel).read_bytes() == (golden / rel).read_bytes(), rel


def test_render_bad_config_writes_nothing(tmp_path: Path) -> None:
    site = seed_site()
    set_key(site, "containers.atticd.user.uid", 991)
    path = write_stack(tmp_path / "Pulumi.bad.yaml", site)
    out = tmp_path / "modules"
    result = run("render", "--config", str(path), "--out", str(out))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines()[0] == f"1 error in {path}:"
    assert not out.exists()


def test_schema_prints_the_schema() -> None:
    result = run("schema")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == schema_text()


def test_check_and_render_do_not_import_pulumi(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from components.__main__ import main\n"
        f"assert main(['check', '--stack', 'seminar']) == 0\n"
        f"assert main(['render', '--stack', 'seminar', '--out', {str(tmp_path)!r}]) == 0\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_cloudflare'))\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run([PYTHON, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "HEAVY []"
