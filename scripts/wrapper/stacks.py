"""The stack a command runs on and what the wrapper does for it: the selected stack when
none is named, the stack's creation on first use
(without selecting it), and the stack file that `stack rm` keeps."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from scripts.wrapper import backend
from scripts.wrapper.command_line import CommandLine
from scripts.wrapper.paths import REPO, project_name, stack_file


def project_file(line: CommandLine, env: dict[str, str]) -> Path | None:
    """The Pulumi.yaml the CLI will use, by the path it will use: in `--cwd` or the
    working directory (Go's os.Getwd: $PWD when it is that directory), or above."""
    cwd = Path(os.getcwd())
    pwd = env.get("PWD", "")
    if os.path.isabs(pwd) and os.path.isdir(pwd) and os.path.samefile(pwd, cwd):
        cwd = Path(pwd)
    for i, arg in enumerate(line.args):
        name, has_value, value = arg.partition("=")
        if name in ("--cwd", "-C") and (has_value or i + 1 < len(line.args)):
            cwd = (cwd / (value if has_value else line.args[i + 1])).resolve()  # the CLI chdirs there
    for where in (cwd, *cwd.parents):
        for name in ("Pulumi.yaml", "Pulumi.yml"):
            if (where / name).is_file():
                return where / name
    return None


def selected(line: CommandLine, env: dict[str, str]) -> str | None:
    """The stack `pulumi stack select` chose for this project and backend, as the CLI
    keeps it: `~/.pulumi/workspaces/<project>-<sha1 of Pulumi.yaml's path>-workspace.json`."""
    project = project_file(line, env)
    if project is None:
        return None
    name = project_name(project)
    home = Path(env.get("PULUMI_HOME") or Path.home() / ".pulumi")
    digest = hashlib.sha1(str(project).encode()).hexdigest()
    try:
        settings = json.loads((home / "workspaces" / f"{name}-{digest}-workspace.json").read_text())
    except (OSError, ValueError):
        return None
    stack = settings.get("stacks", {}).get(env.get("PULUMI_BACKEND_URL", "")) or settings.get("stack")
    if not isinstance(stack, str) or not stack:
        return None
    # A file or S3 backend's one organization: the name alone, as a user writes it.
    return stack.removeprefix(f"organization/{name}/")


# Commands that work on a stack's state: a stack described in stacks/ is created for them.
# Commands that only read (`stack export`, `stack output`, `stack history`, ...) are not:
# for a stack never deployed, the CLI's "no stack named" is the truth.
_CREATING = {"preview", "up", "update", "refresh", "destroy", "import", "config", "state"}


def init_on_first_use(line: CommandLine, env: dict[str, str], stack: str | None) -> int:
    """A stack described in stacks/ that the file backend does not hold yet: create it
    for a command that works on its state (not for other backends, managed by hand).
    `--no-select`: naming a stack once (`preview --stack lab`) does not change which
    stack a later command without `--stack` runs on."""
    root = backend.directory(env["PULUMI_BACKEND_URL"])
    if stack is None or "/" in stack or root is None or not stack_file(stack).is_file():
        return 0
    if not (line.command in _CREATING or line.is_("stack", "select")) or backend.has_stack(root, stack):
        return 0
    command = ["pulumi", "stack", "init", stack, "--no-select", "--non-interactive"]
    return subprocess.run(command, cwd=REPO, env=env, stdout=sys.stderr, check=False).returncode


def held(env: dict[str, str], stack: str) -> bool | None:
    """Whether the backend holds `stack`: a file backend's checkpoint, an S3 backend's
    listing; None when that cannot be told (another backend, an S3 error)."""
    url = env["PULUMI_BACKEND_URL"]
    root = backend.directory(url)
    if root is not None:
        return backend.has_stack(root, stack)
    if url.startswith("s3://"):
        from scripts.wrapper import s3_stacks

        return s3_stacks.holds(url, stack, project_name())
    return None


def unknown(env: dict[str, str], stack: str | None, selecting: bool = False) -> str | None:
    """What to say of a stack that neither stacks/ describes nor the backend holds (a
    typo, `--stack Dev`): what there is, and the closest name, spelled as the command
    named it (`stack select NAME` takes it as an argument); None for a known one."""
    if stack is None or "/" in stack or stack_file(stack).is_file() or held(env, stack) is not False:
        return None
    described = sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in stack_file(stack).parent.glob("Pulumi.*.yaml")
    )
    close = difflib.get_close_matches(stack.lower(), described, n=1, cutoff=0.6)
    return f"no stack {stack!r}: stacks/ describes {', '.join(described) or 'none'}" + (
        (f"; did you mean stack select {close[0]}?" if selecting else f"; did you mean --stack {close[0]}?")
        if close
        else ""
    )


def not_created(env: dict[str, str], stack: str | None) -> str | None:
    """A stack described in stacks/ that a shared (S3) backend does not hold: there, no
    stack is created on first use (docs/team-state.md), so name the command that does."""
    url = env["PULUMI_BACKEND_URL"]
    if stack is None or "/" in stack or not url.startswith("s3://") or not stack_file(stack).is_file():
        return None
    if held(env, stack) is not False:
        return None
    return (
        f"stack {stack} is described in stacks/{stack_file(stack).name} but not created in {url.split('?')[0]}: "
        f"a shared backend gets its stacks on purpose, once: scripts/pulumi stack init --stack {stack} "
        "(docs/team-state.md)"
    )


def say_unknown(line: CommandLine, env: dict[str, str], stack: str | None) -> None:
    """Before the CLI's bare "no stack named 'prod' found" for an unknown stack, list
    what there is; for one not created in a shared backend, how to create it."""
    if not (line.command in _CREATING or line.is_("stack", "select")):
        return
    said = unknown(env, stack, selecting=line.is_("stack", "select")) or not_created(env, stack)
    if said is not None:
        print(f"scripts/pulumi: {said}", file=sys.stderr)


def refuse_unknown(env: dict[str, str], stack: str | None) -> int:
    """`recover` of an unknown stack: 2 and what there is (the check would find nothing
    to recover in a stack that is not there). A stack whose checkpoint is gone but whose
    leftovers are there (`.tmp`, `.bak`) is the check's to look at."""
    root = backend.directory(env["PULUMI_BACKEND_URL"])
    if root is None or any((root / ".pulumi" / "stacks").rglob(f"{stack}.json*")):
        return 0  # a shared backend: recover says what it does there
    said = unknown(env, stack)
    if said is None:
        return 0
    print(f"scripts/pulumi: error: {said}", file=sys.stderr)
    return 2


def keeping_the_stack_file(line: CommandLine, args: list[str], stack: str | None) -> list[str]:
    """`stack rm` keeps the stack file (`--preserve-config`): it is the stack's source,
    written by hand and maybe not committed yet, and the next `up` creates the stack from
    it again. Deleting it is a separate, explicit step, which the line printed names."""
    if not line.is_("stack", "rm") or "--preserve-config" in args or line.help or stack is None:
        return args
    path = stack_file(stack)
    if not path.is_file():
        return args
    shown = path.relative_to(REPO)
    print(
        f"scripts/pulumi: keeping {shown}, the stack's source (--preserve-config); `rm {shown}` if it should go",
        file=sys.stderr,
    )
    where = args.index("--") if "--" in args else len(args)
    return [*args[:where], "--preserve-config", *args[where:]]
