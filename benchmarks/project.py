"""A throwaway copy of this checkout driven through `scripts/pulumi`, as a user runs it.

Shared by the benchmarks and the engine suites (tests/test_bad_inputs_engine.py,
tests/test_chaos.py): `Project.create(dest)` copies the checkout (the files git tracks
or would track, without tests/ and benchmarks/; `.venv` is a symlink), gives it its own
file backend and passphrase, and runs the real CLI on the real program (`__main__.py`
through our language host and the HostModules dynamic provider).

`loopback_sshd(dir)` starts the OpenSSH server of tests/sshd.py outside pytest, and
`ssh_wrapper(dir, config)` makes `ssh` on PATH read that server's ssh_config: the stack
config's ssh target has no ssh options, so this is how the program reaches the test
server under its Host alias.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PASSPHRASE = "nixedge-bench"
LEFT_OUT = ("tests/", "benchmarks/")


def copy_checkout(dest: Path) -> None:
    """The checkout as git sees it (tracked and new files), without state, venv, tests."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, check=True, capture_output=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for rel in filter(None, listed):
        src = REPO / rel
        if src.is_file() and not rel.startswith(LEFT_OUT):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    (dest / ".venv").symlink_to(REPO / ".venv")


@dataclass
class Project:
    """A copy of the checkout with its own file backend in `backend`."""

    root: Path
    backend: Path
    extra_path: list[Path] = field(default_factory=list)
    """Directories put first on PATH (e.g. an ssh wrapper), before scripts/pulumi adds .venv/bin."""

    @classmethod
    def create(cls, dest: Path) -> Project:
        root = dest / "nixedge"
        root.mkdir(parents=True)
        copy_checkout(root)
        backend = dest / "state"
        backend.mkdir()
        return cls(root=root, backend=backend)

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
        env["PULUMI_BACKEND_URL"] = f"file://{self.backend}"
        env["PULUMI_CONFIG_PASSPHRASE"] = PASSPHRASE
        env["PATH"] = os.pathsep.join([*map(str, self.extra_path), env.get("PATH", "/usr/bin:/bin")])
        return env

    def argv(self, stack: str, *args: str) -> list[str]:
        return [str(self.root / "scripts" / "pulumi"), *args, "--stack", stack, "--non-interactive"]

    def pulumi(
        self, stack: str, *args: str, check: bool = True, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """`scripts/pulumi <args> --stack <stack> --non-interactive` in the copy."""
        result = subprocess.run(
            self.argv(stack, *args), cwd=self.root, env=self.env, capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip
        if check and result.returncode != 0:
            raise RuntimeError(
                f"scripts/pulumi {' '.join(args)} --stack {stack} exited {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def popen(self, stack: str, *args: str, log: Path) -> subprocess.Popen[bytes]:
        """The same command in its own process group (killable as a whole), output to `log`."""
        with open(log, "wb") as out:
            return subprocess.Popen(
                self.argv(stack, *args), cwd=self.root, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip

    def stack_file(self, stack: str) -> Path:
        return self.root / "stacks" / f"Pulumi.{stack}.yaml"

    def salt(self, stack: str) -> str | None:
        """The stack's `encryptionsalt` (written by `pulumi stack init`), if any."""
        path = self.stack_file(stack)
        if not path.exists():
            return None
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("encryptionsalt:"):
                return line.split(":", 1)[1].strip()
        return None

    def export(self, stack: str) -> dict[str, Any]:
        """`pulumi stack export`: the deployment (resources, pending operations)."""
        return json.loads(self.pulumi(stack, "stack", "export").stdout)  # type: ignore[no-any-return]

    def lock_files(self) -> list[Path]:
        return sorted(p for p in (self.backend / ".pulumi" / "locks").rglob("*.json")) if self.backend.exists() else []


def host_resource(deployment: Mapping[str, Any]) -> dict[str, Any]:
    """The one HostModules resource of an exported stack."""
    found = [
        r for r in deployment["deployment"].get("resources") or []
        if r["type"] == "pulumi-python:dynamic/nixedge:HostModules"
    ]  # fmt: skip
    if len(found) != 1:
        raise AssertionError(f"expected one HostModules resource in the state, found {len(found)}")
    return found[0]  # type: ignore[no-any-return]


def inodes(root: Path) -> dict[str, tuple[int, int]]:
    """Relative path -> (inode, size): an atomic write (temp file + rename) changes the inode."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            st = p.stat()
            out[p.relative_to(root).as_posix()] = (st.st_ino, st.st_size)
    return out


def written(before: Mapping[str, tuple[int, int]], after: Mapping[str, tuple[int, int]]) -> tuple[int, int]:
    """(files, bytes) written between two `inodes` snapshots (new files and replaced ones)."""
    changed = [rel for rel, (ino, _) in after.items() if before.get(rel, (None, 0))[0] != ino]
    return len(changed), sum(after[rel][1] for rel in changed)


# -- activation commands ---------------------------------------------------------------


def recording_script(path: Path, log: Path, *, sleep: float = 0.0, exit_code: int = 0) -> list[str]:
    """A command that appends its name to `log`, optionally sleeps, and exits with `exit_code`."""
    path.write_text(
        "#!/bin/sh\n"
        f'echo {path.name} >> "{log}"\n'
        + (f"sleep {sleep}\n" if sleep else "")
        + f'echo "{path.name}: exit {exit_code}"\n'
        f"exit {exit_code}\n"
    )
    path.chmod(0o755)
    return [str(path)]


def log_lines(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


# -- the loopback sshd outside pytest ----------------------------------------------------


@dataclass
class Sshd:
    destination: str
    config: Path
    log: Path
    pid: int

    def connections(self) -> int:
        return self.log.read_text(errors="replace").count("Accepted publickey for ")


@contextlib.contextmanager
def loopback_sshd(directory: Path) -> Iterator[Sshd]:
    """tests/sshd.py's server (127.0.0.1, a free port, keys made here), outside pytest."""
    from tests import sshd as fixture

    gen = fixture.sshd.__wrapped__(directory)  # type: ignore[attr-defined]
    server = next(gen)
    try:
        yield Sshd(server.destination, server.config, server.log, server.process.pid)
    finally:
        with contextlib.suppress(StopIteration):
            next(gen)


def loopback_sshds(stack: contextlib.ExitStack, root: Path, count: int) -> list[Sshd]:
    """`count` servers of `loopback_sshd`, in `root`/sshd1... , stopped when `stack` closes."""
    dirs = [root / f"sshd{i}" for i in range(1, count + 1)]
    for d in dirs:
        d.mkdir()
    return [stack.enter_context(loopback_sshd(d)) for d in dirs]


def print_table(rows: Sequence[Sequence[str]]) -> None:
    """The benchmarks' figures as a Markdown table (benchmarks/RESULTS.md takes it as is)."""
    print("| benchmark | value | ratio |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def ssh_wrapper(directory: Path, config: Path) -> Path:
    """A directory holding an `ssh` that runs the system ssh with `-F config`."""
    directory.mkdir(parents=True, exist_ok=True)
    real = shutil.which("ssh") or "/usr/bin/ssh"
    wrapper = directory / "ssh"
    wrapper.write_text(f'#!/bin/sh\nexec {real} -F {config} "$@"\n')
    wrapper.chmod(0o755)
    return directory
