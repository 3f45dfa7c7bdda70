"""Differential fuzz: no stack file that `check` accepts is read differently by the engine.

520 files from tests/stack_fuzz.py (fixed seed), each read by `check`'s reader
(components/stackfile) and by the pinned engine (`pulumi config --json --config-file
FILE`, the engine's own reading of a stack file, in one temporary project and stack;
two at a time). Every file `check` accepts must be read by the engine to the same value,
types included; a file the engine refuses must be refused by `check` too. Measured: 95 s
to 205 s on 2 cores shared with other jobs (load average 12 to 14); of the 520 files
`check` accepts 123 and the engine refuses 236 (docs/testing.md).
"""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from components.errors import ConfigError
from components.stackfile import read_stack_bytes
from components.stackfile.agree import first_difference
from tests.stack_fuzz import CLASSES, COUNT, SEED, generated

pytestmark = [pytest.mark.engine, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
PULUMI = REPO / ".venv" / "bin" / "pulumi"
REFUSED = "refused"


def engine_env(state: Path) -> dict[str, str]:
    return os.environ | {
        "PULUMI_BACKEND_URL": f"file://{state}", "PULUMI_CONFIG_PASSPHRASE": "fuzz",
        "PULUMI_SKIP_UPDATE_CHECK": "true", "PULUMI_HOME": str(state / "home"),
    }  # fmt: skip


def engine_project(root: Path) -> dict[str, str]:
    """A project with one stack whose config the engine reads from any file."""
    if not PULUMI.exists():
        pytest.fail("no Pulumi CLI in .venv/bin: run scripts/setup")
    (root / "stacks").mkdir(parents=True)
    (root / "state").mkdir()
    (root / "Pulumi.yaml").write_text("name: nixedge\nruntime: python\nstackConfigDir: stacks\n")
    env = engine_env(root / "state")
    subprocess.run([str(PULUMI), "stack", "init", "fuzz", "--non-interactive"], cwd=root, env=env,
                   capture_output=True, check=True, timeout=120)  # fmt: skip
    return env


def engine_reading(root: Path, env: dict[str, str], path: Path) -> Any:
    """`nixedge:site` as the engine hands it to the program, or REFUSED."""
    result = subprocess.run(
        [str(PULUMI), "config", "--json", "--stack", "fuzz", "--config-file", str(path)],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        return REFUSED
    site = json.loads(result.stdout).get("nixedge:site")
    return REFUSED if site is None or "value" not in site else json.loads(site["value"])


def check_reading(data: bytes) -> Any:
    try:
        return read_stack_bytes(data, "fuzz").site
    except ConfigError:
        return REFUSED


@pytest.fixture(scope="module")
def readings(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[bytes, Any, Any]]:
    root = tmp_path_factory.mktemp("fuzz")
    env = engine_project(root)
    files = generated()

    def read(item: tuple[int, bytes]) -> tuple[bytes, Any, Any]:
        path = root / f"f{item[0]}.yaml"
        path.write_bytes(item[1])
        return item[1], check_reading(item[1]), engine_reading(root, env, path)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(read, enumerate(files)))


def test_the_fuzz_is_large_and_covers_every_class() -> None:
    files = generated()
    assert len(files) == COUNT >= 500 and SEED == 20261205
    text = b"".join(files).decode("utf-8", "surrogatepass")
    for name, values in CLASSES.items():
        assert any(v and v in text for v in values), name
    for needle in ("%YAML", "\\/", "\\U00110000", "&a", "*a", "|", ">", "'", '"', "\\n", "\t"):
        assert needle in text, needle


def test_no_file_check_accepts_is_read_differently_by_the_engine(readings: list[tuple[bytes, Any, Any]]) -> None:
    differ = []
    for data, ours, theirs in readings:
        if ours is REFUSED:
            continue
        if theirs is REFUSED or first_difference(ours, theirs) is not None:
            differ.append(f"{data.decode('utf-8', 'replace')!r}: check {ours!r:.200}, engine {theirs!r:.200}")
    assert not differ, f"{len(differ)} files:\n" + "\n".join(differ[:20])
    accepted = sum(ours is not REFUSED for _, ours, _ in readings)
    refused_by_engine = sum(theirs is REFUSED for _, _, theirs in readings)
    print(f"fuzz: {len(readings)} files; check accepts {accepted}; the engine refuses {refused_by_engine}")
    # Both outcomes are common, so the comparison is not vacuous.
    assert accepted >= 100 and refused_by_engine >= 25, (accepted, refused_by_engine)
