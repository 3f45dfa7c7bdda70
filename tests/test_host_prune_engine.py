"""Removal order under the real Pulumi engine: a container that leaves the stack with
its route keeps running until the edge no longer routes to it, and only then does
`HostPrune` remove its module and activate the host (issue 4: "on removal it is
unpublished before the container goes"). The edge is a stand-in dynamic resource that
logs what the host runs at the moment it publishes (tests/edge_standin.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pulumi import automation as auto

from components.host.manifest import MANIFEST
from components.nixos.layout import index_module
from tests.conftest import Engine
from tests.test_host_engine import changes

pytestmark = pytest.mark.engine

MODULE = '{{ ... }}:\n{{\n  containers.{name}.localAddress = "{address}";\n}}\n'
ADDRESSES = {"forgejo": "192.168.100.11", "uptime": "192.168.100.13", "kuma": "192.168.100.15"}


def activation_logger(directory: Path, name: str, log: Path) -> list[str]:
    """A command that logs `name` and the containers default.nix imports (it runs in the
    module directory, as the host provider runs the activation)."""
    script = directory / f"{name}.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "{name} $(grep -o \'containers/[a-z0-9-]*\' default.nix | cut -d/ -f2 | paste -sd,)" >> "{log}"\n'
    )
    script.chmod(0o755)
    return [str(script)]


class Site:
    """The program's three steps for a set of containers, each with one route."""

    def __init__(self, engine: Engine, tmp_path: Path) -> None:
        self.root = tmp_path / "host"
        self.log = tmp_path / "steps.log"
        self.containers = ["forgejo", "uptime"]
        self.address = ADDRESSES["forgejo"]
        self.edge_fails = False
        self.activation = {
            "command": activation_logger(tmp_path, "activate", self.log),
            "rollback": activation_logger(tmp_path, "rollback", self.log),
        }
        self.stack = engine.stack(self.program)

    def files(self) -> dict[str, str]:
        addresses = {**ADDRESSES, "forgejo": self.address}
        out = {f"containers/{c}.nix": MODULE.format(name=c, address=addresses[c]) for c in self.containers}
        out["default.nix"] = index_module("seminar", out)
        return out

    def program(self) -> None:
        import pulumi

        from components.host.resources import HostModules, HostPrune
        from components.model.claims import Claim
        from tests.edge_standin import Routes

        target = {"transport": "local", "path": str(self.root)}
        files = self.files()
        modules = HostModules(
            "seminar-modules",
            host="seminar",
            target=target,
            files=files,
            activation=self.activation,
            retain_removed=True,
            claims={f"containers/{c}.nix": [Claim("address", ADDRESSES[c], c)] for c in self.containers}
            | {"containers/forgejo.nix": [Claim("address", self.address, "forgejo")]},
        )
        edge = Routes(
            "seminar-edge",
            routes=[f"{c}.ncaq.net" for c in self.containers],
            log=str(self.log),
            fail=self.edge_fails,
            index=str(self.root / "default.nix"),
            opts=pulumi.ResourceOptions(depends_on=[modules]),
        )
        HostPrune(
            "seminar-prune",
            host="seminar",
            target=target,
            keep=sorted(files),
            leaving=modules.retained,
            activation=self.activation,
            opts=pulumi.ResourceOptions(depends_on=[modules, edge]),
        )


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> Site:
    return Site(engine, tmp_path)


def test_a_leaving_container_runs_until_its_route_is_gone(site: Site) -> None:
    site.stack.up()
    assert site.log.read_text().splitlines() == [
        "activate forgejo,uptime",
        "edge forgejo.ncaq.net,uptime.ncaq.net (host runs forgejo,uptime)",
    ]
    site.log.unlink()

    site.containers = ["forgejo"]
    preview = site.stack.preview(diff=True)
    assert preview.change_summary == {"same": 1, "update": 3}  # (the stack itself is "same")
    assert "seminar-prune" in preview.stdout
    # The prune step's diff names what goes (its `keep` loses the module).
    assert re.search(r"^ *- containers/uptime\.nix *: true$", preview.stdout, re.MULTILINE), preview.stdout

    up = site.stack.up()
    assert changes(up) == {"same": 1, "update": 3}
    # The edge dropped the route while uptime still ran; then the prune step stopped it.
    # Marking uptime as leaving changed a comment only, so the host step did not activate.
    assert site.log.read_text().splitlines() == [
        "edge forgejo.ncaq.net (host runs forgejo,uptime)",
        "activate forgejo",
    ]
    assert sorted(p.relative_to(site.root).as_posix() for p in site.root.rglob("*") if p.is_file()) == [
        MANIFEST, "containers/forgejo.nix", "default.nix",
    ]  # fmt: skip
    assert (site.root / "default.nix").read_text() == site.files()["default.nix"]

    again = site.stack.up()
    assert changes(again) == {"same": 4}, "after a removal the next up must be quiet"
    assert site.log.read_text().count("\n") == 2

    # The next host change empties the prune step's `leaving` (no connection, no
    # activation of its own); the preview says so, and the one after is quiet again.
    site.address = "192.168.100.12"
    assert site.stack.preview().change_summary == {"same": 2, "update": 2}
    assert changes(site.stack.up()) == {"same": 2, "update": 2}
    site.address = "192.168.100.14"
    assert site.stack.preview().change_summary == {"same": 3, "update": 1}
    assert changes(site.stack.up()) == {"same": 3, "update": 1}
    assert site.log.read_text().splitlines()[2:] == ["activate forgejo", "activate forgejo"]


def test_a_container_added_while_the_edge_failed_is_still_pruned(site: Site) -> None:
    """An up that stops before the prune step (here: the edge fails) leaves the prune
    step's `keep` behind; the module that up added must still go when it leaves."""
    site.stack.up()
    site.containers = ["forgejo", "uptime", "kuma"]
    site.edge_fails = True
    with pytest.raises(auto.CommandError, match="the edge is down"):
        site.stack.up()
    site.edge_fails = False
    site.containers = ["forgejo", "uptime"]
    site.stack.up()
    assert not (site.root / "containers/kuma.nix").exists()
    assert "kuma" not in (site.root / "default.nix").read_text()
