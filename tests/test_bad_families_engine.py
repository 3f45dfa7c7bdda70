"""A sample of each family of tests/test_bad_families.py through the real `pulumi preview`
(and `hosts: {}` through `up`): refused with the key named, no traceback, nothing
activated, and every file of the deployed target byte for byte as it was.

The target is the one tests/test_bad_inputs_engine.py deploys (the seed's site on a local
target with a recording activation); each sample is a change to that site of the kind
its family holds.
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.project import log_lines
from tests.site_mutations import put
from tests.test_bad_inputs_engine import Case, Deployed, deployed, names_key, stack_text  # noqa: F401 (fixture)

pytestmark = pytest.mark.engine

A = "containers.atticd"
F = "containers.forgejo"
UUID = "6ff42ae2-765d-4adf-8112-31c55c1551ef"
OCI_APP = {
    "image": "docker.io/traefik/whoami:v1.10.3",
    "user": {"name": "whoami", "uid": 2101, "gid": 2101},
    "volumes": [{"path": "/podman", "hostPath": "/run/podman/podman.sock", "allowSensitive": True}],
}


def no_hosts(data: dict[str, Any]) -> None:
    data.clear()
    data["hosts"] = {}


SAMPLES = [
    # OCI: Podman's socket in an app, even with allowSensitive
    Case(
        "oci-podman-socket",
        "ociContainers.whoami.volumes[0].hostPath",
        put(("network.podman", {"subnet": "10.80.0.0/24"}), ("ociContainers", {"whoami": OCI_APP})),
    ),
    # sites: a site of no host, which would plan the removal of the host's modules
    Case("hosts-empty", "hosts", no_hosts),
    # host access: a forward of the host's SSH port
    Case("forward-ssh-port", f"{F}.forwardPorts[0].hostPort", put((f"{F}.forwardPorts", [{"hostPort": 22}]))),
    # paths: sops-nix's age key, and a world-writable secretsDir through NixOS's /var/lock
    Case(
        "bind-sops-age-key",
        f"{A}.bindMounts[0].hostPath",
        put((f"{A}.bindMounts", [{"path": "/key", "hostPath": "/var/lib/sops-nix/key.txt"}])),
    ),
    Case("secrets-dir-var-lock", "host.secretsDir", put(("host.secretsDir", "/var/lock/nixedge"))),
    # edge: a local tunnel named like an id, a CNAME to itself
    Case("uuid-tunnel-name-local", "tunnel.name", put(("tunnel.name", UUID))),
    Case(
        "cname-to-itself",
        "tunnel.dnsRecords[0].content",
        put(("tunnel.dnsRecords", [{"name": "alias.ncaq.net", "type": "CNAME", "content": "alias.ncaq.net"}])),
    ),
]


def run(deployed: Deployed, case: Case, *command: str) -> str:  # noqa: F811 (the fixture's name)
    stack_file = deployed.project.stack_file("bad")
    stack_file.write_text(stack_text(case, deployed.base, deployed.salt), encoding="utf-8")
    try:
        result = deployed.project.pulumi("bad", *command, check=False)
    finally:
        stack_file.write_text(deployed.good)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    return output


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in SAMPLES])
def test_preview_refuses_the_sample_and_changes_nothing(case: Case, deployed: Deployed) -> None:  # noqa: F811
    output = run(deployed, case, "preview")
    assert names_key(output, case.key), output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert deployed.files() == deployed.snapshot, "the target changed"
    assert log_lines(deployed.log) == ["activate"], "something was activated"


def test_up_of_a_site_without_hosts_removes_nothing(deployed: Deployed) -> None:  # noqa: F811
    """`hosts: {}` under `up`, not only `preview`: no host's modules are deleted."""
    case = next(c for c in SAMPLES if c.id == "hosts-empty")
    output = run(deployed, case, "up", "--yes")
    assert names_key(output, "hosts"), output[-3000:]
    assert deployed.files() == deployed.snapshot
    assert log_lines(deployed.log) == ["activate"]


def test_every_family_has_a_sample() -> None:
    from tests.test_bad_families import FAMILY

    sampled = {"oci-podman-socket": "OCI", "hosts-empty": "sites", "forward-ssh-port": "host access",
               "bind-sops-age-key": "paths", "uuid-tunnel-name-local": "edge"}  # fmt: skip
    assert set(sampled.values()) == set(FAMILY.values())
    assert {c.id for c in SAMPLES} >= set(sampled)
