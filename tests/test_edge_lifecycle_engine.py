"""The edge's lifecycle under the real engine, against the stand-in Cloudflare plugin
(tests.cloudflare_plugin_standin), which refuses what Cloudflare refuses: each everyday
change of a site ends in the right state at the account (every hostname served by the
host that routes it, no outage on the way), or stops before changing anything with
nixedge's message (issue 22; docs/testing.md quotes how each failed before)."""

from __future__ import annotations

import copy
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from tests.cloudflare_engine import EdgeSite, container, edge_site
from tests.conftest import VENV_BIN, Engine

TUNNEL_TYPE = "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared"

pytestmark = [pytest.mark.engine, pytest.mark.slow]

KUMA = container("kuma", 3001, ["kuma.example.net", "status.example.net"])
WEB = container("web", 3002, ["web.example.net"], uid=2002)
IDLE = container("idle", 3003, [], uid=2003)
"""A host keeps one container: a site's host has at least one."""


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> Iterator[EdgeSite]:
    yield from edge_site(engine, tmp_path)


def two_hosts(site: EdgeSite, alpha: dict[str, Any], beta: dict[str, Any], **tunnel: Any) -> dict[str, Any]:
    return {"hosts": {"alpha": site.host("alpha", alpha, **tunnel), "beta": site.host("beta", beta, **tunnel)}}


def no_change(stack: auto.Stack) -> dict[str, int]:
    """The change summary of a preview, without the unchanged resources."""
    return {k: v for k, v in stack.preview().change_summary.items() if k != "same"}


@pytest.mark.parametrize("ingress", ["remote", "local"])
def test_moving_a_container_updates_its_records_in_place_without_an_outage(site: EdgeSite, ingress: str) -> None:
    site.configure(two_hosts(site, {"kuma": KUMA, "idle": IDLE}, {"web": WEB}, ingress=ingress))
    site.stack.up()
    ids = {h: site.record_id(h) for h in ("kuma.example.net", "status.example.net")}
    site.configure(two_hosts(site, {"idle": IDLE}, {"web": WEB, "kuma": KUMA}, ingress=ingress))
    site.stack.up()
    assert site.served() == dict.fromkeys(["kuma.example.net", "status.example.net", "web.example.net"], "beta")
    assert {h: site.record_id(h) for h in ids} == ids, "the same records, updated in place"
    assert site.account()["outages"] == [], site.log()
    assert no_change(site.stack) == {}


def test_moving_a_route_to_another_host(site: EdgeSite) -> None:
    web = copy.deepcopy(WEB)
    site.configure(two_hosts(site, {"kuma": KUMA}, {"web": web}))
    site.stack.up()
    kuma = container("kuma", 3001, ["kuma.example.net"])
    web["routes"].append({"hostname": "status.example.net", "port": 3002})
    site.configure(two_hosts(site, {"kuma": kuma}, {"web": web}))
    site.stack.up()
    assert site.served() == {"kuma.example.net": "alpha", "status.example.net": "beta", "web.example.net": "beta"}
    assert site.account()["outages"] == [], site.log()


def test_adopting_a_record_then_moving_it(site: EdgeSite) -> None:
    rid = site.hand_made("kuma.example.net", "CNAME", "old-tunnel.cfargotunnel.com")
    kuma = container("kuma", 3001, ["kuma.example.net"])
    alpha = site.host("alpha", {"kuma": kuma, "idle": IDLE}, dnsImports={"kuma.example.net": rid})
    site.configure({"hosts": {"alpha": alpha, "beta": site.host("beta", {"web": WEB})}})
    site.stack.up()
    assert site.records()["kuma.example.net"] == ("CNAME", "alpha") and site.record_id("kuma.example.net") == rid
    site.configure(two_hosts(site, {"idle": IDLE}, {"web": WEB, "kuma": kuma}))
    site.stack.up()
    assert site.served() == {"kuma.example.net": "beta", "web.example.net": "beta"}
    assert site.record_id("kuma.example.net") == rid
    assert no_change(site.stack) == {}


def test_changing_a_further_record_type(site: EdgeSite) -> None:
    record = {"name": "mail.example.net", "type": "A", "content": "192.0.2.1", "proxied": False}
    site.configure({"hosts": {"alpha": site.host("alpha", {"kuma": KUMA}, dnsRecords=[record])}})
    site.stack.up()
    record = {"name": "mail.example.net", "type": "CNAME", "content": "mail.example.org", "proxied": False}
    site.configure({"hosts": {"alpha": site.host("alpha", {"kuma": KUMA}, dnsRecords=[record])}})
    site.stack.up()
    assert site.records()["mail.example.net"] == ("CNAME", "mail.example.org")


def test_a_further_record_becoming_a_route(site: EdgeSite) -> None:
    record = {"name": "web.example.net", "type": "A", "content": "192.0.2.1", "proxied": True}
    site.configure({"hosts": {"alpha": site.host("alpha", {"kuma": KUMA}, dnsRecords=[record])}})
    site.stack.up()
    site.configure({"hosts": {"alpha": site.host("alpha", {"kuma": KUMA, "web": WEB})}})
    site.stack.up()
    assert site.served()["web.example.net"] == "alpha"


def test_renaming_a_host_keeps_its_tunnel_and_records(site: EdgeSite) -> None:
    site.configure({"hosts": {"alpha": site.host("alpha", {"kuma": KUMA})}})
    site.stack.up()
    before = site.account()
    renamed = site.host("alpha", {"kuma": KUMA})
    renamed["host"]["renamedFrom"] = "alpha"
    site.configure({"hosts": {"gamma": renamed}})
    site.stack.up()
    after = site.account()
    assert after["tunnels"] == before["tunnels"] and after["records"] == before["records"]
    assert site.served() == dict.fromkeys(["kuma.example.net", "status.example.net"], "alpha")


def test_removing_a_host_leaves_its_tunnel_to_stop_by_hand(site: EdgeSite) -> None:
    site.configure(two_hosts(site, {"kuma": KUMA}, {"web": WEB}))
    site.stack.up()
    site.configure({"hosts": {"alpha": site.host("alpha", {"kuma": KUMA})}})
    up = site.stack.up()
    assert "web.example.net" not in site.records()
    assert site.live_tunnels() == ["alpha", "beta"], "beta still runs its tunnel: it is kept, not refused"
    assert "beta-tunnel" in up.stdout and "retain" in up.stdout.lower(), up.stdout
    assert no_change(site.stack) == {}


def test_destroy_removes_the_records_and_keeps_the_running_tunnel(site: EdgeSite) -> None:
    site.configure({"hosts": {"alpha": site.host("alpha", {"kuma": KUMA})}})
    site.stack.up()
    site.stack.destroy()
    assert site.records() == {}
    assert site.live_tunnels() == ["alpha"]


def test_switching_ingress_remote_to_local_stops_with_the_message(site: EdgeSite) -> None:
    site.configure({"hosts": {"alpha": site.host("alpha", {"kuma": KUMA}, ingress="remote")}})
    site.stack.up()
    before = site.account()
    site.configure({"hosts": {"alpha": site.host("alpha", {"kuma": KUMA}, ingress="local")}})
    with pytest.raises(auto.CommandError) as err:
        site.stack.up()
    assert "tunnel.ingress: Cloudflare Tunnel alpha is remotely managed" in str(err.value)
    assert "Traceback" not in str(err.value), str(err.value)
    assert site.account()["records"] == before["records"] and site.account()["configs"] == before["configs"]


def test_switching_ingress_local_to_remote_stops_with_the_message(site: EdgeSite) -> None:
    site.configure({"hosts": {"alpha": site.host("alpha", {"kuma": KUMA}, ingress="local")}})
    site.stack.up()
    site.configure({"hosts": {"alpha": site.host("alpha", {"kuma": KUMA}, ingress="remote")}})
    with pytest.raises(auto.CommandError) as err:
        site.stack.up()
    assert "tunnel.ingress: Cloudflare Tunnel alpha is locally managed" in str(err.value)
    assert "Traceback" not in str(err.value), str(err.value)
    assert site.account()["configs"] == {}


def test_a_hostname_another_stack_manages_stops_the_second_stack_at_preview(site: EdgeSite) -> None:
    site.configure({"hosts": {"alpha": site.host("alpha", {"kuma": KUMA})}})
    site.stack.up()
    before = site.account()
    other = site.other_stack("other")
    data = {"hosts": {"beta": site.host("beta", {"kuma": KUMA})}}
    other.set_config("nixedge:site", auto.ConfigValue(__import__("json").dumps(data)))
    with pytest.raises(auto.CommandError) as err:
        other.preview()
    assert "kuma.example.net" in str(err.value) and "nixedge stack site" in str(err.value), str(err.value)
    with pytest.raises(auto.CommandError):
        other.up()
    assert site.account()["tunnels"] == before["tunnels"], "the second stack created nothing"
    assert site.account()["records"] == before["records"]


def test_an_unmanaged_record_stops_the_stack_unless_imported(site: EdgeSite) -> None:
    site.hand_made("kuma.example.net", "A", "192.0.2.7")
    site.configure({"hosts": {"alpha": site.host("alpha", {"kuma": KUMA})}})
    with pytest.raises(auto.CommandError) as err:
        site.stack.preview()
    assert "tunnel.dnsImports" in str(err.value) and "kuma.example.net" in str(err.value), str(err.value)
    assert site.live_tunnels() == []


def test_a_one_host_stack_becomes_a_site_without_a_change(site: EdgeSite) -> None:
    one = site.host("alpha", {"kuma": KUMA})
    site.configure({**one, "host": {**one["host"], "name": "alpha"}})
    site.stack.up()
    site.configure({"hosts": {"alpha": one}})
    assert no_change(site.stack) == {}


def test_switching_remote_to_local_by_the_documented_recipe(site: EdgeSite) -> None:
    """docs/migrating.md, Switching tunnel.ingress: a new tunnel, the old one renamed out
    of the program's way in the state (it is kept at Cloudflare), then deleted by hand."""
    site.configure({"hosts": {"alpha": site.host("alpha", {"kuma": KUMA}, ingress="remote")}})
    site.stack.up()
    ids = {h: site.record_id(h) for h in ("kuma.example.net", "status.example.net")}
    resources = (site.stack.export_stack().deployment or {})["resources"]
    urn = next(r["urn"] for r in resources if r["type"] == TUNNEL_TYPE)
    rename = [str(VENV_BIN / "pulumi"), "state", "rename", "--stack", "site", "--yes", urn, "alpha-tunnel-remote"]
    subprocess.run(rename, env=site.engine.env, cwd=site.engine.work_dir, check=True, capture_output=True)
    site.configure({"hosts": {"alpha": site.host("alpha", {"kuma": KUMA}, ingress="local", tunnel="alpha-local")}})
    site.stack.up()
    assert site.served() == dict.fromkeys(ids, "alpha")
    assert {h: site.record_id(h) for h in ids} == ids and set(site.records().values()) == {("CNAME", "alpha-local")}
    assert site.live_tunnels() == ["alpha", "alpha-local"], "the old tunnel is kept for `cloudflared tunnel delete`"
    assert no_change(site.stack) == {}
