"""Host paths, NixOS's own accounts and dead routes are refused by `pulumi preview` with
the same message `check` prints, and a deployed host keeps its modules byte for byte.

A representative sample of the cases of tests/test_model_paths.py, test_model_accounts.py,
test_model_dead_routes.py, test_model_hostnames.py and test_model_order.py (where each
message is pinned exactly), each a change to the seed's site on a local target that was
deployed first (the fixture of tests/test_bad_inputs_engine.py). Ten by default, all
nineteen with NIXEDGE_FULL=1. Each case's first
report line, as the model words it, must appear in the output of
`nixedge check` and of `scripts/pulumi preview` (the real engine running
the real program); the preview must fail without a traceback, activate nothing and leave
every file of the target with the same content, inode and mtime.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.project import log_lines
from benchmarks.sites import stack_yaml
from components.errors import ConfigError
from components.model import site_from_data
from tests.site_mutations import Mutation, put
from tests.test_bad_inputs_engine import REPO, STACK, Deployed, base_site, deployed

pytestmark = [pytest.mark.engine, pytest.mark.slow]

__all__ = ["deployed"]  # the module fixture: one deployed target for this file's cases

A = "containers.atticd"
F = "containers.forgejo"
SERVER = f"{F}.settings.server"
AGENIX_DIR = {"k": {"provider": "agenix", "path": "/run/agenix"}}
FULL = os.environ.get("NIXEDGE_FULL") == "1"
# By default one or two per family (about 5 s each on a busy machine); all with NIXEDGE_FULL=1.
DEFAULT = {
    "env-etc-shadow",
    "secret-run-agenix",
    "flag-bind-root",
    "device-etc-shadow",
    "mount-var-run-secrets",
    "group-wheel",
    "wrapper-twice",
    "forgejo-disable-ssh",
    "catch-all-port-99999",
    "hostname-kelvin-sign",
}

SAMPLE: list[tuple[str, Mutation]] = [
    # family 1: host paths, by the key they come by
    ("env-etc-shadow", put((f"{A}.environmentFile", "/etc/shadow"))),
    ("secret-run-agenix", put(("secrets", AGENIX_DIR), (f"{A}.secrets", ["k"]))),
    ("flag-bind-root", put((f"{A}.extraFlags", ["--bind=/:/host"]))),
    ("flag-tmpfs-over-store", put((f"{A}.extraFlags", ["--tmpfs=/nix/store"]))),
    ("device-etc-shadow", put((f"{A}.allowedDevices", [{"node": "/etc/shadow", "modifier": "r"}]))),
    ("secrets-dir-nix-store", put(("host.secretsDir", "/nix/store/secrets"))),
    ("mount-var-run-secrets", put((f"{A}.bindMounts", [{"path": "/s", "hostPath": "/var/run/secrets"}]))),
    ("mount-over-nix-store", put((f"{A}.bindMounts", [{"path": "/nix/store", "hostPath": "/srv/store"}]))),
    ("mount-etc-file-writable", put((f"{A}.bindMounts", [{"path": "/c", "hostPath": "/etc/c", "readOnly": False}]))),
    # family 2: identities
    ("group-wheel", put((f"{A}.user.group", "wheel"))),
    ("gid-users", put((f"{A}.user.gid", 100))),
    ("uid-65535", put((f"{A}.user.uid", 65535))),
    ("wrapper-twice", put((f"{A}.wrapper", "forgejo"))),
    # family 4: dead routes; and the rest of family 3 not done elsewhere
    ("forgejo-disable-ssh", put((SERVER, {"DISABLE_SSH": True}))),
    ("forgejo-http-addr-loopback", put((SERVER, {"HTTP_ADDR": "127.0.0.1"}))),
    ("catch-all-port-99999", put(("tunnel.catchAll", "http://localhost:99999"))),
    ("hostname-kelvin-sign", put((f"{A}.routes[0].hostname", "\u212aey.ncaq.net"))),
    ("dns-import-not-an-id", put(("tunnel.dnsImports", {"forgejo.ncaq.net": "abc"}))),
    ("after-itself", put((f"{A}.after", ["container@atticd.service"]))),
]


def mutated(base: dict[str, Any], mutation: Mutation) -> dict[str, Any]:
    data = copy.deepcopy(base)
    mutation(data)
    return data


def first_line(data: dict[str, Any]) -> str:
    """The model's first report line for `data`; its exact wording is pinned in tests/test_model_*.py."""
    with pytest.raises(ConfigError) as info:
        site_from_data(data, "stack config")
    return str(info.value.issues[0]).splitlines()[0]


ENGINE_SAMPLE = [(c, m) for c, m in SAMPLE if FULL or c in DEFAULT]


@pytest.mark.parametrize(("case_id", "mutation"), ENGINE_SAMPLE, ids=[c for c, _ in ENGINE_SAMPLE])
def test_check_and_preview_print_the_same_message(
    case_id: str, mutation: Mutation, deployed: Deployed, tmp_path: Path
) -> None:
    data = mutated(deployed.base, mutation)
    line = first_line(data)
    config = tmp_path / "stacks" / "Pulumi.bad.yaml"
    config.parent.mkdir()
    config.write_text(stack_yaml(data), encoding="utf-8")
    checked = subprocess.run(
        [sys.executable, "-m", "components", "check", "--config", str(config)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert checked.returncode == 2 and line in checked.stderr, checked.stderr[-3000:]

    stack_file = deployed.project.stack_file(STACK)
    stack_file.write_text(stack_yaml(data, salt=deployed.salt), encoding="utf-8")
    try:
        result = deployed.project.pulumi(STACK, "preview", check=False)
    finally:
        stack_file.write_text(deployed.good)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert line in output, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert deployed.files() == deployed.snapshot, "the target changed"
    assert log_lines(deployed.log) == ["activate"], "something was activated"


def test_the_sample_starts_from_a_valid_site() -> None:
    """Each case fails for its change alone: the base it changes is valid."""
    base = base_site(Path("/srv/target"), {"mode": "none"})
    assert site_from_data(copy.deepcopy(base), "base").containers
    assert len({c for c, _ in SAMPLE}) == len(SAMPLE) >= 15
    assert {c for c, _ in SAMPLE} >= DEFAULT
