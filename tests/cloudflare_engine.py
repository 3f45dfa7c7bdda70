"""The real program (`__main__.py`) under the real engine against the stand-in Cloudflare
plugin (tests.cloudflare_plugin_standin): a site of local hosts whose config the test
rewrites between runs, and what the account holds after each run."""

from __future__ import annotations

import json
import runpy
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from tests.cloudflare_plugin_standin import ACCOUNT, StandIn, install
from tests.conftest import REPO, Engine

ZONE = "example.net"
ZONE_ID = "c3" * 16


def container(name: str, port: int, hostnames: list[str], uid: int = 2001) -> dict[str, Any]:
    """A generic container serving `hostnames` on `port`."""
    return {
        "app": "generic",
        "user": {"name": name, "uid": uid, "gid": uid},
        "stateVersion": "25.05",
        "nixos": {"services": {"uptime-kuma": {"enable": True, "settings": {"PORT": str(port)}}}},
        "routes": [{"hostname": h, "port": port} for h in hostnames],
    }


def edge_site(engine: Engine, tmp_path: Path) -> Iterator[EdgeSite]:
    """The body of a test module's `site` fixture."""
    site = EdgeSite(engine, tmp_path)
    try:
        yield site
    finally:
        site.close()


class EdgeSite:
    """Hosts on this machine (directories), their tunnels at the stand-in account."""

    def __init__(self, engine: Engine, tmp_path: Path, stack: str = "site") -> None:
        self.engine, self.tmp = engine, tmp_path
        # The model refuses a secretsDir in /tmp (any user may plant files there): the
        # hosts' credentials go to a fresh directory in /run, removed by `close`.
        self.secrets = Path(tempfile.mkdtemp(prefix="nixedge-standin-", dir="/run"))
        self.standin: StandIn = install(tmp_path / "standin-bin", tmp_path / "cloudflare.json", {ZONE: ZONE_ID})
        engine.env["PATH"] = f"{self.standin.bin}:{engine.env['PATH']}"
        engine.env.update(self.standin.env)
        self.stack = engine.stack(self.program, stack)

    def close(self) -> None:
        shutil.rmtree(self.secrets, ignore_errors=True)

    @staticmethod
    def program() -> None:
        runpy.run_path(str(REPO / "__main__.py"), run_name="__main__")

    def host(
        self, name: str, containers: dict[str, Any], *, ingress: str = "remote", tunnel: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """One host's site: a local target, the stand-in activation, its own tunnel."""
        data: dict[str, Any] = {
            "host": {
                "target": {"transport": "local", "path": f"{name}/etc/nixos/nixedge"},
                "activation": {"command": self.standin.activation(name), "rollback": ["true"], "check": False},
                "secretsDir": str(self.secrets / name),
            },
            "network": {"subnet": "10.231.0.0/24"},
            "tunnel": {
                "name": tunnel or name,
                "ingress": ingress,
                "accountId": ACCOUNT,
                "zones": [{"name": ZONE, "zoneId": ZONE_ID}],
            },
            "containers": containers,
        }
        for key, value in extra.items():
            data["tunnel"][key] = value
        return data

    def configure(self, data: dict[str, Any]) -> None:
        self.stack.set_config("nixedge:site", auto.ConfigValue(json.dumps(data)))

    def account(self) -> dict[str, Any]:
        return self.standin.account()

    def records(self) -> dict[str, tuple[str, str]]:
        """Name -> (type, content target's tunnel name or the content), at the account."""
        state = self.account()
        names = {f"{tid}.cfargotunnel.com": t["name"] for tid, t in state["tunnels"].items()}
        return {r["name"]: (r["type"], names.get(r["content"], r["content"])) for r in state["records"].values()}

    def served(self) -> dict[str, str]:
        from tests.cloudflare_plugin_standin.account import served

        return served(self.account())

    def live_tunnels(self) -> list[str]:
        return sorted(t["name"] for t in self.account()["tunnels"].values() if not t.get("deleted"))

    def other_stack(self, name: str) -> auto.Stack:
        """Another stack of the same project, on the same account and hosts' machine."""
        return self.engine.stack(self.program, name)

    def record_id(self, name: str) -> str:
        return next(str(rid) for rid, r in self.account()["records"].items() if r["name"] == name)

    def hand_made(self, name: str, kind: str, content: str) -> str:
        """A record made outside Pulumi (by hand, or by another tool): its id."""
        from tests.cloudflare_plugin_standin.account import create_record, opened

        record = {"zoneId": ZONE_ID, "name": name, "type": kind, "content": content, "proxied": kind == "CNAME",
                  "ttl": 1.0, "comment": None}  # fmt: skip
        with opened(self.standin.state) as state:
            return str(create_record(state, record))

    def log(self) -> list[str]:
        return list(self.account()["log"])


def failure(up: Any) -> str:
    """The error output of a failed `up` (a CommandError's text)."""
    return str(up)
