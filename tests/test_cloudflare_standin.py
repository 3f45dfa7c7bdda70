"""The stand-in Cloudflare account's rules alone (no engine): each refusal the lifecycle
tests rely on, with Cloudflare's code."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cloudflare_plugin_standin import account, resources
from tests.cloudflare_plugin_standin.account import CloudflareError

ZONE = "c3" * 16


def record(name: str, kind: str, content: str) -> dict[str, Any]:
    return {"zoneId": ZONE, "name": name, "type": kind, "content": content, "proxied": False, "ttl": 1.0}


def fresh() -> dict[str, Any]:
    return account.empty({"example.net": ZONE}, "a1" * 16)


@pytest.mark.parametrize(
    ("first", "second", "code"),
    [
        (("A", "192.0.2.1"), ("CNAME", "x.example.org"), 81053),
        (("CNAME", "x.example.org"), ("CNAME", "y.example.org"), 81053),
        (("CNAME", "x.example.org"), ("AAAA", "2001:db8::1"), 81054),
        (("TXT", "v=spf1 -all"), ("TXT", "v=spf1 -all"), 81058),
    ],
)
def test_a_record_beside_a_conflicting_one_is_refused(
    first: tuple[str, str], second: tuple[str, str], code: int
) -> None:
    state = fresh()
    account.create_record(state, record("a.example.net", *first))
    with pytest.raises(CloudflareError) as err:
        account.create_record(state, record("a.example.net", *second))
    assert err.value.code == code
    assert len(state["records"]) == 1


def test_records_that_may_share_a_name_are_created() -> None:
    state = fresh()
    account.create_record(state, record("a.example.net", "A", "192.0.2.1"))
    account.create_record(state, record("a.example.net", "A", "192.0.2.2"))
    account.create_record(state, record("a.example.net", "TXT", "hello"))
    assert len(state["records"]) == 3


def test_an_update_in_place_keeps_the_id_and_checks_the_others() -> None:
    state = fresh()
    rid = account.create_record(state, record("a.example.net", "CNAME", "x.example.org"))
    account.update_record(state, rid, record("a.example.net", "CNAME", "y.example.org"))
    assert list(state["records"]) == [rid]
    account.create_record(state, record("b.example.net", "A", "192.0.2.1"))
    with pytest.raises(CloudflareError, match="81053"):
        account.update_record(state, rid, record("b.example.net", "CNAME", "y.example.org"))


def test_a_second_live_tunnel_of_a_name_is_refused_and_a_deleted_ones_name_is_free() -> None:
    state = fresh()
    tid = account.create_tunnel(state, "a1" * 16, "alpha", "cloudflare")
    with pytest.raises(CloudflareError) as err:
        account.create_tunnel(state, "a1" * 16, "alpha", "local")
    assert err.value.status == 409
    account.delete_tunnel(state, tid)
    assert account.create_tunnel(state, "a1" * 16, "alpha", "local") != tid


def test_a_tunnel_a_host_runs_cannot_be_deleted() -> None:
    state = fresh()
    tid = account.create_tunnel(state, "a1" * 16, "alpha", "local")
    state["hosts"]["alpha"] = {"tunnel": tid, "rules": []}
    with pytest.raises(CloudflareError) as err:
        account.delete_tunnel(state, tid)
    assert err.value.code == 1022 and not state["tunnels"][tid].get("deleted")


def test_deleting_a_tunnel_configuration_leaves_it_at_cloudflare() -> None:
    state = fresh()
    tid = account.create_tunnel(state, "a1" * 16, "alpha", "cloudflare")
    account.put_config(state, tid, {"ingresses": [{"hostname": "a.example.net", "service": "http://10.0.0.1:80"}]})
    resources.delete(state, resources.CONFIG, tid)
    assert state["configs"][tid]["ingresses"][0]["hostname"] == "a.example.net"


def test_zone_and_type_replace_a_record_the_rest_updates_it() -> None:
    assert resources.KINDS[resources.DNS].replaces == ("zoneId", "type")
    dns = resources.KINDS[resources.DNS]
    assert {"name", "content"} <= set(dns.inputs) - set(dns.replaces)
