"""A literal secret in settings, `nixos` data or an OCI environment is refused
(components/model/checks/literal_secrets.py): it would land in the world-readable Nix
store. Paths to secrets (`*File`, `*Path`, `*Dir`) and `{_secret: NAME}` pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.errors import ConfigError
from components.model.checks.literal_secrets import secret_like
from components.stackfile import load_stack

REPO = Path(__file__).resolve().parents[1]
UPTIME_SETTINGS = '                PORT: "3001"\n'


def _load(tmp_path: Path, stack: str, old: str, new: str) -> None:
    text = (REPO / f"stacks/Pulumi.{stack}.yaml").read_text()
    assert old in text
    path = tmp_path / "stacks" / f"Pulumi.{stack}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace(old, new))
    load_stack(config_file=path)


def test_literal_token_in_nixos_settings_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, "dev", UPTIME_SETTINGS, UPTIME_SETTINGS + "                ADMIN_TOKEN: hunter2\n")
    report = str(caught.value)
    assert "containers.uptime.nixos.services.uptime-kuma.settings.ADMIN_TOKEN: is a literal secret" in report
    assert "{_secret: NAME}" in report and "secrets:" in report
    assert "hunter2" not in report  # the message never repeats the secret


def test_paths_to_secrets_pass(tmp_path: Path) -> None:
    extra = "                ADMIN_TOKEN_FILE: /run/secrets/admin\n                passwordFile: /run/x\n"
    _load(tmp_path, "dev", UPTIME_SETTINGS, UPTIME_SETTINGS + extra)


def test_literal_password_in_oci_environment_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, "apps", "WHOAMI_NAME: apps\n", "WHOAMI_NAME: apps\n          DB_PASSWORD: hunter2\n")
    assert "ociContainers.whoami.environment.DB_PASSWORD: is a literal secret" in str(caught.value)
    assert "environmentFiles" in str(caught.value)


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("ADMIN_TOKEN", True), ("smtpPassword", True), ("secret_key", True), ("apiKey", True),
        ("SECRET_KEY_FILE", False), ("passwordFile", False), ("tokenPath", False), ("keyDir", False),
        ("publicKey", False), ("KEYMAP", False), ("PORT", False), ("HOST", False),
    ],
)  # fmt: skip
def test_secret_like_keys(key: str, secret: bool) -> None:
    assert secret_like(key) is secret
