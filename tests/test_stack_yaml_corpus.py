"""`check` reads every stack file as the Pulumi engine does, or refuses it: proved on a
corpus of tricky YAML (tests/yaml_corpus.py) against the real engine.

Each file is read twice:

- by `check`'s reader (components/stackfile/read.read_stack_file), in this process, and by
  `nixedge check --config FILE` for every file it refuses (exit 2, the key
  named, a `Hint:` where the readers differ, no traceback);
- by the engine: `scripts/pulumi config --json --stack corpus` on a copy of the checkout
  whose stack file is the corpus file; the program would get `json.loads` of `value`.

Then per file (tests/yaml_corpus.py says which): SAME, both read the same value, types
included; REFUSED, the engine refuses (or hands the program no site) and `check` refuses
too, naming the key; DIFFER, the engine reads a value but `check` refuses it with a hint,
and so does the program (tests/test_bad_yaml_engine.py runs a sample through `pulumi
preview`). About 40 s on 2 cores.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from benchmarks.project import Project
from components.errors import ConfigError
from components.stackfile import read_stack_file
from components.stackfile.agree import first_difference
from tests.yaml_corpus import CORPUS, DIFFER, REFUSED, SAME, Entry

pytestmark = [pytest.mark.engine, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
STACKS = ("corpus-a", "corpus-b")  # two stacks, so that two engine runs go at once


@dataclass(frozen=True)
class Reading:
    """One reader's result: a value, or a refusal with the keys it names."""

    value: Any = None
    refused: str | None = None
    keys: tuple[str, ...] = ()


def check_reading(path: Path) -> Reading:
    try:
        value = read_stack_file(path)
    except ConfigError as exc:
        return Reading(refused=exc.report(), keys=tuple(i.loc for i in exc.issues))
    if not isinstance(value, dict):
        # site_from_data refuses it (tests/test_bad_inputs_engine.py: site-not-a-mapping).
        return Reading(refused="not a mapping", keys=("nixedge:site",))
    return Reading(value=value)


def engine_reading(project: Project, stack: str, entry: Entry) -> Reading:
    project.stack_file(stack).write_bytes(entry.data)
    result = project.pulumi(stack, "config", "--json", check=False, timeout=300)
    if result.returncode != 0:
        return Reading(refused=result.stderr.strip() or result.stdout.strip())
    site = json.loads(result.stdout).get("nixedge:site")
    if site is None or "value" not in site:
        return Reading(refused=f"no site, or a secret: {site}")  # require_object raises in the program
    try:
        return Reading(value=json.loads(site["value"]))  # what Config.require_object returns
    except ValueError:
        return Reading(refused=f"not JSON: {site['value']!r}")


@pytest.fixture(scope="module")
def readings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[Reading, Reading]]]:
    if not (REPO / ".venv" / "bin" / "pulumi").exists():
        pytest.fail("no Pulumi CLI in .venv/bin: run scripts/setup")
    tmp = tmp_path_factory.mktemp("corpus")
    project = Project.create(tmp / "work")
    for stack in STACKS:
        project.stack_file(stack).write_text("config:\n  nixedge:site: {}\n")
        project.pulumi(stack, "config", "--json")  # scripts/pulumi creates the stack on first use
    files = tmp / "files"
    files.mkdir()
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)  # json.loads of the 3,000-deep lists the engine hands over

    free: queue.Queue[str] = queue.Queue()
    for stack in STACKS:
        free.put(stack)

    def read(entry: Entry) -> tuple[Reading, Reading]:
        path = files / f"{entry.id}.yaml"
        path.write_bytes(entry.data)
        stack = free.get()  # one engine run per stack file at a time
        try:
            return check_reading(path), engine_reading(project, stack, entry)
        finally:
            free.put(stack)

    try:
        with ThreadPoolExecutor(max_workers=len(STACKS)) as pool:
            yield dict(zip((e.id for e in CORPUS), pool.map(read, CORPUS), strict=True))
    finally:
        sys.setrecursionlimit(old_limit)


@pytest.mark.parametrize("entry", [pytest.param(e, id=e.id) for e in CORPUS])
def test_check_and_the_engine_agree(entry: Entry, readings: dict[str, tuple[Reading, Reading]]) -> None:
    ours, theirs = readings[entry.id]
    if entry.outcome == SAME:
        assert ours.refused is None, ours.refused
        assert theirs.refused is None, theirs.refused
        where = first_difference(ours.value, theirs.value)
        assert where is None, f"the readings differ at {where}: {ours.value!r:.300} / {theirs.value!r:.300}"
        return
    assert ours.refused is not None, f"check reads {ours.value!r:.300}; the engine: {theirs!r:.300}"
    if entry.key is not None:
        assert entry.key in ours.keys, ours.refused
    if entry.outcome == REFUSED:
        assert theirs.refused is not None, f"the engine reads {theirs.value!r:.300}"
    else:
        assert entry.outcome == DIFFER
        assert theirs.refused is None, f"the engine refuses it too: say REFUSED ({theirs.refused})"
        assert "Hint:" in ours.refused, ours.refused


def test_the_corpus_is_large_and_covers_every_outcome() -> None:
    assert len(CORPUS) > 100, len(CORPUS)
    assert len({e.id for e in CORPUS}) == len(CORPUS)
    assert len({e.data for e in CORPUS}) == len(CORPUS), "two entries hold the same file"
    outcomes = [e.outcome for e in CORPUS]
    assert min(outcomes.count(o) for o in (SAME, REFUSED, DIFFER)) >= 25, {o: outcomes.count(o) for o in set(outcomes)}


REFUSALS = [e for e in CORPUS if e.outcome != SAME]


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every refused corpus file through `nixedge check --config FILE`."""
    tmp = tmp_path_factory.mktemp("corpuscheck")

    def run(entry: Entry) -> subprocess.CompletedProcess[str]:
        path = tmp / f"{entry.id}.yaml"
        path.write_bytes(entry.data)
        return subprocess.run(
            [sys.executable, "-m", "components", "check", "--config", str(path)],
            cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return dict(zip((e.id for e in REFUSALS), pool.map(run, REFUSALS), strict=True))


@pytest.mark.parametrize("entry", [pytest.param(e, id=e.id) for e in REFUSALS])
def test_check_command_refuses_with_the_key(entry: Entry, checked: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = checked[entry.id]
    assert result.returncode == 2, f"exit {result.returncode}\n{result.stdout[:2000]}\n{result.stderr[:2000]}"
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.stdout == ""
    assert result.stderr.rstrip().endswith("is invalid; nothing was changed."), result.stderr[-500:]
    if entry.key is not None:
        assert f"  {entry.key}: " in result.stderr, result.stderr[:3000]
    if entry.outcome == DIFFER:
        assert "\n    Hint: " in result.stderr, result.stderr[:3000]
