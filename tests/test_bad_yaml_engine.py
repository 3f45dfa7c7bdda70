"""Stack files that YAML readers read differently, or that crashed a command, are refused
with the key named: by `check`, `render`, `diff` and `ssh-config`, and under the engine,
where a host that already holds deployed modules keeps them byte for byte.

Issue 13, families 5 (review must read what deploy reads) and 6 (crashes). Each case is
the seed's valid site (tests/site_mutations.seed_site) with one construct put in as YAML text,
or a whole file re-encoded. Every case goes through `check`; the crash family also
through `render`, `diff` (against a commit holding the valid site) and `ssh-config`;
a sample through `pulumi preview` (the real engine on a copy of the checkout, the
deployed target of tests/test_bad_inputs_engine.py) and one through `pulumi up`.

Where the engine refuses the file before the program runs, the output holds the
engine's own refusal (`engine_says`, listed in docs/testing.md); otherwise the program's
(it reads the stack file with `check`'s reader, components/stackfile/agree.engine_site),
with the same key. No output holds a Python traceback. Everything (NIXEDGE_FULL=1 runs
every case through the engine):

    .venv/bin/python -m pytest tests/test_bad_yaml_engine.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from benchmarks.project import log_lines
from benchmarks.sites import stack_yaml
from tests.test_bad_inputs_engine import STACK, Deployed, base_site, deployed, names_key

pytestmark = pytest.mark.engine

__all__ = ["deployed"]  # the module-scoped fixture: the seed site, deployed to a local target

FULL = os.environ.get("NIXEDGE_FULL") == "1"
REPO = Path(__file__).resolve().parents[1]
A = "containers.atticd"
F = "containers.forgejo"
HOLE = "'@@HERE@@'"
SECRETS = {"tok": {"provider": "agenix", "path": "/run/agenix/tok"}}


@dataclass(frozen=True)
class Case:
    """One bad stack file: YAML text put at `at` (a key path of the seed site), the key
    its error names, and where the engine refuses it first, what the engine says."""

    id: str
    family: int
    key: str
    at: str | None = None
    """Where `text` goes: a dotted path into the site whose value becomes the YAML text."""
    text: str = ""
    encode: str | None = None
    """Instead of `at`/`text`: the whole valid file re-encoded (`utf-16`, ...) or changed."""
    engine_says: str | None = None
    engine: bool = False
    """In the default sample through `pulumi preview`."""
    secrets: bool = False
    """Declare the secret `tok` and list it in atticd's secrets (for `_secret` cases)."""


def _nested(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


DEEP = "[0]" * 58  # the first 62 levels below nixedge:site are named, then the error

CASES = [
    # -- family 5: review must read what deploy reads --------------------------------------
    Case("autostart-no", 5, f"{A}.autoStart", f"{A}.autoStart", "no", engine=True),
    Case("nixos-enable-yes", 5, f"{A}.nixos.services.foo.enable", f"{A}.nixos", "{services: {foo: {enable: yes}}}"),
    Case("nixos-value-NO", 5, f"{A}.nixos.i18n.country", f"{A}.nixos", "{i18n: {country: NO}}", engine=True),
    Case("nixos-key-on", 5, f"{A}.nixos.on", f"{A}.nixos", "{on: {push: 1}}"),
    Case("nixos-value-off", 5, f"{A}.nixos.x", f"{A}.nixos", "{x: Off}"),
    Case(
        "second-forgejo",
        5,
        "containers.forgejo",
        "containers.zzz",
        "{app: forgejo}",
        engine_says='mapping key "forgejo" already defined',
        engine=True,
    ),
    Case("duplicate-user-key", 5, f"{A}.nixos.a", f"{A}.nixos", "{a: 1, a: 2}", engine_says="already defined"),
    Case("route-port-float", 5, f"{A}.routes[0].port", f"{A}.routes[0].port", "8080.0", engine=True),
    Case("route-port-1e4", 5, f"{A}.routes[0].port", f"{A}.routes[0].port", "8.08e3"),
    Case("route-port-underscore", 5, f"{A}.routes[0].port", f"{A}.routes[0].port", "8_080"),
    Case("uid-octal", 5, f"{A}.user.uid", f"{A}.user.uid", "01741"),
    Case("nixos-mode-octal", 5, f"{A}.nixos.mode", f"{A}.nixos", "{mode: 0755}"),
    Case("nixos-sexagesimal", 5, f"{A}.nixos.t", f"{A}.nixos", "{t: 1:30}"),
    Case("nixos-float-whole", 5, f"{A}.nixos.f", f"{A}.nixos", "{f: 1.0}"),
    Case("nixos-binary-tag", 5, f"{A}.nixos.b", f"{A}.nixos", "{b: !!binary aGVsbG8=}", engine=True),
    Case("nixos-python-tag", 5, f"{A}.nixos.p", f"{A}.nixos", "{p: !!python/object/apply:os.system ['touch /tmp/x']}"),
    Case("hostname-str-tag", 5, f"{A}.routes[0].hostname", f"{A}.routes[0].hostname", "!!str nix-cache.ncaq.net"),
    Case("nixos-timestamp", 5, f"{A}.nixos.since", f"{A}.nixos", "{since: 2025-01-01T00:00:00Z}"),
    Case("nixos-int-key", 5, f"{A}.nixos.1", f"{A}.nixos", "{1: x}"),
    Case("nixos-null-key", 5, f"{A}.nixos.~", f"{A}.nixos", "{~: x}"),
    Case("nixos-merge-key", 5, f"{A}.nixos.<<", f"{A}.nixos", "{<<: {a: 1}}"),
    Case("nixos-inf", 5, f"{A}.nixos.x", f"{A}.nixos", "{x: .inf}", engine_says="unsupported value: +Inf", engine=True),
    Case(
        "nixos-alias-bomb",
        5,
        f"{A}.nixos.e[0]",
        f"{A}.nixos",
        "{a: &a [x, x, x, x, x, x, x, x, x, x], b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a], "
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b], d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c], "
        "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]}",
        engine_says="document contains excessive aliasing",
        engine=True,
    ),
    Case("pulumi-secure-value", 5, f"{A}.nixos.pw", f"{A}.nixos", "{pw: {secure: djE6eA==}}"),
    Case("second-document", 5, "Pulumi.bad.yaml", encode="second-document", engine=True),
    Case("tab-before-comment", 5, "Pulumi.bad.yaml", f"{A}.app", "atticd\t# the cache"),
    # -- family 6: crashes ---------------------------------------------------------------------
    Case("latin1-byte", 6, "Pulumi.bad.yaml", encode="latin1", engine_says="invalid YAML file", engine=True),
    Case("utf16-with-bom", 6, "Pulumi.bad.yaml", encode="utf-16", engine=True),
    Case("utf16-without-bom", 6, "Pulumi.bad.yaml", encode="utf-16-le", engine_says="invalid YAML file"),
    Case("utf32", 6, "Pulumi.bad.yaml", encode="utf-32"),
    Case("nul-byte", 6, "Pulumi.bad.yaml", f"{A}.app", '"atticd"\0', engine_says="invalid YAML file"),
    Case(
        "alias-contains-itself",
        6,
        f"{A}.nixos.x",
        f"{A}.nixos",
        "&n {x: *n}",
        engine_says="value contains itself",
        engine=True,
    ),
    Case("alias-list-in-itself", 6, f"{A}.nixos.l[0]", f"{A}.nixos", "{l: &l [*l]}", engine_says="contains itself"),
    Case("lists-3000-deep", 6, f"{A}.nixos.x{DEEP}", f"{A}.nixos", f"{{x: {_nested(3000)}}}", engine=True),
    Case("lists-300-deep", 6, f"{A}.nixos.x{DEEP}", f"{A}.nixos", f"{{x: {_nested(300)}}}"),
    Case("maps-100-deep", 6, f"{A}.nixos" + ".a" * 59, f"{A}.nixos", "{a: " * 100 + "1" + "}" * 100),
    Case("after-3000-deep", 6, f"{A}.after{DEEP}[0]", f"{A}.after", _nested(3000)),
    Case("nixos-secret-ref", 6, f"{A}.nixos", f"{A}.nixos", "{_secret: tok}", secrets=True, engine=True),
    Case("settings-secret-ref", 6, f"{A}.settings", f"{A}.settings", "{_secret: tok}", secrets=True),
    Case("lone-surrogate", 6, f"{A}.nixos.s", f"{A}.nixos", '{s: "\\ud800"}', engine_says="invalid Unicode"),
]


def case_text(case: Case, base: dict[str, Any], salt: str | None) -> bytes:
    site = _with_secrets(base) if case.secrets else base
    if case.encode == "second-document":
        return (stack_yaml(site, salt=salt) + "---\nconfig: {}\n").encode()
    if case.encode is not None:
        text = stack_yaml(site, salt=salt)
        if case.encode == "latin1":
            return text.replace("forgejo.ncaq.net", "forgejo-caf\xe9.ncaq.net").encode("latin-1")
        return text.encode(case.encode)
    assert case.at is not None
    data = _put(site, case.at, "@@HERE@@")
    text = stack_yaml(data, salt=salt)
    assert text.count(HOLE) == 1, text
    return text.replace(HOLE, case.text).replace("zzz:", "forgejo:").encode()


def _with_secrets(base: dict[str, Any]) -> dict[str, Any]:
    site = {**base, "secrets": SECRETS}
    site["containers"] = {**base["containers"], "atticd": {**base["containers"]["atticd"], "secrets": ["tok"]}}
    return site


def _put(site: dict[str, Any], at: str, value: Any) -> dict[str, Any]:
    """A copy of `site` with `value` at the dotted path `at` (`routes[0]` indexes a list)."""
    import copy

    out = copy.deepcopy(site)
    node: Any = out
    parts = at.replace("[", ".[").split(".")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        key: Any = int(part[1:-1]) if part.startswith("[") else part
        if last:
            node[key] = value
        else:
            node = node.setdefault(key, {}) if isinstance(node, dict) else node[key]
    return out


def command(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "components", *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip


@pytest.fixture(scope="module")
def commands(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], subprocess.CompletedProcess[str]]:
    """check for every case; render, diff and ssh-config for family 6; in parallel.

    Each case has its own git checkout whose commit holds the valid site, so that `diff`
    compares the bad working-tree file with it."""
    tmp = tmp_path_factory.mktemp("badyaml")
    base = base_site(tmp / "host", {"mode": "none"})
    jobs: list[tuple[str, str, list[str], Path]] = []
    for case in CASES:
        root = tmp / case.id
        path = root / "stacks" / "Pulumi.bad.yaml"
        path.parent.mkdir(parents=True)
        path.write_bytes(case_text(case, _with_secrets(base) if case.secrets else base, None))
        jobs.append((case.id, "check", ["check", "--config", str(path)], root))
        if case.family == 6:
            jobs.append((case.id, "render", ["render", "--config", str(path), "--out", str(root / "out")], root))
            jobs.append((case.id, "ssh-config", ["ssh-config", "--config", str(path)], root))
            good = stack_yaml(_with_secrets(base) if case.secrets else base)
            git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(root)]
            bad = path.read_bytes()
            path.write_text(good)
            subprocess.run([*git[:5], "init", "-q", str(root)], check=True)
            subprocess.run([*git, "add", "-A"], check=True)
            subprocess.run([*git, "commit", "-qm", "valid"], check=True)
            path.write_bytes(bad)
            jobs.append((case.id, "diff", ["diff", "--config", str(path)], root))

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results = pool.map(lambda job: command(job[2], job[3]), jobs)
        return {(job[0], job[1]): result for job, result in zip(jobs, results, strict=True)}


RUNS = [(c, cmd) for c in CASES for cmd in (("check", "render", "diff", "ssh-config") if c.family == 6 else ("check",))]


@pytest.mark.parametrize(("case", "cmd"), [pytest.param(c, cmd, id=f"{c.id}-{cmd}") for c, cmd in RUNS])
def test_command_refuses_and_names_the_key(
    case: Case, cmd: str, commands: dict[tuple[str, str], subprocess.CompletedProcess[str]]
) -> None:
    result = commands[(case.id, cmd)]
    assert result.returncode == 2, f"exit {result.returncode}\n{result.stdout[:2000]}\n{result.stderr[:2000]}"
    assert "Traceback" not in result.stdout + result.stderr, result.stderr[-3000:]
    assert names_key(result.stderr, case.key), result.stderr[:3000]
    assert result.stderr.rstrip().endswith("is invalid; nothing was changed."), result.stderr[-500:]
    assert result.stdout == ""


ENGINE_CASES = [c for c in CASES if FULL or c.engine]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in ENGINE_CASES])
def test_preview_refuses_and_changes_nothing(case: Case, deployed: Deployed) -> None:
    stack_file = deployed.project.stack_file(STACK)
    stack_file.write_bytes(case_text(case, deployed.base, deployed.salt))
    try:
        result = deployed.project.pulumi(STACK, "preview", check=False)
    finally:
        stack_file.write_text(deployed.good)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    if case.engine_says:
        assert case.engine_says in output, output[-3000:]
    else:
        assert names_key(output, case.key), output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert deployed.files() == deployed.snapshot, "the target changed"
    assert log_lines(deployed.log) == ["activate"], "something was activated"


def test_up_refuses_a_file_the_readers_disagree_on(deployed: Deployed) -> None:
    """`up`: the engine reads `autoStart: no` as the text 'no'; the program refuses it with
    check's message instead of deploying, and nothing changes."""
    case = next(c for c in CASES if c.id == "nixos-value-NO")
    stack_file = deployed.project.stack_file(STACK)
    stack_file.write_bytes(case_text(case, deployed.base, deployed.salt))
    try:
        result = deployed.project.pulumi(STACK, "up", "--yes", check=False)
    finally:
        stack_file.write_text(deployed.good)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert names_key(output, case.key), output[-3000:]
    assert "Hint: write false for a boolean, or quote it ('NO')" in output, output[-3000:]
    assert "Traceback" not in output
    assert deployed.files() == deployed.snapshot
    assert log_lines(deployed.log) == ["activate"]


def test_counts() -> None:
    assert len({c.id for c in CASES}) == len(CASES)
    base = base_site(Path("/srv/x"), {"mode": "none"})
    assert len({case_text(c, base, None) for c in CASES}) == len(CASES), "two cases write the same file"
    assert len([c for c in CASES if c.family == 5]) >= 25
    assert len([c for c in CASES if c.family == 6]) >= 14
    assert len(ENGINE_CASES) >= 12
