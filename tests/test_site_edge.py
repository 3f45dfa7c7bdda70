"""A site of two hosts under Pulumi mocks, with the real pulumi_cloudflare v6 types and
the real program (`__main__.py`).

Proves that each host gets its own tunnel, modules, ingress and prune resources, named
as its one-host stack names them (the same URNs, so turning a stack into a site
replaces nothing); each route's DNS record targets the tunnel of the host that serves it
and waits for that host's activation only; each host's ingress holds only its own
routes, catch-all last; each prune step waits for its own host's edge only; and no
resource of one host depends on another host.
"""

from __future__ import annotations

import copy
import json
import runpy
from pathlib import Path
from typing import Any

import pytest

from tests import edge_mocks
from tests.edge_mocks import CONFIG_TYPE, DNS_TYPE, DYNAMIC_TYPE, PRUNE_TYPE, TUNNEL_ID, TUNNEL_TYPE
from tests.test_edge_mocks import seminar, with_ids

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated in favor of:DeprecationWarning")

REPO = Path(__file__).resolve().parents[1]


def storage() -> dict[str, Any]:
    """A second host in seminar's zone; its address plan and user ids repeat seminar's."""
    data = copy.deepcopy(seminar("remote"))
    data["host"] = {"target": {"transport": "ssh", "destination": "root@storage"}}
    data["tunnel"]["name"] = "storage"
    data["containers"] = {
        "files": {
            "app": "generic",
            "hostAddress": "192.168.100.10",
            "localAddress": "192.168.100.11",
            "user": {"name": "files", "uid": 991, "gid": 986},
            "stateVersion": "25.05",
            "routes": [{"hostname": "files.ncaq.net", "port": 8080}],
        }
    }
    return with_ids(data)


def two_hosts() -> dict[str, Any]:
    one = with_ids(seminar("remote"))
    del one["host"]["name"]  # the key under `hosts` names it
    return {"hosts": {"seminar": one, "storage": storage()}}


def run_main(data: dict[str, Any]) -> edge_mocks.Run:
    def program() -> None:
        runpy.run_path(str(REPO / "__main__.py"), run_name="__main__")

    return edge_mocks.run(program, stack="site", config={"nixedge:site": json.dumps(data)})


HOSTNAMES = {
    "seminar": {"forgejo.ncaq.net", "forgejo-ssh.ncaq.net", "nix-cache.ncaq.net"},
    "storage": {"files.ncaq.net"},
}


def test_each_dns_record_waits_for_its_own_host_and_targets_its_own_tunnel() -> None:
    run = run_main(two_hosts())
    tunnels = {r.name.removesuffix("-tunnel"): r for r in run.of_type(TUNNEL_TYPE)}
    modules = {r.name.removesuffix("-modules"): r for r in run.of_type(DYNAMIC_TYPE)}
    assert set(tunnels) == set(modules) == {"seminar", "storage"}
    tunnel_ids = {h: out["tunnelId"] for h, out in run.exports["hosts"][0].items()}
    # The mocks give the first tunnel registered TUNNEL_ID; the hosts register side by side.
    assert TUNNEL_ID in tunnel_ids.values() and len(set(tunnel_ids.values())) == 2, tunnel_ids
    seen: dict[str, set[str]] = {"seminar": set(), "storage": set()}
    for rec in run.of_type(DNS_TYPE):
        host = owner(rec.inputs["name"])
        other = "storage" if host == "seminar" else "seminar"
        seen[host].add(rec.inputs["name"])
        assert modules[host].urn in rec.dependencies, f"{rec.urn} does not wait for {modules[host].urn}"
        assert modules[other].urn not in rec.dependencies, f"{rec.urn} waits for {other}'s activation"
        assert tunnels[other].urn not in rec.dependencies, f"{rec.urn} depends on {other}'s tunnel"
        assert rec.inputs["content"] == f"{tunnel_ids[host]}.cfargotunnel.com", rec.urn
    assert seen == HOSTNAMES


def test_each_host_has_its_own_ingress_and_prune_step() -> None:
    run = run_main(two_hosts())
    configs = {r.name.removesuffix("-edge-ingress"): r for r in run.of_type(CONFIG_TYPE)}
    assert set(configs) == {"seminar", "storage"}
    for host, config in configs.items():
        rules = config.inputs["config"]["ingresses"]
        assert {r["hostname"] for r in rules[:-1]} == HOSTNAMES[host], config.urn
        assert "hostname" not in rules[-1], f"{config.urn}: the catch-all is not last"
    prunes = {r.name.removesuffix("-prune"): r for r in run.of_type(PRUNE_TYPE)}
    for host, prune in prunes.items():
        other = "storage" if host == "seminar" else "seminar"
        own = [r for r in run.of_type(DNS_TYPE) + run.of_type(CONFIG_TYPE) if host_of(r) == host]
        assert own and all(r.urn in prune.dependencies for r in own), prune.urn
        assert not any(d.split("::")[-1].startswith(f"{other}-") for d in prune.dependencies), prune.urn


def owner(hostname: str) -> str:
    return next(h for h, names in HOSTNAMES.items() if hostname in names)


def host_of(reg: edge_mocks.Registration) -> str:
    """The host a resource belongs to: its name's prefix, or for a site's DNS record the
    host that serves its name."""
    return owner(reg.inputs["name"]) if reg.type == DNS_TYPE else reg.name.split("-")[0]


def test_without_a_move_no_resource_depends_on_another_host() -> None:
    """Across hosts, only a moving hostname orders them (tests/test_edge_lifecycle_engine.py);
    a site whose hostnames stay where they are deploys its hosts side by side."""
    run = run_main(two_hosts())
    hosts = {r.urn: host_of(r) for r in run.registrations}
    for reg in run.registrations:
        if reg.urn not in hosts:
            continue
        foreign = [d for d in reg.dependencies if d in hosts and hosts[d] != hosts[reg.urn]]
        assert not foreign, f"{reg.urn} depends on {foreign}"


def test_a_one_host_site_keeps_every_urn_of_the_one_host_stack() -> None:
    """Turning a stack into a site changes no URN: no alias is needed and nothing is replaced."""
    one_host = run_main(with_ids(seminar("remote")))
    site = run_main({"hosts": {"seminar": with_ids(seminar("remote"))}})
    # Compared by URN: the order of registrations depends on when outputs resolve.
    assert sorted(r.urn for r in site.registrations) == sorted(r.urn for r in one_host.registrations)
    assert {r.urn: r.inputs for r in site.registrations} == {r.urn: r.inputs for r in one_host.registrations}
    assert set(site.exports) == {"hosts"}
    assert site.exports["hosts"][0]["seminar"]["files"] == one_host.exports["files"][0]
