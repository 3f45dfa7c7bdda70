"""The `engine` marker is on every test module that drives the real Pulumi engine, so
that `pytest -m "not engine and not slow"` (the fast subset, docs/testing.md) runs
alone, without the CLI.

A module drives the engine when it imports the Automation API, takes the `engine`
fixture, copies the checkout with `benchmarks.project.Project`, runs `scripts/pulumi`,
runs the documents (whose shell sessions run `scripts/pulumi`), uses a fixture of a
module that does, or says so by its name (`*_engine.py`). At run time, tests/markers.py
stops any unmarked test that starts the CLI; these tests check the same without running
anything.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

from tests.markers import starts_the_engine

TESTS = Path(__file__).resolve().parent
DOCUMENTS_TEST = "test_docs_commands"
WRAPPER = str(Path("scripts") / "pulumi")  # not written out: this module would match itself


@cache
def tree(name: str) -> ast.Module:
    return ast.parse((TESTS / f"{name}.py").read_text(encoding="utf-8"))


def fixtures(name: str) -> set[str]:
    """The functions of test module `name` decorated as pytest fixtures."""
    return {
        node.name
        for node in tree(name).body
        if isinstance(node, ast.FunctionDef) and any("fixture" in ast.unparse(d) for d in node.decorator_list)
    }


def signs(name: str) -> list[str]:
    """Why test module `name` drives the engine (empty: it does not)."""
    found = ["it runs the documents"] if name == DOCUMENTS_TEST else []
    found += ["its name ends in _engine"] if name.endswith("_engine") else []
    for node in ast.walk(tree(name)):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            imported = {alias.name for alias in node.names}
            if node.module == "pulumi.automation" or (node.module == "pulumi" and "automation" in imported):
                found.append("the Automation API")
            elif node.module == "benchmarks.project" and "Project" in imported:
                found.append("benchmarks.project.Project")
            elif node.module.startswith("tests.test_") and (used := imported & fixtures(node.module[6:])):
                found += [f"the fixtures {sorted(used)} of {node.module}"] if signs(node.module[6:]) else []
        elif isinstance(node, ast.FunctionDef) and any(arg.arg == "engine" for arg in node.args.args):
            found.append("the engine fixture")
        elif isinstance(node, ast.Constant) and node.value == WRAPPER:
            found.append(WRAPPER)
    return sorted(set(found))


def marked(name: str) -> set[str]:
    """The markers of test module `name`'s `pytestmark`."""
    names: set[str] = set()
    for node in tree(name).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets):
            names |= {
                a.attr
                for a in ast.walk(node.value)
                if isinstance(a, ast.Attribute) and a.value is not None and ast.unparse(a.value) == "pytest.mark"
            }
    return names


MODULES = sorted(p.stem for p in TESTS.glob("test_*.py"))


@pytest.mark.parametrize("name", MODULES)
def test_a_module_that_drives_the_engine_says_so(name: str) -> None:
    why = signs(name)
    assert not why or "engine" in marked(name), f"tests/{name}.py drives the engine ({', '.join(why)}): mark it engine"


def test_the_engine_modules_are_found() -> None:
    """The signs above find the suites that drive the engine, and no pure one."""
    engine = {name for name in MODULES if signs(name)}
    assert {"test_host_engine", "test_dev_stack", "test_docs_commands", "test_bad_yaml_engine"} <= engine
    assert not engine & {"test_wrapper", "test_host_plan", "test_host_provider", "test_model_claims"}


@pytest.mark.parametrize(
    ("args", "drives"),
    [
        (["/repo/scripts/pulumi", "up", "--stack", "dev", "--yes"], True),
        (["pulumi", "stack", "export", "--stack", "dev"], True),
        ("cd /tmp/x && scripts/pulumi preview --stack dev", True),
        (["/repo/.venv/bin/pulumi", "version"], False),
        (["/repo/scripts/pulumi", "--help"], False),
        (["nix-instantiate", "--eval", "pulumi"], False),
        ([".venv/bin/python", "-m", "components", "check"], False),
    ],
)
def test_the_run_time_guard_knows_the_cli(args: list[str] | str, drives: bool) -> None:
    assert starts_the_engine(args) is drives
