"""The site's record plan and move order, pure (no Pulumi): keys that survive a change of
host or type, the per-host names they had, and waits that never close a cycle."""

from __future__ import annotations

from components.cloudflare.lookup import Found, FoundTunnel, comment
from components.cloudflare.moves import moves, waits
from components.cloudflare.records import Wanted, old_urns, wanted
from tests.test_edge_mocks import resolved, seminar, with_ids


def test_a_name_with_one_record_is_keyed_by_the_name_and_remembers_every_per_host_key() -> None:
    data = with_ids(seminar("remote"))
    data["tunnel"]["dnsRecords"] = [
        {"name": "vpn.ncaq.net", "type": "A", "content": "100.64.0.1"},
        {"name": "ncaq.net", "type": "TXT", "content": "v=spf1 -all"},
        {"name": "ncaq.net", "type": "TXT", "content": "site-verification=abc"},
    ]
    plan = {w.key: w for w in wanted([resolved(data)])}
    assert plan["forgejo.ncaq.net"].route and plan["forgejo.ncaq.net"].old_keys[0] == "forgejo.ncaq.net"
    vpn = ("vpn.ncaq.net-a", "vpn.ncaq.net", "vpn.ncaq.net-aaaa", "vpn.ncaq.net-cname")
    assert plan["vpn.ncaq.net"].old_keys == vpn, "a further record may become a route, and back"
    txt = [k for k in plan if k.startswith("ncaq.net-txt-")]
    assert len(txt) == 2 and all(plan[k].old_keys == (k,) for k in txt)
    urns = old_urns(plan["forgejo.ncaq.net"], ["seminar", "storage"], "site", "nixedge")
    assert urns[0] == (
        "urn:pulumi:site::nixedge::nixedge:cloudflare:Edge$nixedge:cloudflare:DnsRecords"
        "$cloudflare:index/dnsRecord:DnsRecord::seminar-edge-dns-forgejo.ncaq.net"
    )
    assert len(urns) == 2 * 4, "each host's route and further-record names"


def route(name: str, host: str) -> Wanted:
    return Wanted(name, host, name, "example.net", "CNAME", None, True, 1, (name,))


def test_a_record_of_this_stack_pointing_at_another_hosts_tunnel_moves() -> None:
    found = {
        "a.example.net": [Found("r1", "a.example.net", "CNAME", "t-alpha.cfargotunnel.com", comment("site"))],
        "b.example.net": [Found("r2", "b.example.net", "CNAME", "t-alpha.cfargotunnel.com", comment("other"))],
    }
    tunnels = {"alpha": FoundTunnel("t-alpha", "cloudflare"), "beta": FoundTunnel("t-beta", "cloudflare")}
    moved = moves([route("a.example.net", "beta"), route("b.example.net", "beta")], found, tunnels, "site")
    assert moved == [("a.example.net", "alpha", "beta")], "another stack's record is no move of ours"


def test_a_swap_drops_one_wait_and_says_so() -> None:
    order, dropped = waits([("a", "alpha", "beta"), ("b", "beta", "alpha"), ("c", "alpha", "gamma")])
    assert order == {"alpha": ["a", "c"]}
    assert len(dropped) == 1 and "b moves from host beta to host alpha" in dropped[0]
