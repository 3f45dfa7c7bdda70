"""`scripts/pulumi` behaves like pulumi: every argument passes through in any order, the
selected stack counts wherever the stack does, `stack rm` keeps a tracked stack file,
and the first run sets up only what deploying needs, saying so step by step.

The engine tests run the real CLI on a copy of the checkout with its default backend
(`.state/` in the copy), its own PULUMI_HOME (where the CLI keeps the selected stack)
and no passphrase in the environment, as a user's shell has none.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest

from scripts.wrapper import command_line
from tests.conftest import REPO
from tests.test_docs_commands import copy_repo

DEV_FILE = Path("stacks/Pulumi.dev.yaml")


def wrapper(root: Path, home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`scripts/pulumi ARGS` in `root`, from a shell with no PULUMI_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "GIT_"))}
    env["PULUMI_HOME"] = str(home)
    return subprocess.run(
        [str(root / "scripts" / "pulumi"), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A fresh clone: the checkout's files, committed to a git repository of their own."""
    root = tmp_path / "nixedge"
    root.mkdir()
    copy_repo(root)
    return root


# -- the command line, read as cobra reads it ----------------------------------------------


@pytest.mark.parametrize(
    ("args", "words", "stack"),
    [
        ("--stack dev preview", ("preview",), "dev"),
        ("-s dev up --yes", ("up",), "dev"),
        ("preview --stack=dev --diff", ("preview",), "dev"),
        ("--non-interactive up -m 'a message' -s prod", ("up",), "prod"),
        ("-C . --color never refresh", ("refresh",), None),
        ("stack select dev", ("stack", "select", "dev"), "dev"),
        ("stack init --secrets-provider passphrase lab", ("stack", "init", "lab"), "lab"),
        ("stack rm dev --yes", ("stack", "rm", "dev"), "dev"),
        ("config set --path a.b c --stack dev", ("config", "set", "a.b", "c"), "dev"),
        ("config --json --stack corpus --non-interactive", ("config",), "corpus"),
        ("recover", ("recover",), None),
    ],
)
def test_the_command_and_the_stack_are_found_in_any_order(args: str, words: tuple[str, ...], stack: str) -> None:
    line = command_line.parse(shlex.split(args))
    assert (line.words, line.stack) == (words, stack)


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["up", "--help"], ["--stack", "dev", "preview", "-h"]])
def test_help_is_pulumis(args: list[str], tmp_path: Path) -> None:
    result = wrapper(REPO, tmp_path, *args, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Usage:\n  pulumi" in result.stdout, result.stdout
    assert "scripts/pulumi" not in result.stderr, result.stderr  # no job ran, nothing was said


# -- the stack: named anywhere, or selected -------------------------------------------------


@pytest.mark.engine
def test_an_option_before_the_command(checkout: Path, tmp_path: Path) -> None:
    result = wrapper(checkout, tmp_path / "home", "--stack", "dev", "preview", "--non-interactive")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "+ 2 to create" in result.stdout, result.stdout


@pytest.mark.engine
def test_the_selected_stack_is_the_stack_of_every_job(checkout: Path, tmp_path: Path) -> None:
    """After `stack select dev` (which creates the stack from its file first), `preview`
    gets the dev passphrase and `recover` checks the dev stack, as `--stack dev` would."""
    home = tmp_path / "home"
    selected = wrapper(checkout, home, "stack", "select", "dev", "--non-interactive")
    assert selected.returncode == 0, selected.stderr
    preview = wrapper(checkout, home, "preview", "--non-interactive")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert "+ 2 to create" in preview.stdout
    recover = wrapper(checkout, home, "recover")
    assert (recover.returncode, recover.stderr) == (0, "scripts/pulumi: nothing to recover in stack dev\n")


@pytest.mark.engine
def test_recover_without_a_stack_says_how_to_name_one(checkout: Path, tmp_path: Path) -> None:
    result = wrapper(checkout, tmp_path / "home", "recover")
    assert result.returncode == 2
    assert result.stderr == (
        "scripts/pulumi: error: recover needs a stack: add --stack NAME, or select one with "
        "`scripts/pulumi stack select NAME`\n"
    )


@pytest.mark.engine
def test_stack_rm_keeps_the_tracked_stack_file_and_the_next_up_works(checkout: Path, tmp_path: Path) -> None:
    """getting-started's `destroy` and `stack rm dev --yes`, then README command 1 again."""
    home = tmp_path / "home"
    before = (checkout / DEV_FILE).read_bytes()
    assert wrapper(checkout, home, "up", "--stack", "dev", "--yes").returncode == 0
    assert wrapper(checkout, home, "destroy", "--stack", "dev", "--yes").returncode == 0
    removed = wrapper(checkout, home, "stack", "rm", "dev", "--yes")
    assert removed.returncode == 0, removed.stderr
    assert f"scripts/pulumi: keeping {DEV_FILE}, which git tracks (--preserve-config)" in removed.stderr
    assert (checkout / DEV_FILE).read_bytes() == before
    # What `stack rm` leaves behind must not count as the stack.
    assert (checkout / ".state/.pulumi/stacks/nixedge/dev.json.bak").exists()
    again = wrapper(checkout, home, "up", "--stack", "dev", "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Resources:\n    + 2 created" in again.stdout, again.stdout


def test_an_untracked_stack_file_goes_with_its_stack() -> None:
    from scripts.wrapper import stacks

    line = command_line.parse(["stack", "rm", "lab", "--yes"])
    args = stacks.keeping_the_stack_file(line, list(line.args), "lab")
    assert args == ["stack", "rm", "lab", "--yes"]  # no stacks/Pulumi.lab.yaml in git
    line = command_line.parse(["stack", "rm", "dev", "--yes"])
    assert stacks.keeping_the_stack_file(line, list(line.args), "dev")[-1] == "--preserve-config"


# -- set-up: what the job needs, step by step -------------------------------------------------

FAKE_PYTHON = """#!/bin/bash
# A stand-in for python3 and the venv's python: records what pip is asked to install.
case "$1" in
  -c) exit 0 ;;
  -V) echo "Python 3.11.7" ;;
  -m) case "$2" in
        venv) mkdir -p "$3/bin" && cp "$0" "$3/bin/python" ;;
        pip) echo "pip ${*: -1}" >>"$SETUP_LOG" ;;
      esac ;;
  *) echo "python $*" >>"$SETUP_LOG" ;;
esac
"""


@pytest.fixture
def bare_checkout(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """scripts/ and the requirements in a directory with no .venv, and an environment
    whose python3 and pulumi are stand-ins: set-up runs fast and offline."""
    root = tmp_path / "nixedge"
    for rel in [
        "scripts/setup",
        "scripts/pulumi",
        "scripts/engine/setup.sh",
        "requirements.txt",
        "requirements-dev.txt",
    ]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes((REPO / rel).read_bytes())
        (root / rel).chmod((REPO / rel).stat().st_mode)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in [
        ("python3", FAKE_PYTHON),
        ("pulumi", "#!/bin/sh\necho v3.274.1\n"),
        ("ssh", "#!/bin/sh\n"),
        ("ssh-keygen", "#!/bin/sh\n"),
    ]:
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "SETUP_LOG": str(tmp_path / "setup.log"),
    }
    return root, env


def test_the_first_deploy_installs_the_runtime_alone_and_says_each_step(
    bare_checkout: tuple[Path, dict[str, str]],
) -> None:
    root, env = bare_checkout
    result = subprocess.run(
        [root / "scripts" / "pulumi", "--help"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # set-up talks on stderr: stdout stays pulumi's
    log = Path(env["SETUP_LOG"]).read_text().splitlines()
    assert log == [f"pip {root}/requirements.txt", f"python {root}/scripts/wrapper/main.py --help"]
    cli = Path(env["PATH"].split(":")[0]) / "pulumi"
    assert result.stderr.splitlines() == [
        "Debian packages are present (openssh-client)",
        "Installing requirements.txt into .venv (first time about 40 s)...",
        "Installed requirements.txt into .venv (Python 3.11.7)",
        f"Using the Pulumi CLI v3.274.1 at {cli}",
        f"Linked .venv/bin/pulumi to {cli}, with our language host and dynamic provider plugin",
    ]


def test_the_tests_set_up_their_own_requirements_on_top(bare_checkout: tuple[Path, dict[str, str]]) -> None:
    root, env = bare_checkout
    setup = root / "scripts" / "setup"
    env["PATH"] += ":/usr/sbin"  # the tests' Debian packages, as this machine has them

    def run(*args: str) -> int:
        return subprocess.run([setup, *args], env=env, capture_output=True, timeout=60, check=False).returncode

    assert run("--runtime") == 0
    assert (run("--check", "--runtime"), run("--check")) == (0, 1)  # deploying is set up, the tests are not
    assert run() == 0
    assert (run("--check", "--runtime"), run("--check")) == (0, 0)
    assert Path(env["SETUP_LOG"]).read_text().splitlines() == [
        f"pip {root}/requirements.txt",
        f"pip {root}/requirements-dev.txt",
    ]


# -- hints name the command a user runs -----------------------------------------------------


def test_generated_files_name_the_command_a_user_runs() -> None:
    from components.nixos.render import render
    from components.stackfile import load_stack

    files = render(load_stack("dev"))
    assert all("# `scripts/pulumi up --refresh` puts it back.\n" in text for text in files.values())


def test_messages_name_the_command_a_user_runs() -> None:
    """No message the host engine or the renderer writes tells a user to run a bare
    `pulumi ...`, which is not on PATH where the CLI was built from Go modules."""
    import ast

    bare = []
    for path in sorted([*(REPO / "components" / "host").glob("*.py"), *(REPO / "components" / "nixos").glob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        bare += [
            f"{path.name}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and "`pulumi " in node.value
        ]
    assert bare == []
