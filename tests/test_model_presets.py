"""App presets (components/model/presets/): what each app requires or refuses, and settings
that may not override a value the preset derives from a route, the state directory or
the database.

Each case mutates a valid site (tests/model_cases.py) and expects the exact lines of the
ConfigError report, `Hint:` lines included.
"""

from __future__ import annotations

import pytest

from tests.model_cases import A, F, seed_lines
from tests.site_mutations import DELETE, Mutation, put

SEED_CASES = [
    pytest.param(
        put((f"{A}.environmentFile", DELETE)),
        [
            f"{A}.environmentFile: is required by app atticd (services.atticd.environmentFile holds its secrets)",
            "  Hint: e.g. /etc/atticd.env, created on the host outside the Nix store",
        ],
        id="atticd-without-environment-file",
    ),
    pytest.param(
        put((f"{F}.settings.server", {"HTTP_PORT": 3000})),
        [f"{F}.settings.server.HTTP_PORT: is derived from {F}.routes[0]; change it there instead (got: 3000)"],
        id="settings-override-http-port",
    ),
    pytest.param(
        put((f"{F}.settings.server", {"SSH_DOMAIN": "git.ncaq.net"})),
        [
            (
                f"{F}.settings.server.SSH_DOMAIN: is derived from {F}.routes[1]; change it there instead "
                "(got: 'git.ncaq.net')"
            )
        ],
        id="settings-override-ssh-domain",
    ),
    pytest.param(
        put((f"{A}.settings", {"storage": {"path": "/elsewhere"}})),
        [f"{A}.settings.storage.path: is derived from {A}.stateDir; change it there instead (got: '/elsewhere')"],
        id="settings-override-atticd-storage",
    ),
    pytest.param(
        put((f"{A}.app", "generic"), (f"{A}.environmentFile", DELETE), (f"{A}.settings", {"listen": "[::]:8080"})),
        [
            (
                f"{A}.settings: is for the app presets; give a generic app's options under nixos "
                "(got: {'listen': '<hidden>'})"
            )
        ],
        id="settings-on-generic-app",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), SEED_CASES)
def test_invalid_seed_config(mutation: Mutation, expected: list[str]) -> None:
    assert seed_lines(mutation) == expected
