"""`scripts/pulumi` under the real CLI: pulumi's help passes through, the stack is named
anywhere or selected, `stack rm` keeps the stack file so that README command 1
works again after it, and a stack file copied with another stack's `encryptionsalt` is
named at its line before pulumi says "incorrect passphrase".

Each test runs the CLI on a fresh clone of the checkout with its default backend
(`.state/` in the clone), its own PULUMI_HOME (where the CLI keeps the selected stack)
and no passphrase in the environment, as a user's shell has none.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.test_docs_commands import copy_repo

pytestmark = pytest.mark.engine

DEV_FILE = Path("stacks/Pulumi.dev.yaml")


def wrapper(
    root: Path,
    home: Path,
    *args: str,
    timeout: float = 300,
    passphrase: str | None = None,
    passphrase_file: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """`scripts/pulumi ARGS` in `root`, from a shell with no PULUMI_* variables but the
    stack's own `passphrase` (or `passphrase_file`), if given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "GIT_"))}
    env["PULUMI_HOME"] = str(home)
    if passphrase is not None:
        env["PULUMI_CONFIG_PASSPHRASE"] = passphrase
    if passphrase_file is not None:
        env["PULUMI_CONFIG_PASSPHRASE_FILE"] = str(passphrase_file)
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


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["up", "--help"], ["--stack", "dev", "preview", "-h"]])
def test_help_is_pulumis(args: list[str], tmp_path: Path) -> None:
    """Pulumi's help; the root help ends with what the wrapper adds (recover, stacks made
    from stacks/, the dev passphrase, `stack rm`), a command's help is Pulumi's alone."""
    result = wrapper(REPO, tmp_path, *args, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Usage:\n  pulumi" in result.stdout, result.stdout
    assert "scripts/pulumi" not in result.stderr, result.stderr  # no job ran, nothing was said
    additions = result.stdout.partition("\nscripts/pulumi adds to the Pulumi CLI")[2]
    if args in (["--help"], ["-h"]):
        for said in ("scripts/pulumi recover", "stacks/Pulumi.<stack>.yaml is created", '"nixedge-dev"', "stack rm"):
            assert said in additions, result.stdout
        assert result.stdout.index("Usage:") < result.stdout.index("scripts/pulumi adds")
    else:
        assert additions == "", result.stdout


# -- the stack: named anywhere, or selected -------------------------------------------------


def test_an_option_before_the_command(checkout: Path, tmp_path: Path) -> None:
    result = wrapper(checkout, tmp_path / "home", "--stack", "dev", "preview", "--non-interactive")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "+ 2 to create" in result.stdout, result.stdout


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


def test_recover_without_a_stack_says_how_to_name_one(checkout: Path, tmp_path: Path) -> None:
    result = wrapper(checkout, tmp_path / "home", "recover")
    assert result.returncode == 2
    assert result.stderr == (
        "scripts/pulumi: error: recover needs a stack: add --stack NAME, or select one with "
        "`scripts/pulumi stack select NAME`\n"
    )


def test_naming_another_stack_once_keeps_the_selection(checkout: Path, tmp_path: Path) -> None:
    """`preview --stack lab` creates lab from its file without selecting it, and a read of
    a stack never deployed (`stack export`, what `nixedge status` runs) creates nothing:
    a later command without `--stack` still runs on dev."""
    home = tmp_path / "home"
    lab = (checkout / DEV_FILE).read_text().replace("name: devhost", "name: labhost")
    lab = "\n".join(line for line in lab.splitlines() if not line.startswith("encryptionsalt:")) + "\n"
    lab = lab.replace("path: .dev-host/etc/nixos/nixedge", "path: .lab-host/etc/nixos/nixedge")
    (checkout / "stacks/Pulumi.lab.yaml").write_text(lab)
    (checkout / "stacks/Pulumi.other.yaml").write_text(lab.replace("labhost", "otherhost"))
    assert wrapper(checkout, home, "stack", "select", "dev", "--non-interactive").returncode == 0
    preview = wrapper(checkout, home, "preview", "--stack", "lab", "--non-interactive", passphrase="lab-secret")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    export = wrapper(checkout, home, "stack", "export", "--stack", "other", passphrase="x")
    assert export.returncode != 0 and "no stack named 'other'" in export.stderr, export.stderr
    assert not (checkout / ".state/.pulumi/stacks/nixedge/other.json").exists()
    assert "encryptionsalt" not in (checkout / "stacks/Pulumi.other.yaml").read_text()
    shown = wrapper(checkout, home, "stack", "--show-name")
    assert shown.stdout.strip() == "dev", shown.stdout + shown.stderr


def test_stack_rm_keeps_an_untracked_stack_file(checkout: Path, tmp_path: Path) -> None:
    """A stack file written by hand and not committed yet is the only copy of that host's
    config: `stack rm` keeps it and says how to delete it."""
    home = tmp_path / "home"
    lab = checkout / "stacks/Pulumi.lab.yaml"
    lab.write_text((checkout / DEV_FILE).read_text().replace("name: devhost", "name: labhost"))
    assert (
        wrapper(checkout, home, "stack", "init", "lab", "--non-interactive", passphrase="nixedge-dev").returncode == 0
    )
    removed = wrapper(checkout, home, "stack", "rm", "lab", "--yes", passphrase="nixedge-dev")
    assert removed.returncode == 0, removed.stderr
    assert "`rm stacks/Pulumi.lab.yaml` if it should go" in removed.stderr
    assert lab.is_file()


def test_stack_rm_keeps_the_tracked_stack_file_and_the_next_up_works(checkout: Path, tmp_path: Path) -> None:
    """getting-started's `destroy` and `stack rm dev --yes`, then README command 1 again."""
    home = tmp_path / "home"
    before = (checkout / DEV_FILE).read_bytes()
    assert wrapper(checkout, home, "up", "--stack", "dev", "--yes").returncode == 0
    assert wrapper(checkout, home, "destroy", "--stack", "dev", "--yes").returncode == 0
    removed = wrapper(checkout, home, "stack", "rm", "dev", "--yes")
    assert removed.returncode == 0, removed.stderr
    assert f"scripts/pulumi: keeping {DEV_FILE}, the stack's source (--preserve-config)" in removed.stderr
    assert (checkout / DEV_FILE).read_bytes() == before
    # What `stack rm` leaves behind must not count as the stack.
    assert (checkout / ".state/.pulumi/stacks/nixedge/dev.json.bak").exists()
    again = wrapper(checkout, home, "up", "--stack", "dev", "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Resources:\n    + 2 created" in again.stdout, again.stdout


def test_bad_yaml_is_named_at_its_line_before_pulumis_message(checkout: Path, tmp_path: Path) -> None:
    """A key dedented by two spaces: the CLI says only "invalid YAML file: yaml: line N:
    mapping values are not allowed in this context"; the wrapper names the line that is
    off first, and the CLI's refusal (and exit code) still follows."""
    dev = checkout / DEV_FILE
    text = dev.read_text()
    number = text.splitlines().index("        stateDir: /var/lib/forgejo") + 1
    dev.write_text(text.replace("        stateDir: /var/lib/forgejo\n", "      stateDir: /var/lib/forgejo\n"))
    result = wrapper(checkout, tmp_path / "home", "preview", "--stack", "dev", "--non-interactive")
    assert result.returncode != 0
    ours = result.stderr.index("scripts/pulumi: 1 error in stacks/Pulumi.dev.yaml:")
    theirs = result.stderr.index("invalid YAML file")
    assert ours < theirs, result.stderr
    # The dedented line itself (the CLI names the line after it).
    assert f"an indentation mistake at line {number} (`stateDir: /var/lib/forgejo`)" in result.stderr, result.stderr


# -- a stack file copied with its salt ---------------------------------------------------------

LAB_FILE = Path("stacks/Pulumi.lab.yaml")


def salt_number(text: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith("encryptionsalt:"))


@pytest.mark.parametrize("args", [("--stack", "lab", "preview"), ("preview", "-s", "lab")], ids=["before", "after"])
def test_a_copied_salt_is_named_at_its_line_and_pulumi_still_says_why(
    checkout: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    """The dev stack file copied whole, run with a passphrase of the copy's own: the
    wrapper names the file and the line, and pulumi's error and exit code are kept."""
    dev = (checkout / DEV_FILE).read_text()
    (checkout / LAB_FILE).write_text(dev)
    result = wrapper(checkout, tmp_path / "home", *args, "--non-interactive", passphrase="lab's own")
    assert result.returncode != 0
    warning, *rest = result.stderr.splitlines()
    assert warning.startswith(f"scripts/pulumi: warning: {LAB_FILE}:{salt_number(dev)}: encryptionsalt is also ")
    assert "error: could not create secrets manager for new stack: incorrect passphrase" in rest, result.stderr


def test_the_copy_is_told_from_the_stack_it_was_copied_from(checkout: Path, tmp_path: Path) -> None:
    """Once dev was created with the salt, the copy is named as the copy and dev runs
    without a word."""
    home = tmp_path / "home"
    assert wrapper(checkout, home, "preview", "--stack", "dev", "--non-interactive").returncode == 0
    dev = (checkout / DEV_FILE).read_text()
    (checkout / LAB_FILE).write_text(dev)
    lab = wrapper(checkout, home, "up", "--stack", "lab", "--yes", passphrase="lab's own")
    assert lab.returncode != 0 and "incorrect passphrase" in lab.stderr.splitlines()[-1]
    assert lab.stderr.startswith(
        f"scripts/pulumi: warning: {LAB_FILE}:{salt_number(dev)}: encryptionsalt was copied from "
        "Pulumi.dev.yaml (stack dev was created with it)"
    )
    again = wrapper(checkout, home, "preview", "--stack", "dev", "--non-interactive")
    assert again.returncode == 0 and "encryptionsalt" not in again.stderr, again.stderr


def test_a_selected_stack_given_a_copied_salt_is_told_its_own(checkout: Path, tmp_path: Path) -> None:
    """A stack with a salt of its own runs without a word; the dev salt pasted over it
    is named at its line for the selected stack, with the salt to put back."""
    home = tmp_path / "home"
    dev = (checkout / DEV_FILE).read_text()
    (checkout / LAB_FILE).write_text(dev.replace(dev.splitlines()[salt_number(dev) - 1] + "\n", ""))
    selected = wrapper(checkout, home, "stack", "select", "lab", "--non-interactive", passphrase="lab's own")
    assert selected.returncode == 0, selected.stderr
    own = wrapper(checkout, home, "preview", "--non-interactive", passphrase="lab's own")
    assert own.returncode == 0 and "encryptionsalt" not in own.stderr, own.stderr
    text = (checkout / LAB_FILE).read_text()
    own_salt = text.splitlines()[salt_number(text) - 1]
    copied_salt = dev.splitlines()[salt_number(dev) - 1]
    (checkout / LAB_FILE).write_text(text.replace(own_salt, copied_salt))
    refused = wrapper(checkout, home, "preview", "--non-interactive", passphrase="lab's own")
    assert refused.returncode != 0
    assert refused.stderr.splitlines()[0] == (
        f"scripts/pulumi: warning: {LAB_FILE}:{salt_number(text)}: encryptionsalt is the one of Pulumi.dev.yaml, "
        "not the one stack lab was created with, so its passphrase gives `incorrect passphrase`. "
        f"Put back `{own_salt}`."
    )
    assert "error: getting stack configuration: get stack secrets manager: incorrect passphrase" in refused.stderr


# -- an exported passphrase ----------------------------------------------------------------


def test_the_dev_stack_runs_in_a_shell_that_exports_another_passphrase(checkout: Path, tmp_path: Path) -> None:
    """ssh-hosts.md, secrets.md and team-state.md export PULUMI_CONFIG_PASSPHRASE_FILE; in
    that shell the dev stack stopped with "incorrect passphrase". Now it runs on its
    public passphrase, said in one line."""
    secret = tmp_path / "passphrase"
    secret.write_text("a real stack's passphrase\n")
    up = wrapper(checkout, tmp_path / "home", "up", "--stack", "dev", "--yes", passphrase_file=secret)
    assert up.returncode == 0, up.stdout + up.stderr
    assert up.stderr.startswith(
        "scripts/pulumi: stack dev uses its public passphrase 'nixedge-dev', not PULUMI_CONFIG_PASSPHRASE_FILE"
    ), up.stderr
    assert "Resources:\n    + 2 created" in up.stdout, up.stdout


def test_a_passphrase_that_does_not_open_the_salt_is_named_before_pulumis_message(
    checkout: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    dev = (checkout / DEV_FILE).read_text()
    (checkout / LAB_FILE).write_text(dev.replace(dev.splitlines()[salt_number(dev) - 1] + "\n", ""))
    made = wrapper(checkout, home, "preview", "--stack", "lab", "--non-interactive", passphrase="lab's own")
    assert made.returncode == 0, made.stderr
    text = (checkout / LAB_FILE).read_text()
    wrong = wrapper(checkout, home, "preview", "--stack", "lab", "--non-interactive", passphrase="not lab's")
    assert wrong.returncode != 0
    ours = wrong.stderr.index(
        "scripts/pulumi: error: the passphrase in PULUMI_CONFIG_PASSPHRASE does not open "
        f"`{text.splitlines()[salt_number(text) - 1]}` "
        f"at {LAB_FILE}:{salt_number(text)}"
    )
    assert ours < wrong.stderr.index("incorrect passphrase`. Export") < wrong.stderr.index("error: getting stack")
