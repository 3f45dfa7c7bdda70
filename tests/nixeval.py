"""Helpers of the test suite: parse and evaluate generated Nix with `nix-instantiate`.

Not a test module; import it as `tests.nixeval`. It also holds the valid site every
mutation test starts from (`seed_site`, the seed's home server as a plain dict) and a
setter for dotted keys.

`nix-instantiate` (Nix 2.8, Debian `nix-bin`, installed by scripts/setup) is called as a
subprocess: `--parse` proves a file is Nix, `--eval --strict --json` through
tests/nix/stub.nix proves what it evaluates to. Batch calls where you can: one process
costs about 20 ms.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from components.errors import ConfigError
from components.model import site_from_data

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
STUB = TESTS / "nix" / "stub.nix"


class NixError(AssertionError):
    """nix-instantiate refused a file or an expression; the message holds its stderr."""


def nix_instantiate() -> str:
    found = shutil.which("nix-instantiate")
    if found is None:
        raise NixError("nix-instantiate is not on PATH: run scripts/setup (Debian package nix-bin)")
    return found


def _run(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [nix_instantiate(), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=TESTS,
    )


def parse_files(paths: Iterable[Path]) -> None:
    """Every file parses as Nix; one process for all, then one per file to name a failure."""
    names = [str(p) for p in paths]
    if not names:
        raise NixError("no files to parse")
    if _run(["--parse", *names]).returncode == 0:
        return
    for path in names:
        result = _run(["--parse", path])
        if result.returncode != 0:
            raise NixError(f"{path} does not parse:\n{result.stderr}\n--- file ---\n{Path(path).read_text()}")
    raise NixError(f"nix-instantiate --parse failed on {len(names)} files together, but not alone")


def eval_expr(expr: str) -> Any:
    """The JSON value of a Nix expression (evaluated strictly)."""
    result = _run(["--eval", "--strict", "--json", "-E", expr])
    if result.returncode != 0:
        raise NixError(f"evaluation failed:\n{result.stderr}\n--- expression ---\n{expr}")
    return json.loads(result.stdout)


def eval_modules(paths: Sequence[Path], root: Path | None = None) -> list[Any]:
    """Each module evaluated against the stubs of tests/nix/stub.nix, in one process.

    Paths in `imports` come back relative to `root` (default: each module's directory).
    """
    files = json.dumps([str(Path(p).resolve()) for p in paths])
    args = "{ inherit file; }" if root is None else f"{{ inherit file; root = {json.dumps(str(root.resolve()))}; }}"
    expr = f"{{ files }}: map (file: import {STUB} {args}) (builtins.fromJSON files)"
    result = _run(["--eval", "--strict", "--json", "-E", expr, "--argstr", "files", files])
    if result.returncode != 0:
        for path in paths:  # name the module that fails
            eval_module(path)
        raise NixError(f"evaluating {len(paths)} modules together failed:\n{result.stderr}")
    out = json.loads(result.stdout)
    assert isinstance(out, list)
    return out


def eval_module(path: Path) -> Any:
    """One module evaluated against the stubs (see tests/nix/stub.nix)."""
    result = _run(["--eval", "--strict", "--json", str(STUB), "--argstr", "file", str(Path(path).resolve())])
    if result.returncode != 0:
        raise NixError(f"{path} does not evaluate:\n{result.stderr}\n--- file ---\n{Path(path).read_text()}")
    return json.loads(result.stdout)


def write_tree(root: Path, files: Mapping[str, str]) -> list[Path]:
    """Write rendered files below `root`; return their paths in the order given."""
    out = []
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        out.append(path)
    return out


# -- sites ---------------------------------------------------------------------------


def seed_site() -> dict[str, Any]:
    """The seed's home server as a `nixedge:site` mapping: valid, every value from the seed."""
    return {
        "host": {"name": "seminar", "target": {"transport": "ssh", "destination": "root@seminar"}},
        "network": {"subnet": "192.168.100.0/24"},
        "tunnel": {"name": "seminar", "ingress": "local", "zones": [{"name": "ncaq.net"}]},
        "containers": {
            "forgejo": {
                "app": "forgejo",
                "hostAddress": "192.168.100.10",
                "localAddress": "192.168.100.11",
                "user": {"name": "forgejo", "uid": 991, "gid": 986},
                "stateDir": "/var/lib/forgejo",
                "postgresql": {},
                "stateVersion": "25.05",
                "routes": [
                    {"hostname": "forgejo.ncaq.net", "port": 8080},
                    {"hostname": "forgejo-ssh.ncaq.net", "protocol": "ssh", "port": 2222},
                ],
                "settings": {
                    "service": {"DISABLE_REGISTRATION": True, "REQUIRE_SIGNIN_VIEW": True},
                    "repository": {"DEFAULT_BRANCH": "master"},
                },
            },
            "atticd": {
                "app": "atticd",
                "hostAddress": "192.168.100.20",
                "localAddress": "192.168.100.21",
                "user": {"name": "atticd", "uid": 993, "gid": 988},
                "stateDir": "/mnt/noa/atticd",
                "environmentFile": "/etc/atticd.env",
                "postgresql": {},
                "stateVersion": "25.05",
                "routes": [{"hostname": "nix-cache.ncaq.net", "port": 8080}],
            },
        },
    }


class _Delete:
    def __repr__(self) -> str:
        return "DELETE"


DELETE: Any = _Delete()
_PART = re.compile(r"[^.\[\]]+|\[\d+\]")


def set_key(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set (or, with DELETE, remove) `containers.forgejo.routes[0].port` in `data`.

    An index one past the end of a list appends; missing mappings on the way are created.
    """
    parts = _PART.findall(dotted)
    cur: Any = data
    for part in parts[:-1]:
        cur = cur[int(part[1:-1])] if part.startswith("[") else cur.setdefault(part, {})
    last = parts[-1]
    if last.startswith("["):
        if value is DELETE:
            del cur[int(last[1:-1])]
        elif int(last[1:-1]) == len(cur):
            cur.append(value)
        else:
            cur[int(last[1:-1])] = value
    elif value is DELETE:
        del cur[last]
    else:
        cur[last] = value


def rename_container(data: dict[str, Any], old: str, new: str) -> None:
    data["containers"][new] = data["containers"].pop(old)


# -- bad-config tables ------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def put(*pairs: tuple[str, Any]) -> Mutation:
    """A mutation that sets each dotted key (see `set_key`) to its value."""

    def mutate(data: dict[str, Any]) -> None:
        for dotted, value in pairs:
            set_key(data, dotted, value)

    return mutate


def rename(old: str, new: str) -> Mutation:
    return lambda data: rename_container(data, old, new)


def report_lines(base: Callable[[], dict[str, Any]], mutation: Mutation, source: str) -> list[str]:
    """The issue lines of the ConfigError that `mutation` of `base()` raises, checked for shape."""
    data = base()
    mutation(data)
    with pytest.raises(ConfigError) as info:
        site_from_data(data, source)
    lines = str(info.value).splitlines()
    count = len(info.value.issues)
    assert lines[0] == f"{count} {'error' if count == 1 else 'errors'} in {source}:"
    assert lines[-1] == f"{source} is invalid; nothing was changed."
    assert all(line.startswith("  ") for line in lines[1:-1])
    return [line[2:] for line in lines[1:-1]]
