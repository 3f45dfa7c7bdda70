"""Secrets by reference (components/model/checks/secrets.py): declared once under `secrets`,
listed by each container that reads one, `{_secret: NAME}` only for listed secrets.

Each case mutates a valid site (tests/model_cases.py) and expects the exact lines of the
ConfigError report, `Hint:` lines included.
"""

from __future__ import annotations

import pytest

from tests.model_cases import FJ, R1, R2, TOKEN_FILE, homelab_lines
from tests.site_mutations import DELETE, Mutation, put

UNKNOWN_SECRET = "names no secret of the site's secrets (garage-rpc, runner-token)"


HOMELAB_CASES = [
    pytest.param(
        put((f"{R2}.secrets", ["runner-tokn"])),
        [f"{R2}.secrets[0]: {UNKNOWN_SECRET} (got: 'runner-tokn')"],
        id="secrets-list-undeclared",
    ),
    pytest.param(
        put((f"{TOKEN_FILE}._secret", "runner-tokn")),
        [f"{TOKEN_FILE}._secret: {UNKNOWN_SECRET} (got: 'runner-tokn')"],
        id="secret-value-undeclared",
    ),
    pytest.param(
        put((f"{TOKEN_FILE}._secret", 7)),
        [f"{TOKEN_FILE}._secret: {UNKNOWN_SECRET} (got: 7)"],
        id="secret-value-not-a-name",
    ),
    pytest.param(
        put((f"{R1}.secrets", DELETE)),
        [
            (
                f"{TOKEN_FILE}._secret: names secret runner-token, which {R1}.secrets does not list, so it is not "
                "mounted in the container (got: 'runner-token')"
            ),
            f"  Hint: add runner-token to {R1}.secrets",
        ],
        id="secret-value-not-listed-by-its-container",
    ),
    pytest.param(
        put((f"{FJ}.settings", {"mailer": {"PASSWD_FILE": {"_secret": "garage-rpc"}}})),
        [
            (
                f"{FJ}.settings.mailer.PASSWD_FILE._secret: names secret garage-rpc, which {FJ}.secrets does not "
                "list, so it is not mounted in the container (got: 'garage-rpc')"
            ),
            f"  Hint: add garage-rpc to {FJ}.secrets",
        ],
        id="secret-in-settings-not-listed",
    ),
    pytest.param(
        put(("secrets.runner-token.path", "run/secrets/runner-token")),
        [
            (
                "secrets.runner-token.path: must be an absolute path, e.g. '/var/lib/forgejo' "
                "(got: 'run/secrets/runner-token')"
            )
        ],
        id="secret-path-relative",
    ),
    pytest.param(
        put(("secrets.runner-token.path", "/run/secrets/../token")),
        ["secrets.runner-token.path: must not contain '.' or '..' segments (got: '/run/secrets/../token')"],
        id="secret-path-dotdot",
    ),
    pytest.param(
        put(("secrets.runner-token.provider", "vault")),
        ["secrets.runner-token.provider: must be 'sops-nix' or 'agenix' (got: 'vault')"],
        id="secret-provider",
    ),
    pytest.param(
        put(("secrets.runner-token.unit", "sops-install-secrets")),
        [
            (
                "secrets.runner-token.unit: must be a systemd unit name with its suffix, e.g. 'postgresql.service' "
                "(got: 'sops-install-secrets')"
            )
        ],
        id="secret-unit-without-suffix",
    ),
    pytest.param(
        put(("secrets.runner token", {"provider": "agenix", "path": "/run/agenix/x"})),
        [
            (
                "secrets['runner token']: must be a secret name: a letter or digit, then up to 63 letters, digits, "
                "'.', '_' or '-', e.g. 'atticd-env' (got: 'runner token')"
            )
        ],
        id="secret-name",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), HOMELAB_CASES)
def test_invalid_homelab_config(mutation: Mutation, expected: list[str]) -> None:
    assert homelab_lines(mutation) == expected
