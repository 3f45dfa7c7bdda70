"""`scripts/pulumi` behaves like pulumi (fast, no engine): the command line is read as
pulumi's own parser reads it, `stack rm` keeps only a stack file git tracks, the first
run sets up only what deploying needs, saying so step by step, and hints name the
command a user runs. The same under the real CLI: tests/test_wrapper_engine.py.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from scripts.wrapper import command_line
from tests.conftest import REPO

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


def test_stack_rm_keeps_every_stack_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tracked or not (a file written by hand, not committed yet), the stack file stays."""
    from scripts.wrapper import stacks

    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks/Pulumi.lab.yaml").write_text("config: {}\n")  # in no git repository
    monkeypatch.setattr(stacks, "REPO", tmp_path)
    monkeypatch.setattr(stacks, "stack_file", lambda name: tmp_path / "stacks" / f"Pulumi.{name}.yaml")
    line = command_line.parse(["stack", "rm", "lab", "--yes"])
    assert stacks.keeping_the_stack_file(line, list(line.args), "lab") == ["stack", "rm", "lab", "--yes",
                                                                            "--preserve-config"]  # fmt: skip
    assert capsys.readouterr().err == (
        "scripts/pulumi: keeping stacks/Pulumi.lab.yaml, the stack's source (--preserve-config); "
        "`rm stacks/Pulumi.lab.yaml` if it should go\n"
    )
    before_dash = command_line.parse(["stack", "rm", "lab", "--yes", "--", "x"])
    assert stacks.keeping_the_stack_file(before_dash, list(before_dash.args), "lab")[-3:] == [
        "--preserve-config", "--", "x"]  # fmt: skip


def test_stack_rm_of_a_stack_without_a_file_passes_unchanged() -> None:
    from scripts.wrapper import stacks

    line = command_line.parse(["stack", "rm", "no-such-stack", "--yes"])
    assert stacks.keeping_the_stack_file(line, list(line.args), "no-such-stack") == ["stack", "rm", "no-such-stack",
                                                                                      "--yes"]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "creates"),
    [
        ("preview", True), ("up --yes", True), ("refresh", True), ("destroy", True), ("config", True),
        ("stack select", True), ("stack export", False), ("stack output", False), ("stack history", False),
        ("stack", False), ("stack ls", False), ("stack rm --yes", False), ("stack init", False), ("about", False),
    ],
)  # fmt: skip
def test_a_stack_is_created_only_for_commands_that_work_on_its_state(
    args: str, creates: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scripts.wrapper import stacks

    ran: list[list[str]] = []

    def run(command: list[str], **_: object) -> _Done:
        ran.append(command)
        return _Done()

    monkeypatch.setattr(subprocess, "run", run)
    env = {"PULUMI_BACKEND_URL": f"file://{tmp_path}"}
    line = command_line.parse([*shlex.split(args), "--stack", "dev"])
    assert stacks.init_on_first_use(line, env, "dev") == 0
    assert ran == ([["pulumi", "stack", "init", "dev", "--no-select", "--non-interactive"]] if creates else [])


class _Done:
    returncode = 0


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
    # The wrapper itself, and the set-up it runs; the wrapper's jobs are left out.
    for rel in [
        "requirements.txt",
        "requirements-dev.txt",
        *(f"scripts/{s}" for s in ("setup", "pulumi", "engine/setup.sh")),
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


SUBCOMMANDS = "<command>|check|render|diff|status|import|destroy|handover|ssh-config|schema|reference"
BARE_COMMAND = re.compile(rf"`pulumi |(?<![\w/.-])nixedge (?:{SUBCOMMANDS})\b")
"""A bare `pulumi ...` (the wrapper is scripts/pulumi) or `nixedge <command>` (the docs
type .venv/bin/nixedge: nothing puts it on PATH)."""


def test_messages_name_the_command_a_user_runs() -> None:
    """No message, help text or generated file of components/ or scripts/ tells a user to
    run a bare `pulumi ...` (not on PATH where the CLI was built from Go modules, and
    never the wrapper) or a bare `nixedge ...` (the ownership refusal's `nixedge handover`
    and the importer's header named one)."""
    import ast

    bare = []
    for path in sorted([*(REPO / "components").rglob("*.py"), *(REPO / "scripts").rglob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
        bare += [
            f"{path.name}:{node.lineno}: {found[0]}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and (found := BARE_COMMAND.search(node.value))
        ]
    assert bare == []
    from components.commands.importer import HEADER

    assert "Check it with `.venv/bin/nixedge check --config {out}`" in HEADER


# -- a stack file copied with its salt, told apart from its source by the checkpoints -------

SALT = "v1:z1D3L4OQxbw=:v1:OrELLPtmTBPrSay2:Ra8gPcPUO63ZiR0Vfvgjl9wOTJEXBQ=="
OWN = "v1:5s3Wb8Lc9s4=:v1:RPM5XWNJZ9mwFXye:ZxC0PcIrq1A2t4C7L79IuOupvH0Mng=="


def stack_files(where: Path, **salts: str | None) -> Path:
    """`stacks/Pulumi.<name>.yaml` per name, with `encryptionsalt` on line 2 when given."""
    stacks = where / "stacks"
    stacks.mkdir()
    for name, salt in salts.items():
        text = "# a stack\n" + (f"encryptionsalt: {salt}\n" if salt else "") + "config: {}\n"
        (stacks / f"Pulumi.{name}.yaml").write_text(text)
    return stacks


def created(root: Path, stack: str, salt: str, *, gz: bool = False) -> None:
    """A file backend's checkpoint of `stack`, created with `salt`, as the CLI writes it."""
    import gzip
    import json

    where = root / ".pulumi" / "stacks" / "nixedge"
    where.mkdir(parents=True, exist_ok=True)
    state = {"checkpoint": {"latest": {"secrets_providers": {"type": "passphrase", "state": {"salt": salt}}}}}
    data = json.dumps({"version": 3, **state}).encode()
    (where / (f"{stack}.json.gz" if gz else f"{stack}.json")).write_bytes(gzip.compress(data) if gz else data)


def salt_warning(path: Path, root: Path | None) -> str | None:
    from scripts.wrapper import copied_salt

    return copied_salt.warning(path, root)


def test_a_copy_whose_source_was_created_with_the_salt_is_named(tmp_path: Path) -> None:
    stacks = stack_files(tmp_path, dev=SALT, lab=SALT)
    root = tmp_path / "state"
    created(root, "dev", SALT)
    said = salt_warning(stacks / "Pulumi.lab.yaml", root)
    assert said is not None and said.startswith(
        f"{stacks}/Pulumi.lab.yaml:2: encryptionsalt was copied from Pulumi.dev.yaml (stack dev was created with it)"
    )
    assert "`incorrect passphrase`: delete that line" in said
    assert salt_warning(stacks / "Pulumi.dev.yaml", root) is None  # the source: its own salt


@pytest.mark.parametrize("gz", [False, True])
def test_a_stack_given_another_stacks_salt_is_told_its_own(tmp_path: Path, gz: bool) -> None:
    stacks = stack_files(tmp_path, dev=SALT, lab=SALT)
    root = tmp_path / "state"
    created(root, "lab", OWN, gz=gz)
    said = salt_warning(stacks / "Pulumi.lab.yaml", root)
    assert said == (
        f"{stacks}/Pulumi.lab.yaml:2: encryptionsalt is the one of Pulumi.dev.yaml, not the one stack lab was "
        f"created with, so its passphrase gives `incorrect passphrase`. Put back `encryptionsalt: {OWN}`."
    )


@pytest.mark.parametrize("root", ["state", None])
def test_with_no_stack_created_both_files_are_named(tmp_path: Path, root: str | None) -> None:
    """No checkpoint (a fresh backend, or one the wrapper cannot read): either file may
    be the copy, and the warning says which case fails."""
    stacks = stack_files(tmp_path, dev=SALT, lab=SALT, other=OWN)
    said = salt_warning(stacks / "Pulumi.dev.yaml", tmp_path / root if root else None)
    assert said is not None and said.startswith(
        f"{stacks}/Pulumi.dev.yaml:2: encryptionsalt is also the one of Pulumi.lab.yaml. If this file was copied"
    )


def test_no_warning_when_nothing_is_copied(tmp_path: Path) -> None:
    stacks = stack_files(tmp_path, dev=SALT, lab=OWN, new=None)
    root = tmp_path / "state"
    assert [salt_warning(stacks / f"Pulumi.{name}.yaml", root) for name in ("dev", "lab", "new", "absent")] == [
        None
    ] * 4
    created(root, "lab", SALT)  # created with another salt, but its file copies none: not this warning
    assert salt_warning(stacks / "Pulumi.lab.yaml", root) is None


# -- bad YAML named as check names it, before the CLI's bare "invalid YAML file" --------------

BROKEN_INDENT = "config:\n  nixedge:site:\n    host:\n      name: lab\n        path: /x\n"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (BROKEN_INDENT, "is not valid YAML"),
        ("config:\n  nixedge:site:\n\thost: {}\n", "tab"),
    ],
    ids=["indentation", "tab"],
)
def test_bad_yaml_is_named_before_the_cli_runs(
    text: str, said: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from scripts.wrapper import stack_file

    path = tmp_path / "stacks" / "Pulumi.lab.yaml"
    path.parent.mkdir()
    path.write_text(text)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(stack_file, "stack_file", lambda name: tmp_path / "stacks" / f"Pulumi.{name}.yaml")
    for args in (["preview"], ["up", "--yes"], ["config"]):
        stack_file.explain_bad_yaml(command_line.parse([*args, "--stack", "lab"]), "lab")
        err = capsys.readouterr().err
        assert err.startswith("scripts/pulumi: 1 error in stacks/Pulumi.lab.yaml:\n"), err
        assert said in err and "line" in err, err
    for args in (["stack", "ls"], ["whoami"]):
        stack_file.explain_bad_yaml(command_line.parse([*args, "--stack", "lab"]), "lab")
        assert capsys.readouterr().err == ""


def test_good_yaml_and_model_errors_are_left_to_the_program(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from scripts.wrapper import stack_file

    monkeypatch.setattr(stack_file, "stack_file", lambda name: REPO / "stacks" / f"Pulumi.{name}.yaml")
    stack_file.explain_bad_yaml(command_line.parse(["preview", "--stack", "dev"]), "dev")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks/Pulumi.bad.yaml").write_text("config:\n  nixedge:site:\n    host: {name: 7}\n")
    monkeypatch.setattr(stack_file, "stack_file", lambda name: tmp_path / "stacks" / f"Pulumi.{name}.yaml")
    stack_file.explain_bad_yaml(command_line.parse(["preview", "--stack", "bad"]), "bad")
    assert capsys.readouterr().err == ""  # a wrong value: the program names the key itself


@pytest.mark.parametrize(
    ("stack", "said"),
    [
        ("Dev", "scripts/pulumi: no stack 'Dev': stacks/ describes dev, lab; did you mean --stack dev?\n"),
        ("prod", "scripts/pulumi: no stack 'prod': stacks/ describes dev, lab\n"),
        ("dev", ""),  # described
        ("kept", ""),  # in the state only (its file was deleted by hand)
    ],
)
def test_an_unknown_stack_is_named_with_those_there_are(
    stack: str, said: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from scripts.wrapper import stacks

    (tmp_path / "stacks").mkdir()
    for name in ("dev", "lab"):
        (tmp_path / "stacks" / f"Pulumi.{name}.yaml").write_text("config: {}\n")
    state = tmp_path / "state" / ".pulumi" / "stacks" / "nixedge"
    state.mkdir(parents=True)
    (state / "kept.json").write_text("{}")
    monkeypatch.setattr(stacks, "stack_file", lambda name: tmp_path / "stacks" / f"Pulumi.{name}.yaml")
    env = {"PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}"}
    stacks.say_unknown(command_line.parse(["preview", "--stack", stack]), env, stack)
    assert capsys.readouterr().err == said
    stacks.say_unknown(command_line.parse(["stack", "ls"]), env, stack)
    assert capsys.readouterr().err == ""
    # `stack select` takes the name as an argument: the hint spells it so.
    stacks.say_unknown(command_line.parse(["stack", "select", stack]), env, stack)
    assert capsys.readouterr().err == said.replace("did you mean --stack dev?", "did you mean stack select dev?")
