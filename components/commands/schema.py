"""`schema`: the JSON Schema of `nixedge:site`, generated from the pydantic model."""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path
from typing import Any

from components.commands.common import register_generated
from components.model import Site
from components.model.rollout import Rollout

HOSTS_DESCRIPTION = (
    "A site of several hosts: host name -> that host's keys, exactly those of a one-host "
    "site (every section of this reference); host.name may be left out, the key names the host."
)
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "site.schema.json"


def site_schema() -> dict[str, Any]:
    """A schema of a whole stack file, so editors check `config: nixedge:site:` in place."""
    site = Site.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    defs = site.pop("$defs", {})
    defs["Site"] = site
    defs["Rollout"] = Rollout.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    defs |= _site_of_hosts(defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "nixedge stack file (stacks/Pulumi.<stack>.yaml)",
        "description": "A Pulumi stack file whose config.nixedge:site describes one host, or a site of hosts.",
        "type": "object",
        "required": ["config"],
        "properties": {
            "config": {
                "type": "object",
                "required": ["nixedge:site"],
                # Either shape: one host (today's), or `hosts` of such sites (components.model.hosts).
                "properties": {
                    "nixedge:site": {
                        "if": {"type": "object", "required": ["hosts"]},
                        "then": {"$ref": "#/$defs/SiteOfHosts"},
                        "else": {"$ref": "#/$defs/Site"},
                    }
                },
            },
        },
        "$defs": defs,
    }


def _site_of_hosts(defs: dict[str, Any]) -> dict[str, Any]:
    """`{hosts: {<name>: Site}}`, where the key names the host (so `host.name` may be left out)."""
    host = copy.deepcopy(defs["Host"])
    host["required"] = [k for k in host["required"] if k != "name"]
    site = copy.deepcopy(defs["Site"])
    site["properties"]["host"] = {**site["properties"]["host"], "$ref": "#/$defs/HostInSite"}
    site["title"] = "SiteHost"
    return {
        "HostInSite": {**host, "title": "HostInSite"},
        "SiteHost": site,
        "SiteOfHosts": {
            "title": "SiteOfHosts",
            "description": HOSTS_DESCRIPTION,
            "type": "object",
            "additionalProperties": False,
            "required": ["hosts"],
            "properties": {
                "hosts": {
                    "type": "object",
                    "minProperties": 1,
                    "description": HOSTS_DESCRIPTION,
                    "additionalProperties": {"$ref": "#/$defs/SiteHost"},
                },
                "rollout": {"$ref": "#/$defs/Rollout"},
            },
        },
    }


def schema_text() -> str:
    return json.dumps(site_schema(), indent=2, sort_keys=True) + "\n"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    register_generated(sub, "schema", "print (or --write) the JSON Schema of nixedge:site", SCHEMA_PATH, schema_text)
