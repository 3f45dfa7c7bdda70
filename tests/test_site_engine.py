"""A site of several hosts under the real Pulumi engine (Automation API running the real
program, `__main__.py`, local file backend, local targets): the hosts' activations run
at the same time; one host failing rolls back that host only, its message names the
hosts this update deployed, which stay deployed, and the next `up` finishes the failed
host alone; `--target` on one host's resource touches only that host; and rewriting a
one-host stack as a one-host site makes a preview with nothing to create, replace or
delete.
"""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from tests.conftest import REPO, Engine
from tests.edge_mocks import DYNAMIC_TYPE
from tests.test_host_engine import changes

pytestmark = pytest.mark.engine

HOSTS = ("alpha", "beta", "gamma")


def activation(directory: Path, host: str, *, sleep: float = 0.0, exit_code: int = 0) -> list[str]:
    """A command that logs its start and end time to `<host>.log`, sleeps, then exits."""
    log = directory / f"{host}.log"
    script = directory / f"{host}-{exit_code}-{sleep}.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "start $(date +%s.%N)" >> "{log}"\n'
        f"sleep {sleep}\n"
        f'echo "end $(date +%s.%N)" >> "{log}"\n'
        f'echo "{host}: exit {exit_code}"\n'
        f"exit {exit_code}\n"
    )
    script.chmod(0o755)
    return [str(script)]


def host_site(directory: Path, host: str, port: int = 3001, **kwargs: Any) -> dict[str, Any]:
    """One host: a local target and one generic container (no routes, so no origin check)."""
    return {
        "host": {
            "target": {"transport": "local", "path": f"{host}/etc/nixos/nixedge"},
            "activation": {"command": activation(directory, host, **kwargs), "rollback": ["true"]},
        },
        "network": {"subnet": "10.231.0.0/24"},
        "containers": {
            "status": {
                "app": "generic",
                "user": {"name": "uptime-kuma", "uid": 2001, "gid": 2001},
                "stateVersion": "25.05",
                "nixos": {"services": {"uptime-kuma": {"enable": True, "settings": {"PORT": str(port)}}}},
            }
        },
    }


class Site:
    """The real program on a stack whose nixedge:site the test rewrites between runs."""

    def __init__(self, engine: Engine, tmp_path: Path) -> None:
        self.engine, self.bin = engine, tmp_path / "bin"
        self.bin.mkdir()
        self.stack = engine.stack(self.program, "site")

    @staticmethod
    def program() -> None:
        runpy.run_path(str(REPO / "__main__.py"), run_name="__main__")

    def configure(self, data: dict[str, Any]) -> None:
        self.stack.set_config("nixedge:site", auto.ConfigValue(json.dumps(data)))

    def hosts(self, **per_host: dict[str, Any]) -> dict[str, Any]:
        return {"hosts": {h: host_site(self.bin, h, **per_host.get(h, {})) for h in HOSTS}}

    def log(self, host: str) -> list[tuple[str, float]]:
        path = self.bin / f"{host}.log"
        lines = path.read_text().split("\n") if path.exists() else []
        return [(word, float(t)) for word, t in (line.split() for line in lines if line)]

    def module(self, host: str) -> str:
        return (self.engine.work_dir / host / "etc/nixos/nixedge/containers/status.nix").read_text()

    def urn(self, name: str) -> str:
        resources = (self.stack.export_stack().deployment or {})["resources"]
        return str(next(r["urn"] for r in resources if r["type"] == DYNAMIC_TYPE and r["urn"].endswith(f"::{name}")))


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> Site:
    return Site(engine, tmp_path)


def test_the_hosts_activate_at_the_same_time(site: Site) -> None:
    site.configure(site.hosts(**{h: {"sleep": 2} for h in HOSTS}))
    up = site.stack.up()
    assert changes(up) == {"create": 3 + 1}  # the modules of each host (no edge here), and the stack
    runs = {h: site.log(h) for h in HOSTS}
    assert all([w for w, _ in log] == ["start", "end"] for log in runs.values()), runs
    # Every activation started before any of them ended: they overlapped.
    assert max(log[0][1] for log in runs.values()) < min(log[1][1] for log in runs.values()), runs
    assert set(up.outputs["hosts"].value) == set(HOSTS)


def test_a_failing_host_rolls_back_alone_and_says_which_hosts_were_deployed(site: Site) -> None:
    site.configure(site.hosts())
    site.stack.up()
    before = {h: site.module(h) for h in HOSTS}
    # Every host changes; beta's activation fails after the others have finished.
    changed: dict[str, dict[str, Any]] = {h: {"port": 3002} for h in HOSTS}
    site.configure(site.hosts(**{**changed, "beta": {"port": 3002, "sleep": 3, "exit_code": 1}}))
    with pytest.raises(auto.CommandError) as err:
        site.stack.up()
    message = str(err.value)
    assert "Activation of beta failed: " in message, message
    assert "Only beta was rolled back: this update deployed alpha, gamma before it failed" in message, message
    assert site.module("beta") == before["beta"], "beta's previous modules must be restored"
    for host in ("alpha", "gamma"):
        assert site.module(host) != before[host] and '"3002"' in site.module(host), f"{host} must stay deployed"
    # The next up finishes beta alone: the others are up to date.
    site.configure(site.hosts(**{h: {"port": 3002} for h in HOSTS}))
    up = site.stack.up()
    assert changes(up) == {"same": 3, "update": 1}, changes(up)
    assert '"3002"' in site.module("beta")
    assert [w for w, _ in site.log("alpha")] == ["start", "end"] * 2


def test_target_on_one_host_touches_only_that_host(site: Site) -> None:
    site.configure(site.hosts())
    site.stack.up()
    before = {h: site.module(h) for h in HOSTS}
    site.configure(site.hosts(**{h: {"port": 3002} for h in HOSTS}))
    up = site.stack.up(target=[site.urn("gamma-modules")])
    assert changes(up) == {"update": 1, "same": 3}, changes(up)  # the others are left as they are
    assert '"3002"' in site.module("gamma")
    assert {h: site.module(h) for h in ("alpha", "beta")} == {h: before[h] for h in ("alpha", "beta")}
    assert [len(site.log(h)) for h in HOSTS] == [2, 2, 4], "only gamma activates again"


def test_a_one_host_stack_becomes_a_site_without_replacing_anything(site: Site) -> None:
    one = host_site(site.bin, "alpha")
    site.configure({**one, "host": {**one["host"], "name": "alpha"}})
    site.stack.up()
    site.configure({"hosts": {"alpha": one}})
    preview = site.stack.preview(diff=True)
    assert preview.change_summary == {"same": 2}, preview.change_summary
    up = site.stack.up()
    assert changes(up) == {"same": 2}
    assert [w for w, _ in site.log("alpha")] == ["start", "end"], "nothing activates again"
    files = sorted(up.outputs["hosts"].value["alpha"]["files"])
    assert files == ["containers/status.nix", "default.nix", "network.nix"]
