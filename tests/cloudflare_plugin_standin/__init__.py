"""A stand-in for Pulumi's Cloudflare provider plugin (`pulumi-resource-cloudflare`), for
running the real program under the real engine without Cloudflare.

Not to be confused with tests/edge_standin.py (a dynamic resource that only logs the
order of publication): this is a gRPC resource provider written with the SDK's
generated services (`pulumi.runtime.proto`), served as the executable the engine looks
for, at the version requirements.txt pins. It keeps its account (zones, tunnels, tunnel
configurations, DNS records) in a JSON file named by NIXEDGE_CF_STANDIN_STATE and
refuses what Cloudflare's API refuses (account.py, each rule citing its source). It
learns which tunnel a host runs from the host's activation (host.py): use
`activation(state, host)` as the host's activation command.

    standin = install(tmp_path / "bin", tmp_path / "cloudflare.json", zones={"ncaq.net": ZONE})
    env["PATH"] = f"{standin.bin}:{env['PATH']}"; env.update(standin.env)
"""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.cloudflare_plugin_standin.account import STATE_ENV, empty

REPO = Path(__file__).resolve().parents[2]
PLUGIN = "pulumi-resource-cloudflare"
ACCOUNT = "a1" * 16


@dataclass(frozen=True)
class StandIn:
    bin: Path
    """The directory holding `pulumi-resource-cloudflare`: put it first on PATH."""
    state: Path
    """The account's JSON file."""

    @property
    def env(self) -> dict[str, str]:
        return {STATE_ENV: str(self.state)}

    def account(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.state.read_text())
        return result

    def activation(self, host: str) -> list[str]:
        """The activation command of a stand-in host (see host.py)."""
        return [str(self.bin / "standin-activate"), str(self.state), host]


def install(bin_dir: Path, state: Path, zones: dict[str, str], account: str = ACCOUNT) -> StandIn:
    """Writes the plugin executable (and the hosts' activation command) into `bin_dir`
    and a fresh account holding `zones` (name -> id) to `state`."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps(empty(zones, account)))
    env = f"PYTHONPATH={shlex.quote(str(REPO))} exec {shlex.quote(sys.executable)}"
    commands = {PLUGIN: "tests.cloudflare_plugin_standin", "standin-activate": "tests.cloudflare_plugin_standin.host"}
    for name, module in commands.items():
        script = bin_dir / name
        script.write_text(f'#!/bin/sh\n{env} -m {module} "$@"\n')
        script.chmod(0o755)
    return StandIn(bin_dir, state)
