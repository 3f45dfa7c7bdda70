"""Helpers of the test suite: the valid site every mutation test starts from
(`seed_site`, the seed's home server as a plain dict), a setter for dotted keys, and
the bad-config tables built from them (`put`, `rename`, `report_lines`).

Not a test module; import it as `tests.site_mutations`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest

from components.errors import ConfigError
from components.model import site_from_data
from components.stackfile import read_stack_file
from tests.paths import REPO


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


def seminar_host() -> dict[str, Any]:
    """stacks/Pulumi.seminar.yaml's site as one host of a site (the key names the host)."""
    data: dict[str, Any] = copy.deepcopy(read_stack_file(REPO / "stacks" / "Pulumi.seminar.yaml"))
    data["host"].pop("name", None)
    return data


def as_storage_host(data: dict[str, Any]) -> dict[str, Any]:
    """`data` (a seminar host) made a second host of the site: its own target, tunnel and route."""
    data["host"]["target"] = {"transport": "ssh", "destination": "root@storage"}
    data["tunnel"]["name"] = "storage"
    files = copy.deepcopy(data["containers"]["forgejo"])
    files.pop("wrapper", None)
    files["routes"] = [{"hostname": "files.ncaq.net", "port": 8080}]
    data["containers"] = {"files": files}
    return data
