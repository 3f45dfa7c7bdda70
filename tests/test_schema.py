"""docs/site.schema.json is current, and it accepts every stack file and refuses bad ones.

The committed schema must equal what `components.commands.schema.schema_text()`
generates from the pydantic model (stale: run `nixedge schema --write`).
When the `jsonschema` package is in .venv, each stacks/Pulumi.*.yaml validates against
it, and a few bad configs that the model refuses are refused by the schema too, so
editors flag them as the model would.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.commands.schema import SCHEMA_PATH, schema_text
from tests.paths import REPO
from tests.site_mutations import seed_site, set_key

STACKS = sorted((REPO / "stacks").glob("Pulumi.*.yaml"))


def test_committed_schema_is_current() -> None:
    assert SCHEMA_PATH == REPO / "docs" / "site.schema.json"
    committed = SCHEMA_PATH.read_text(encoding="utf-8")
    assert committed == schema_text(), "docs/site.schema.json is stale: run `nixedge schema --write` and commit it"


def test_schema_text_is_stable_json() -> None:
    text = schema_text()
    assert text == schema_text()
    assert text.endswith("}\n")
    schema = json.loads(text)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    site = schema["$defs"]["Site"]
    # The keys people write are the camelCase ones, as in NixOS.
    container = schema["$defs"]["Container"]["properties"]
    assert {"hostAddress", "localAddress", "bindMounts", "stateVersion", "stateDir"} <= set(container)
    assert {"host", "network", "containers"} <= set(site["required"])


def test_stacks_exist() -> None:
    names = [p.name for p in STACKS]
    assert "Pulumi.seminar.yaml" in names and "Pulumi.dev.yaml" in names


@pytest.fixture(scope="module")
def validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed in .venv")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", STACKS, ids=[p.name for p in STACKS])
def test_stack_files_validate(validator: Any, path: Path) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]
    assert errors == [], f"{path.name} does not validate against docs/site.schema.json"


def _stack(site: dict[str, Any]) -> dict[str, Any]:
    return {"config": {"nixedge:site": site}}


def test_seed_site_validates(validator: Any) -> None:
    assert list(validator.iter_errors(_stack(seed_site()))) == []


@pytest.mark.parametrize(
    ("key", "value", "path"),
    [
        ("containers.atticd.stateDirectory", "/x", ["config", "nixedge:site", "containers", "atticd"]),
        (
            "containers.atticd.routes[0].port",
            "8080",
            ["config", "nixedge:site", "containers", "atticd", "routes", 0, "port"],
        ),
        (
            "containers.atticd.routes[0].port",
            70000,
            ["config", "nixedge:site", "containers", "atticd", "routes", 0, "port"],
        ),
        (
            "containers.atticd.routes[0].protocol",
            "udp",
            ["config", "nixedge:site", "containers", "atticd", "routes", 0, "protocol"],
        ),
        ("containers.atticd.autoStart", "true", ["config", "nixedge:site", "containers", "atticd", "autoStart"]),
        ("containers.atticd.app", "nginx", ["config", "nixedge:site", "containers", "atticd", "app"]),
        ("host.target.transport", "ftp", ["config", "nixedge:site", "host", "target"]),
    ],
)
def test_schema_refuses_what_the_model_refuses(validator: Any, key: str, value: Any, path: list[Any]) -> None:
    site = copy.deepcopy(seed_site())
    set_key(site, key, value)
    errors = list(validator.iter_errors(_stack(site)))
    assert errors, f"the schema accepts {key} = {value!r}"
    assert any(list(e.absolute_path)[: len(path)] == path for e in errors), [list(e.absolute_path) for e in errors]


def test_schema_requires_the_site(validator: Any) -> None:
    assert list(validator.iter_errors({"config": {}}))
    assert list(validator.iter_errors({}))
    site = seed_site()
    del site["containers"]["atticd"]["user"]
    assert list(validator.iter_errors(_stack(site)))
