"""Shared by the model's test files (tests/test_model_*.py): the two valid sites that
every mutation starts from, the keys of their containers, and the report of a mutation.

Not a test module. `seed_site` (tests/site_mutations.py) is the seed's home server;
`apps_site` stacks/Pulumi.apps.yaml's, with `SECOND_APP` an OCI app to add beside whoami;
`multiservice_site` a small cousin of stacks/Pulumi.homelab.yaml: PostgreSQL in a
container with network none, a client of it, two CI runners sharing a user, a VPN
forwarding a UDP port, secrets by reference, a host and a guest origin, an extra DNS
record.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from components.errors import Issue
from components.stackfile import read_stack_file
from tests import site_mutations
from tests.paths import REPO
from tests.site_mutations import Mutation, put, seed_site


def edited_stack(tmp_path: Path, name: str, *edits: tuple[str, str]) -> Path:
    """stacks/Pulumi.<name>.yaml with each (old, new) text replaced once (each must be
    there), written to tmp_path/stacks/ under the same name."""
    text = (REPO / f"stacks/Pulumi.{name}.yaml").read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "stacks" / f"Pulumi.{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def apps_site() -> dict[str, Any]:
    """stacks/Pulumi.apps.yaml's site, a fresh copy: a NixOS container (uptime) and an OCI app (whoami)."""
    return copy.deepcopy(read_stack_file(REPO / "stacks" / "Pulumi.apps.yaml"))


SECOND_APP: dict[str, Any] = {
    "image": "docker.io/library/nginx:1.27",
    "address": "10.80.0.20",
    "user": {"name": "web", "uid": 2102, "gid": 2102},
}
"""An OCI app that fits beside whoami in `apps_site`."""

SEED = "seminar.yaml"  # the source each report names
HOMELAB = "homelab.yaml"

# Containers of the seed site
A = "containers.atticd"
F = "containers.forgejo"
# ... and of the multi-service site
PG = "containers.postgres"
FJ = "containers.forgejo"
R1 = "containers.runner1"
R2 = "containers.runner2"
VPN = "containers.vpn"
TOKEN_FILE = f"{R1}.nixos.services.gitea-actions-runner.instances.first.tokenFile"
REC = "tunnel.dnsRecords[0]"
NOT_IN_ZONE = "is not in any zone of tunnel.zones (example.org)"


def multiservice_site() -> dict[str, Any]:
    """A valid multi-service `nixedge:site`: a small cousin of stacks/Pulumi.homelab.yaml."""
    return {
        "host": {"name": "homelab", "target": {"transport": "ssh", "destination": "root@homelab"}},
        "network": {"subnet": "10.40.0.0/24"},
        "postgresql": {"container": "postgres"},
        "secrets": {
            "runner-token": {
                "provider": "sops-nix",
                "path": "/run/secrets/runner-token",
                "unit": "sops-install-secrets.service",
            },
            "garage-rpc": {"provider": "agenix", "path": "/run/agenix/garage-rpc"},
        },
        "tunnel": {
            "name": "homelab",
            "zones": [{"name": "example.org"}],
            "dnsRecords": [{"name": "vpn.example.org", "type": "A", "content": "203.0.113.7"}],
        },
        "origins": {
            "grafana": {
                "kind": "host",
                "address": "127.0.0.1",
                "routes": [{"hostname": "grafana.example.org", "port": 3000}],
            },
            "homeassistant": {
                "kind": "guest",
                "address": "10.40.0.50",
                "routes": [{"hostname": "home.example.org", "port": 8123}],
            },
        },
        "containers": {
            "postgres": {
                "app": "postgresql",
                "network": "none",
                "user": {"name": "postgres", "uid": 71, "gid": 71},
                "stateDir": "/var/lib/postgresql",
                "stateVersion": "25.05",
            },
            "forgejo": {
                "app": "forgejo",
                "hostAddress": "10.40.0.10",
                "localAddress": "10.40.0.11",
                "user": {"name": "forgejo", "uid": 991, "gid": 986},
                "stateDir": "/var/lib/forgejo",
                "postgresql": {},
                "stateVersion": "25.05",
                "routes": [{"hostname": "git.example.org", "port": 8080}],
            },
            "runner1": {
                "app": "generic",
                "user": {"name": "runner", "uid": 3000, "gid": 3000, "shared": True},
                "secrets": ["runner-token"],
                "stateVersion": "25.05",
                "nixos": {
                    "services": {
                        "gitea-actions-runner": {
                            "instances": {"first": {"enable": True, "tokenFile": {"_secret": "runner-token"}}}
                        }
                    }
                },
            },
            "runner2": {
                "app": "generic",
                "user": {"name": "runner", "uid": 3000, "gid": 3000, "shared": True},
                "stateVersion": "25.05",
            },
            "vpn": {
                "app": "generic",
                "user": {"name": "wireguard", "uid": 2030, "gid": 2030},
                "stateVersion": "25.05",
                "forwardPorts": [{"hostPort": 51820, "protocol": "udp"}],
            },
        },
    }


def rename_origin(old: str, new: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["origins"][new] = data["origins"].pop(old)

    return mutate


def runner_users(**user: Any) -> Mutation:
    return put(*((f"{R2}.user.{k}", v) for k, v in user.items()))


def seed_lines(mutation: Mutation) -> list[str]:
    """The report lines of the seed site after `mutation`."""
    return site_mutations.report_lines(seed_site, mutation, SEED)


def homelab_lines(mutation: Mutation) -> list[str]:
    """The report lines of the multi-service site after `mutation`."""
    return site_mutations.report_lines(multiservice_site, mutation, HOMELAB)


Lines = Callable[[Mutation], list[str]]
NO_VALUE = object()  # for `err`: the issue shows no value


def err(key: str, message: str, value: Any, hint: str | None = None) -> list[str]:
    """The report lines of one issue, as ConfigError prints them."""
    has_value = value is not NO_VALUE
    return str(Issue(key, message, value if has_value else None, hint, has_value)).splitlines()


def case(case_id: str, lines: Lines, mutation: Mutation, *expected: str) -> Any:
    """A table row: `lines` (seed_lines or homelab_lines) of `mutation` must be `expected`."""
    return pytest.param(lines, mutation, list(expected), id=case_id)
