"""Paths and mounts (components/model/checks/mounts.py): absolute, normalised paths; no
sensitive host path unless allowed; never nixedge's own paths; no mount reaching another
container's state directory; no duplicate or nested mount points.

Each case mutates a valid site (tests/model_cases.py) and expects the exact lines of the
ConfigError report, `Hint:` lines included.
"""

from __future__ import annotations

import pytest

from components.model import site_from_data
from tests.model_cases import R2, SEED, A, F, homelab_lines, seed_lines
from tests.site_mutations import Mutation, put, seed_site, set_key

SENSITIVE = "is a sensitive host path; mounting it gives the container power over the host"
SAFE_PATH_MESSAGE = (
    "may contain only letters, digits and . _ - @ + / "
    "(NixOS hands it to systemd-nspawn and tmpfiles unquoted), e.g. '/srv/my-app'"
)


SEED_CASES = [
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "srv/cache"}])),
        [f"{A}.bindMounts[0].path: must be an absolute path, e.g. '/var/lib/forgejo' (got: 'srv/cache')"],
        id="mount-relative",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/srv/../etc"}])),
        [f"{A}.bindMounts[0].path: must not contain '.' or '..' segments (got: '/srv/../etc')"],
        id="mount-dotdot",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/cache", "hostPath": "/srv/./cache"}])),
        [f"{A}.bindMounts[0].hostPath: must not contain '.' or '..' segments (got: '/srv/./cache')"],
        id="mount-host-path-dot",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/srv/\ud800"}])),
        [f"{A}.bindMounts[0].path: {SAFE_PATH_MESSAGE} (got: '/srv/\\ud800')"],
        id="mount-surrogate",
    ),
    pytest.param(
        put((f"{A}.stateDir", "/srv/atticd\n")),
        [f"{A}.stateDir: {SAFE_PATH_MESSAGE} (got: '/srv/atticd\\n')"],
        id="state-dir-newline",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/srv//cache/"}])),
        [f"{A}.bindMounts[0].path: must be normalised, e.g. '/srv/cache' (got: '/srv//cache/')"],
        id="mount-not-normalised",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/srv/cache"}, {"path": "/srv/cache", "readOnly": False}])),
        [f"{A}.bindMounts[1].path: mounts /srv/cache again; already mounted by {A}.bindMounts[0] (got: '/srv/cache')"],
        id="mount-duplicate",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/srv/cache"}, {"path": "/srv/cache/sub"}])),
        [
            (
                f"{A}.bindMounts[1].path: overlaps {A}.bindMounts[0] (/srv/cache); mount points must not nest "
                "(got: '/srv/cache/sub')"
            )
        ],
        id="mount-nested",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/mnt/noa/atticd/cache"}])),
        [
            (
                f"{A}.stateDir: overlaps {A}.bindMounts[0] (/mnt/noa/atticd/cache); mount points must not nest "
                "(got: '/mnt/noa/atticd')"
            )
        ],
        id="mount-inside-state-dir",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/etc"}])),
        [
            f"{A}.bindMounts[0].path: {SENSITIVE} (got: '/etc')",
            f"  Hint: mount a narrower path, or set {A}.bindMounts[0].allowSensitive: true",
        ],
        id="mount-etc",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/store", "hostPath": "/nix/store"}])),
        [
            f"{A}.bindMounts[0].hostPath: {SENSITIVE} (got: '/nix/store')",
            f"  Hint: mount a narrower path, or set {A}.bindMounts[0].allowSensitive: true",
        ],
        id="mount-nix-store",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/root"}])),
        [
            f"{A}.bindMounts[0].path: {SENSITIVE} (got: '/root')",
            f"  Hint: mount a narrower path, or set {A}.bindMounts[0].allowSensitive: true",
        ],
        id="mount-root-home",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/config", "hostPath": "/etc/nixos"}])),
        [
            f"{A}.bindMounts[0].hostPath: {SENSITIVE} (got: '/etc/nixos')",
            f"  Hint: mount a narrower path, or set {A}.bindMounts[0].allowSensitive: true",
        ],
        id="mount-etc-nixos",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/host", "hostPath": "/"}])),
        [
            f"{A}.bindMounts[0].hostPath: {SENSITIVE} (got: '/')",
            f"  Hint: mount a narrower path, or set {A}.bindMounts[0].allowSensitive: true",
            f"{A}.bindMounts[0].hostPath: reaches /var/lib/forgejo, the state directory of {F} (got: '/')",
        ],
        id="mount-root",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/forgejo", "hostPath": "/var/lib/forgejo", "readOnly": True}])),
        [f"{A}.bindMounts[0].hostPath: reaches /var/lib/forgejo, the state directory of {F} (got: '/var/lib/forgejo')"],
        id="mount-other-state-dir",
    ),
    pytest.param(
        put((f"{A}.stateDir", "/var/lib/forgejo/attic")),
        [
            f"{A}.stateDir: reaches /var/lib/forgejo, the state directory of {F} (got: '/var/lib/forgejo/attic')",
            f"{F}.stateDir: reaches /var/lib/forgejo/attic, the state directory of {A} (got: '/var/lib/forgejo')",
        ],
        id="state-dir-inside-other-state-dir",
    ),
]


HOMELAB_CASES = [
    pytest.param(
        put(
            (f"{R2}.secrets", ["runner-token"]), (f"{R2}.bindMounts", [{"path": "/run/secrets", "hostPath": "/srv/ci"}])
        ),
        [
            (
                f"{R2}.secrets[0]: overlaps {R2}.bindMounts[0] (/run/secrets); mount points must not nest "
                "(got: '/run/secrets/runner-token')"
            )
        ],
        id="secret-inside-state-dir",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), SEED_CASES)
def test_invalid_seed_config(mutation: Mutation, expected: list[str]) -> None:
    assert seed_lines(mutation) == expected


@pytest.mark.parametrize(("mutation", "expected"), HOMELAB_CASES)
def test_invalid_homelab_config(mutation: Mutation, expected: list[str]) -> None:
    assert homelab_lines(mutation) == expected


@pytest.mark.parametrize("host_path", ["/boot", "/nix/store", "/root", "/var/lib/nixos-containers/other"])
def test_sensitive_mount_allowed_with_allow_sensitive(host_path: str) -> None:
    data = seed_site()
    set_key(data, f"{A}.bindMounts", [{"path": "/host", "hostPath": host_path, "allowSensitive": True}])
    mounts = site_from_data(data, SEED).container("atticd").mounts
    assert [(m.path, m.host_path, m.read_only) for m in mounts if m.path == "/host"] == [("/host", host_path, True)]


@pytest.mark.parametrize(
    ("host_path", "key", "path"),
    [
        ("/etc", "host.target.path", "/etc/nixos/nixedge"),
        ("/etc/nixos", "host.target.path", "/etc/nixos/nixedge"),
        ("/var/lib/nixedge", "host.secretsDir", "/var/lib/nixedge/secrets"),
    ],
)
def test_nixedge_paths_stay_out_even_with_allow_sensitive(host_path: str, key: str, path: str) -> None:
    """No override lets a container see the tunnel credentials or the modules the host activates."""
    lines = seed_lines(put((f"{A}.bindMounts", [{"path": "/host", "hostPath": host_path, "allowSensitive": True}])))
    assert len(lines) == 1 and lines[0].startswith(f"{A}.bindMounts[0].hostPath: reaches {key} ({path}): "), lines
