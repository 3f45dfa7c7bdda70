"""Every command in a ```sh, ```bash or ```shell block of README.md and docs/*.md runs
here, in order, so the docs cannot rot.

Each document gets a copy of the repository (the files `git ls-files -co
--exclude-standard` lists, `.venv` symlinked, committed to a fresh git repository so
that `nixedge diff` has a base), and one bash session whose working
directory is the copy's root: an `export` carries over to the next command, as in a
terminal. The session's environment has none of the caller's PULUMI_* and GIT_*
variables, HOME in the test's tmp dir and TMPDIR a fresh directory. Each command must
exit 0, or the code that a trailing comment `# exits N` on one of its lines states.

Conventions in the documents:

- A command spans continuation lines (a trailing `\\`, `|`, `&&` or `||`) and
  here-documents. Comment lines are not run.
- A ```text block right after the line `<!-- doc-test: output -->` is the exact output
  (stdout and stderr, in order; trailing blanks aside) of the command before it; after
  `<!-- doc-test: output excerpt -->`, its lines (except `...` lines) occur in that
  output in this order, each as a whole line up to surrounding blanks. The copy's path
  prints as /home/me/nixedge in both.
- Not run: `scripts/test` and `.ci/run`, which run this suite, and so this test; and
  a shell block right after a line `<!-- doc-test: not run (why) -->`, for a command
  that needs what this machine may not have (a download from outside a package
  registry). The reason in parentheses is required.

docs/sites.md and docs/migrating.md put the stand-in Cloudflare plugin
(tests.cloudflare_plugin_standin) first on PATH themselves, as a reader rehearses their
recipes, so those publish at its account; docs/sites.md's lab keeps its hosts' credentials below /run/nixedge-lab (the
model refuses a secrets directory in /tmp), which the test empties before and after.

docs/ssh-hosts.md runs against a real OpenSSH server on 127.0.0.1 (tests.sshd) that it
reaches as `ssh lab`: an `ssh` first on PATH adds `-F` with the server's client config
under `Host lab`, the test's stand-in for the reader's ~/.ssh/config. The "host" is this
machine, so that document writes only below /tmp/nixedge-rehearsal, which the test
empties before and after (one run at a time, under a lock).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import shlex
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.sshd import ALIAS, SshServer

pytestmark = [pytest.mark.engine, pytest.mark.slow]

REPO = Path(__file__).resolve().parent.parent
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SHELLS = frozenset({"sh", "bash", "shell"})
SELF = frozenset({"scripts/test", ".ci/run", "bash .ci/run"})
"""Commands that run this test suite: running them here would never end."""
COPY_PATH = "/home/me/nixedge"
"""What the copy's path prints as in the documents' outputs."""
SSH_DOC = "docs/ssh-hosts.md"
SSH_HOST = "lab"
REHEARSAL = Path("/tmp/nixedge-rehearsal")
"""Where docs/ssh-hosts.md writes on the "host"; the test owns it."""
STANDIN_DOCS = frozenset({"docs/sites.md", "docs/migrating.md"})
"""Documents whose commands publish at the stand-in Cloudflare account."""
LAB_SECRETS = Path("/run/nixedge-lab")
"""Where docs/sites.md's lab hosts keep their credentials; the test owns it."""
TIMEOUT = 300.0
"""Seconds one command may take (a first `scripts/pulumi` may run scripts/setup)."""

_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)")
_HEREDOC = re.compile(r"(?<!<)<<(?!<)-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
_EXITS = re.compile(r"#\s*exits\s+(\d+)\s*$")
_EXPECT = re.compile(r"^<!--\s*doc-test:\s*output(?P<excerpt>\s+excerpt)?\s*-->$")
_NOT_RUN = re.compile(r"^<!--\s*doc-test:\s*not run\s*\((?P<why>[^)]+)\)\s*-->$")
_CONTINUED = ("\\", "|", "&&", "||")


@dataclass
class Command:
    """One command of a document, where it is, what it must exit with and print."""

    text: str
    line: int
    exit_code: int = 0
    output: str | None = None
    """Exact expected output, from a following `<!-- doc-test: output -->` block."""
    excerpt: list[str] = field(default_factory=list)
    """Lines expected in order in the output (`<!-- doc-test: output excerpt -->`)."""


def fenced_blocks(text: str) -> Iterator[tuple[str, int, list[str], str]]:
    """(info word, line of the first content line, content lines, the line before the
    opening fence) for each fenced code block; content is unindented as its fence."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        indent, fence = len(opening["indent"]), opening["fence"]
        before = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            text = lines[j]
            body.append(text[indent:] if not text[:indent].strip() else text.lstrip())
            j += 1
        yield opening["info"].lower(), i + 2, body, before
        i = j + 1


def split_commands(body: list[str], first_line: int) -> list[Command]:
    """The commands of one shell block: continuation lines and here-documents joined."""
    commands: list[Command] = []
    i = 0
    while i < len(body):
        line = body[i]
        if not line.strip() or line.lstrip().startswith("#"):
            i += 1
            continue
        start = i
        parts = [line]
        code_lines = [line]  # lines that are shell code, not here-document text
        pending = [m[2] for m in _HEREDOC.finditer(line)]
        i += 1
        while True:
            if pending:
                delimiter = pending.pop(0)
                while i < len(body) and body[i].strip() != delimiter:
                    parts.append(body[i])
                    i += 1
                if i == len(body):
                    raise ValueError(f"line {first_line + start}: here-document {delimiter} never ends")
                parts.append(body[i])
                i += 1
            elif code_lines[-1].rstrip().endswith(_CONTINUED) and i < len(body):
                parts.append(body[i])
                code_lines.append(body[i])
                pending += [m[2] for m in _HEREDOC.finditer(body[i])]
                i += 1
            else:
                break
        exits = next((m for m in map(_EXITS.search, code_lines) if m), None)
        commands.append(Command("\n".join(parts), first_line + start, int(exits[1]) if exits else 0))
    return commands


def document_commands(path: Path) -> list[Command]:
    """Every shell command of a document in order, with the outputs it states."""
    commands: list[Command] = []
    for info, line, body, before in fenced_blocks(path.read_text(encoding="utf-8")):
        not_run = re.match(r"<!--\s*doc-test:\s*not run", before) is not None
        if not_run and _NOT_RUN.match(before) is None:
            raise ValueError(f"{path.name}:{line}: `doc-test: not run` needs its reason: `not run (why)`")
        if info in SHELLS:
            if not not_run:
                commands += split_commands(body, line)
            continue
        if not_run:
            raise ValueError(f"{path.name}:{line}: `doc-test: not run (why)` marks a shell block only")
        expect = _EXPECT.match(before)
        if expect is None:
            continue
        if not commands:
            raise ValueError(f"{path.name}:{line}: an expected output before any command")
        if expect["excerpt"]:
            commands[-1].excerpt = [text.strip() for text in body if text.strip() and text.strip() != "..."]
        else:
            commands[-1].output = "\n".join(body)
    return commands


class Shell:
    """One bash session; `run` sources each command in it and returns (exit code, output)."""

    def __init__(self, cwd: Path, env: dict[str, str], scratch: Path) -> None:
        self.scratch = scratch
        self.count = 0
        self.proc = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.send("set -o pipefail\n")

    def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def run(self, command: str, timeout: float) -> tuple[int, str]:
        self.count += 1
        script = self.scratch / f"{self.count}.sh"
        out = self.scratch / f"{self.count}.out"
        script.write_text(command + "\n", encoding="utf-8")
        marker = f"doc-test-{uuid.uuid4().hex}"
        # stdin from /dev/null: a command must not read the session's own input.
        self.send(f'. {shlex.quote(str(script))} > {shlex.quote(str(out))} 2>&1 < /dev/null; echo "{marker} $?"\n')
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        received = b""
        deadline = time.monotonic() + timeout
        while (found := re.search(rf"{marker} (\d+)\n".encode(), received)) is None:
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                raise TimeoutError(f"no end after {timeout:.0f} s; output so far:\n{_read(out)}")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise RuntimeError(f"the command ended the shell; its output:\n{_read(out)}")
                received += chunk
        return int(found[1]), _read(out)

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(BrokenPipeError, OSError):
                assert self.proc.stdin is not None
                self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                # The session leads its own process group: stop it and what it started.
                os.killpg(self.proc.pid, 9)
                self.proc.wait()


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def copy_repo(dest: Path) -> None:
    """The checkout as a user has it: tracked and new files, .venv linked, one commit."""
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z", "-co", "--exclude-standard"],
        capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for rel in filter(None, listed):
        src = REPO / rel
        if src.is_file() and not src.is_symlink():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    (dest / ".venv").symlink_to(REPO / ".venv")
    git = ["git", "-C", str(dest), "-c", "user.name=nixedge docs", "-c", "user.email=docs@nixedge.invalid"]
    env = _clean_env()
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "A fresh clone"]):
        subprocess.run([*git, *args], check=True, env=env, capture_output=True)


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "GIT_")) and k != "PYTHONPATH"}


def ssh_stand_in(server: SshServer, bin_dir: Path) -> None:
    """`ssh` on PATH that reaches the test server as `lab`, with host-key checking on."""
    real_ssh = shutil.which("ssh")
    assert real_ssh is not None
    config = server.config.read_text().replace(f"Host {ALIAS}\n", f"Host {SSH_HOST}\n", 1)
    assert config.startswith(f"Host {SSH_HOST}\n"), config
    lab_config = server.config.with_name("lab_config")
    lab_config.write_text(config)
    bin_dir.mkdir()
    wrapper = bin_dir / "ssh"
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(real_ssh)} -F {shlex.quote(str(lab_config))} "$@"\n')
    wrapper.chmod(0o755)


@contextlib.contextmanager
def owned_dir(path: Path) -> Iterator[None]:
    """One run at a time owns `path`; it is empty before and after."""
    with open(Path(f"/tmp/nixedge-doc-test{'-' + path.name if path != REHEARSAL else ''}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        shutil.rmtree(path, ignore_errors=True)
        try:
            yield
        finally:
            shutil.rmtree(path, ignore_errors=True)


def rehearsal_dir() -> contextlib.AbstractContextManager[None]:
    """One run at a time owns /tmp/nixedge-rehearsal; it is empty before and after."""
    return owned_dir(REHEARSAL)


def _lines(text: str) -> list[str]:
    """Lines without trailing blanks (Markdown editors drop them), trailing empty lines dropped."""
    return [line.rstrip() for line in text.rstrip().splitlines()]


def _matches_in_order(expected: list[str], output: str) -> str | None:
    """The first expected line not found (in order) among the output's lines, or None."""
    lines = iter(line.strip() for line in output.splitlines())
    for want in expected:
        if not any(line == want for line in lines):
            return want
    return None


def _ids(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


@pytest.mark.parametrize("document", [d for d in DOCUMENTS if document_commands(d)], ids=_ids)
def test_document_commands_run(document: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    commands = document_commands(document)
    assert (REPO / ".venv" / "bin" / "pulumi").exists(), "no Pulumi CLI in .venv/bin: run scripts/setup"
    name = _ids(document)
    root = tmp_path / "nixedge"
    root.mkdir()
    copy_repo(root)
    home, scratch = tmp_path / "home", tmp_path / "session"
    for d in (home, scratch):
        d.mkdir()
    # A short TMPDIR: the ssh transport puts its control socket there, and a socket's
    # path may not exceed 107 bytes (pytest's tmp_path is long).
    tmp = Path(tempfile.mkdtemp(prefix="nixedge-doc-", dir="/tmp" if os.path.isdir("/tmp") else None))
    request.addfinalizer(lambda: shutil.rmtree(tmp, ignore_errors=True))
    # A home of its own, but the user's cache: `scripts/setup` in a guide finds the Pulumi
    # CLI built there (set-up keeps it in $XDG_CACHE_HOME/nixedge, else ~/.cache/nixedge).
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    env = _clean_env() | {"HOME": str(home), "TMPDIR": str(tmp), "XDG_CACHE_HOME": cache}
    guard: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if name == SSH_DOC:
        server: SshServer = request.getfixturevalue("sshd")
        ssh_stand_in(server, tmp_path / "ssh-bin")
        env["PATH"] = f"{tmp_path / 'ssh-bin'}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
        guard = rehearsal_dir()
    if name in STANDIN_DOCS:
        guard = owned_dir(LAB_SECRETS)  # (the document puts the stand-in in place itself)
    with guard:
        shell = Shell(root, env, scratch)
        try:
            for command in commands:
                where = f"{name}:{command.line}: `{command.text.splitlines()[0]}`"
                if command.text.strip() in SELF:
                    continue
                started = time.monotonic()
                code, output = shell.run(command.text, TIMEOUT)
                output = output.replace(str(root), COPY_PATH)
                took = time.monotonic() - started
                assert code == command.exit_code, (
                    f"{where} exited {code}, the document says {command.exit_code} "
                    f"(after {took:.1f} s); its output:\n{output}"
                )
                if command.output is not None:
                    assert _lines(output) == _lines(command.output), (
                        f"{where} printed something else than the document shows:\n{output}"
                    )
                missing = _matches_in_order(command.excerpt, output)
                assert missing is None, f"{where}: the line {missing!r} is not in its output (in order):\n{output}"
        finally:
            shell.close()


# --- links ----------------------------------------------------------------------------

_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    in_code = False
    anchors: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if _FENCE.match(line):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            anchors.add(_slug(line.lstrip("#")))
    return anchors


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids)
def test_relative_links_resolve(document: Path) -> None:
    """Every relative link of a document names a file that exists, and a heading in it."""
    broken = []
    for target in _LINK.findall(document.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target):
            continue  # https:, mailto:
        rel, _, anchor = target.partition("#")
        path = (document.parent / rel).resolve() if rel else document
        if not path.exists():
            broken.append(f"{target}: no file {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(f"{target}: no heading #{anchor} in {path.relative_to(REPO)}")
    assert not broken, f"{_ids(document)}: broken links:\n" + "\n".join(broken)


# --- the parser itself ------------------------------------------------------------------


def test_split_commands_joins_continuations_and_here_documents() -> None:
    body = [
        "# a comment",
        "echo one",
        "",
        "cat > f.yaml <<'EOF'",
        "a: 1",
        "  # not a comment: YAML",
        "EOF",
        "nixedge check \\",
        "  --stack seminar  # exits 2",
        "false ||",
        "  true",
    ]
    commands = split_commands(body, 10)
    assert [(c.line, c.exit_code) for c in commands] == [(11, 0), (13, 0), (17, 2), (19, 0)]
    assert commands[1].text == "cat > f.yaml <<'EOF'\na: 1\n  # not a comment: YAML\nEOF"
    assert commands[2].text == "nixedge check \\\n  --stack seminar  # exits 2"


def test_document_commands_reads_expected_outputs(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "Intro.\n\n```sh\necho hi\necho there\n```\n\n<!-- doc-test: output -->\n```text\nthere\n```\n\n"
        "```bash\nprintf 'a\\nb\\nc\\n'\n```\n\n<!-- doc-test: output excerpt -->\n\n```text\na\n...\nc\n```\n"
        "\n```yaml\nnot: run\n```\n"
    )
    commands = document_commands(doc)
    assert [c.text for c in commands] == ["echo hi", "echo there", "printf 'a\\nb\\nc\\n'"]
    assert (commands[1].output, commands[2].excerpt) == ("there", ["a", "c"])
    assert _matches_in_order(["a", "c"], "a\nb\nc\n") is None


def test_document_commands_leaves_out_blocks_marked_not_run(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "```sh\necho one\n```\n\n<!-- doc-test: not run (needs a download) -->\n```sh\nfalse\n```\n\n"
        "```sh\necho two\n```\n"
    )
    assert [c.text for c in document_commands(doc)] == ["echo one", "echo two"]
    doc.write_text("<!-- doc-test: not run -->\n```sh\nfalse\n```\n")
    with pytest.raises(ValueError, match="needs its reason"):
        document_commands(doc)
    doc.write_text("<!-- doc-test: not run (why) -->\n```text\nan output\n```\n")
    with pytest.raises(ValueError, match="marks a shell block only"):
        document_commands(doc)
    assert _matches_in_order(["c", "a"], "a\nb\nc\n") == "a"
