"""The guard of issue 21's escapes that runs the Pulumi CLI (`pulumi plugin ls`): an
older cached provider plugin is not the pinned one (tests/test_bad_guards.py has the
others)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.wrapper import cloudflare_plugin
from tests.paths import REPO

pytestmark = pytest.mark.engine


# -- the plugin: only the pinned version counts ------------------------------------------------


@pytest.mark.parametrize(
    ("cached", "expected"),
    [
        ([], False),
        (["5.49.0"], False),
        (["6.23.0"], False),
        (["6.23.10"], False),
        (["5.49.0", "6.0.0"], False),
        (["5.49.0", "PIN"], True),
        (["PIN"], True),
    ],
)
def test_only_the_pinned_plugin_counts_as_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cached: list[str], expected: bool
) -> None:
    pin = cloudflare_plugin.pinned_version()
    assert pin != "6.23.0" and pin != "6.23.10" or expected is False
    for version in cached:
        plugin = tmp_path / "plugins" / f"resource-cloudflare-v{pin if version == 'PIN' else version}"
        plugin.mkdir(parents=True)
        binary = plugin / "pulumi-resource-cloudflare"
        binary.write_text("#!/bin/sh\n")
        binary.chmod(0o755)
    monkeypatch.setenv("PULUMI_HOME", str(tmp_path))
    monkeypatch.setenv("PULUMI_SKIP_UPDATE_CHECK", "true")
    monkeypatch.setenv("PATH", f"{REPO / '.venv' / 'bin'}:/usr/bin:/bin")
    assert cloudflare_plugin.installed(pin) is expected
