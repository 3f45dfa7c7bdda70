"""The activation command of a stand-in host: records at the account what the host runs
from now on, which is how the stand-in knows a tunnel's connections.

    python -m tests.cloudflare_plugin_standin.host STATE_FILE HOST

It runs in the module directory, as the host provider runs an activation. When
default.nix imports ./cloudflared.nix, the host runs the tunnel whose credentials (local
ingress: the credentials JSON; remote: the token) that module names, with the hostnames
of its local ingress map; else it runs none. A module directory removed without an
activation leaves the host running what it ran (as a NixOS host does).
"""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path
from typing import Any

from tests.cloudflare_plugin_standin.account import opened

_CREDENTIALS = re.compile(r'(?:credentialsFile|tokenFile)\s*=\s*"([^"]+)"|LoadCredential\s*=\s*"token:([^"]+)"')
_RULE = re.compile(r'^\s*"([A-Za-z0-9*][A-Za-z0-9.*-]*\.[A-Za-z]+)"\s*=', re.MULTILINE)


def tunnel_of(secret: str) -> str:
    """The tunnel id in a credentials file (JSON, TunnelID) or a token (base64 JSON, t)."""
    text = secret.strip()
    if text.startswith("{"):
        return str(json.loads(text)["TunnelID"])
    return str(json.loads(base64.b64decode(text + "=" * (-len(text) % 4)))["t"])


def running(directory: Path) -> dict[str, Any]:
    """What a host runs with this module directory activated: {"tunnel", "rules"} or {}."""
    index = directory / "default.nix"
    module = directory / "cloudflared.nix"
    if not index.exists() or "./cloudflared.nix" not in index.read_text() or not module.exists():
        return {}
    text = module.read_text()
    found = _CREDENTIALS.search(text)
    if found is None:
        return {}
    tunnel = tunnel_of(Path(found[1] or found[2]).read_text())
    ingress = text.split("ingress", 1)[1] if "ingress" in text else ""
    return {"tunnel": tunnel, "rules": sorted(set(_RULE.findall(ingress)))}


def main(argv: list[str]) -> int:
    state_file, host = Path(argv[0]), argv[1]
    now = running(Path.cwd())
    with opened(state_file) as state:
        state["hosts"][host] = now
        name = state["tunnels"].get(now.get("tunnel"), {}).get("name", "?")
        state["log"].append(f"activate {host} " + (f"{name} {','.join(now['rules'])}" if now else "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
