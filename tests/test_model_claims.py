"""Origin checks and claims (components/model/claims.py), computed from resolved sites,
and their wire form (components/host/wire.py), which deployed states hold and which
must therefore stay as it is.
"""

from __future__ import annotations

import pytest

from components.host.wire import check_to_props, checks_from_props, claim_key, claims_from_props, claims_to_props
from components.model.claims import Claim, OriginCheck, claims, container_claims, origin_checks
from components.stackfile import load_stack


def test_one_origin_check_per_container_and_port() -> None:
    assert origin_checks(load_stack("dev")) == (
        OriginCheck("forgejo", "10.231.0.11", 2222, ("containers/forgejo.nix",)),
        OriginCheck("forgejo", "10.231.0.11", 3000, ("containers/forgejo.nix",)),
        OriginCheck("uptime", "10.231.0.253", 3001, ("containers/uptime.nix",)),
    )


def test_a_container_without_routes_has_no_check() -> None:
    checked = {c.container for c in origin_checks(load_stack("homelab"))}
    assert checked == {"atticd", "forgejo", "garage", "uptime", "vault"}  # not postgres, runners, vpn


def test_origin_check_wire_form_is_the_deployed_one() -> None:
    check = OriginCheck("forgejo", "10.231.0.11", 3000, ("containers/forgejo.nix",))
    assert check_to_props(check) == {
        "container": "forgejo", "address": "10.231.0.11", "port": 3000, "files": ["containers/forgejo.nix"],
    }  # fmt: skip
    # Retry settings travel only when set, so states written without them see no diff.
    quick = OriginCheck("forgejo", "127.0.0.1", 80, (), attempts=2, interval=0.1, timeout=1.0)
    assert check_to_props(quick) == {"container": "forgejo", "address": "127.0.0.1", "port": 80, "files": [],
                                "attempts": 2, "interval": 0.1, "timeout": 1.0}  # fmt: skip


@pytest.mark.parametrize("stack", ["dev", "seminar", "homelab"])
def test_origin_checks_survive_the_wire(stack: str) -> None:
    checks = origin_checks(load_stack(stack))
    assert checks_from_props([check_to_props(c) for c in checks]) == checks


def test_an_old_check_without_a_container_names_its_address() -> None:
    (check,) = checks_from_props([{"address": "10.0.0.2", "port": 80.0, "files": ["a.nix"]}])
    assert check == OriginCheck("10.0.0.2", "10.0.0.2", 80, ("a.nix",))


def test_a_container_claims_its_ids_addresses_and_writable_data() -> None:
    forgejo = next(c for c in load_stack("dev").containers if c.name == "forgejo")
    assert container_claims(forgejo) == (
        Claim("uid", "991", "forgejo"),
        Claim("user", "forgejo", "991"),
        Claim("gid", "986", "forgejo"),
        Claim("group", "forgejo", "986"),
        Claim("address", "10.231.0.10", "forgejo"),
        Claim("address", "10.231.0.11", "forgejo"),
        # Its state directory, also a writable mount: one claim. /run/postgresql is read-only.
        Claim("path", "/var/lib/forgejo", "forgejo"),
    )


def test_forwarded_host_ports_are_claimed_and_host_network_claims_no_address() -> None:
    site = claims(load_stack("homelab"))
    assert Claim("hostPort", "udp/51820", "vpn") in site["containers/vpn.nix"]
    assert not [c for c in site["containers/postgres.nix"] if c.kind == "address"]


def test_claim_wire_form_is_the_deployed_one() -> None:
    wire = claims_to_props(claims(load_stack("dev")))
    assert wire["containers/uptime.nix"] == {
        "uid 2001": "uptime-kuma",
        "user uptime-kuma": "2001",
        "gid 2001": "uptime-kuma",
        "group uptime-kuma": "2001",
        "address 10.231.0.252": "uptime",
        "address 10.231.0.253": "uptime",
        "path /var/lib/uptime-kuma": "uptime",
    }
    assert claims_from_props(wire) == claims(load_stack("dev"))


def test_a_claim_conflicts_only_with_another_holder_of_the_same_thing() -> None:
    mine = Claim("address", "10.0.0.2", "forgejo")
    assert (mine.thing, claim_key(mine)) == (("address", "10.0.0.2"), "address 10.0.0.2")
    assert mine.conflicts(Claim("address", "10.0.0.2", "git"))
    assert not mine.conflicts(Claim("address", "10.0.0.2", "forgejo"))
    assert not mine.conflicts(Claim("address", "10.0.0.3", "git"))
    # A key without a kind reads back as it was written, as a thing of kind "".
    assert claims_from_props({"a.nix": {"odd": "x"}}) == {"a.nix": (Claim("", "odd", "x"),)}
    assert claims_to_props(claims_from_props({"a.nix": {"odd": "x"}})) == {"a.nix": {"odd": "x"}}
