"""docs/config-reference.md is current, and it lists every key of the model.

The committed file must equal what `components.commands.reference.reference_text()`
makes from the JSON Schema (stale: run `nixedge reference --write`). Each
key of every model in the schema appears in a table row with its default, so a new
config key cannot be left out of the reference.
"""

from __future__ import annotations

import subprocess
import sys

from components.commands.reference import COMMAND, REFERENCE_PATH, reference_text
from components.commands.schema import site_schema
from tests.paths import REPO


def test_committed_reference_is_current() -> None:
    assert REFERENCE_PATH == REPO / "docs" / "config-reference.md"
    committed = REFERENCE_PATH.read_text(encoding="utf-8") if REFERENCE_PATH.exists() else ""
    assert committed == reference_text(), f"docs/config-reference.md is stale: run `{COMMAND}` and commit it"


def test_every_key_of_every_model_has_a_row() -> None:
    text = reference_text()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    keys = {line.split("`")[1].rsplit(".", 1)[-1].removesuffix("[]") for line in rows}
    schema = site_schema()
    for name, model in schema["$defs"].items():
        if name in ("Site", "SiteHost", "SiteOfHosts"):  # sections, not rows
            assert all(f"## `{key}`" in text for key in model["properties"]), name
            continue
        missing = set(model.get("properties", {})) - keys
        assert not missing, f"{name}: keys without a row in the reference: {sorted(missing)}"


def test_reference_rows_show_defaults_and_required_keys() -> None:
    text = reference_text()
    assert '| `host.activation.mode` | one of `"switch"`, `"test"`, `"boot"`, `"none"` | `"switch"` |' in text
    assert "| `containers.<name>.user.uid` | integer (1 to 2147483646) | **required** |" in text
    assert "| `containers.<name>.routes[].port` | integer (1 to 65535) | **required** |" in text
    assert "| `host.target.destination` | string | **required** | Only with `transport: ssh`." in text


def test_reference_command_prints_what_write_writes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "components", "reference"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == reference_text()
