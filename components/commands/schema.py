"""`schema`: the JSON Schema of `nixedge:site`, generated from the pydantic model."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from components.commands.common import register_generated
from components.model import Site

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "site.schema.json"


def site_schema() -> dict[str, Any]:
    """A schema of a whole stack file, so editors check `config: nixedge:site:` in place."""
    site = Site.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    defs = site.pop("$defs", {})
    defs["Site"] = site
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "nixedge stack file (stacks/Pulumi.<stack>.yaml)",
        "description": "A Pulumi stack file whose config.nixedge:site describes one host.",
        "type": "object",
        "required": ["config"],
        "properties": {
            "config": {
                "type": "object",
                "required": ["nixedge:site"],
                "properties": {"nixedge:site": {"$ref": "#/$defs/Site"}},
            },
        },
        "$defs": defs,
    }


def schema_text() -> str:
    return json.dumps(site_schema(), indent=2, sort_keys=True) + "\n"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    register_generated(sub, "schema", "print (or --write) the JSON Schema of nixedge:site", SCHEMA_PATH, schema_text)
