"""A site of several hosts (components/model/hosts.py, checks/across_hosts.py): today's
one-host shape resolves as before; under `hosts:` each host resolves exactly as its own
one-host stack (same resolved site, same render), address plans and user ids may repeat
across hosts, `host.name` comes from the key; and what only the whole site shows is
refused with the exact key: a hostname routed by two hosts, a zone with two ids, a
shared tunnel name or id, a shared target, keys beside `hosts`, an error inside a host.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.errors import ConfigError
from components.model import site_from_data
from components.model.hosts import hosts_from_data
from components.nixos.render import render
from components.stackfile import read_stack_file, stack_path

ZONE_ID = "c3" * 16


def seminar() -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(read_stack_file(stack_path("seminar")))
    data["tunnel"]["accountId"] = "a1" * 16
    data["tunnel"]["zones"][0]["zoneId"] = ZONE_ID
    return data


def storage() -> dict[str, Any]:
    """A second host whose addresses and user ids repeat seminar's."""
    data = seminar()
    data["host"] = {"target": {"transport": "ssh", "destination": "root@storage"}}
    data["tunnel"]["name"] = "storage"
    data["containers"] = {"files": copy.deepcopy(data["containers"]["forgejo"])}
    data["containers"]["files"]["routes"] = [{"hostname": "files.ncaq.net", "port": 8080}]
    data["containers"]["files"].pop("wrapper")
    return data


def site() -> dict[str, Any]:
    return {"hosts": {"seminar": seminar(), "storage": storage()}}


def errors(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        hosts_from_data(data, "site.yaml")
    report = str(info.value).splitlines()
    assert report[-1] == "site.yaml is invalid; nothing was changed."
    return [line.strip() for line in report[1:-1]]


def test_the_one_host_shape_resolves_as_before() -> None:
    hosts = hosts_from_data(seminar())
    assert not hosts.site
    assert hosts.hosts == (site_from_data(seminar()),)


def test_each_host_of_a_site_resolves_and_renders_as_its_own_stack() -> None:
    hosts = hosts_from_data(site())
    assert hosts.site and hosts.names == ("seminar", "storage")
    alone = storage()
    alone["host"]["name"] = "storage"
    assert hosts.hosts[0] == site_from_data(seminar())
    assert hosts.hosts[1] == site_from_data(alone)
    assert render(hosts.hosts[1]) == render(site_from_data(alone))
    # Per host: the same addresses and ids on both hosts are fine.
    assert hosts.hosts[0].container("forgejo").local_address == hosts.hosts[1].container("files").local_address


def test_a_hostname_is_routed_once_in_the_site() -> None:
    data = site()
    data["hosts"]["storage"]["containers"]["files"]["routes"][0]["hostname"] = "forgejo.ncaq.net"
    assert errors(data) == [
        (
            "hosts.storage.containers.files.routes[0].hostname: is routed by host seminar too "
            "(hosts.seminar.containers.forgejo.routes[0]): a hostname is routed once in the site "
            "(got: 'forgejo.ncaq.net')"
        ),
        "Hint: keep the route on the host whose container serves it",
    ]


def test_a_zone_has_one_id_in_the_site() -> None:
    data = site()
    data["hosts"]["storage"]["tunnel"]["zones"][0]["zoneId"] = "d4" * 16
    assert errors(data) == [
        (
            f"hosts.storage.tunnel.zones[0].zoneId: differs from host seminar's id of zone ncaq.net ({ZONE_ID}): "
            f"a zone has one id (got: '{'d4' * 16}')"
        )
    ]


def test_each_host_runs_its_own_tunnel() -> None:
    data = site()
    data["hosts"]["storage"]["tunnel"]["name"] = "seminar"
    tunnel_id = "0c3f5e7a-1b2d-4c6e-8f90-a1b2c3d4e5f6"
    for host in data["hosts"].values():
        host["tunnel"]["tunnelId"] = tunnel_id
    why = "each host runs its own tunnel, which reaches only that host's containers"
    assert errors(data) == [
        f"hosts.storage.tunnel.name: is host seminar's tunnel name too: {why} (got: 'seminar')",
        "Hint: name it after the host, e.g. storage",
        f"hosts.storage.tunnel.tunnelId: is host seminar's tunnel too: {why} (got: '{tunnel_id}')",
    ]


def test_two_hosts_cannot_share_a_target() -> None:
    data = site()
    data["hosts"]["storage"]["host"]["target"]["destination"] = "root@seminar"
    (line,) = errors(data)
    assert line.startswith(
        "hosts.storage.host.target: is host seminar's target too (ssh://seminar:22/etc/nixos/nixedge): "
        "the two hosts would overwrite each other's modules"
    ), line


def test_errors_inside_a_host_name_the_host() -> None:
    data = site()
    data["hosts"]["storage"]["network"]["subnet"] = "10.0.0.0/33"
    data["hosts"]["seminar"]["host"]["name"] = "other"
    data["tunnel"] = {"name": "x"}
    lines = errors(data)
    assert lines[:2] == ["tunnel: is not a known key beside hosts", "Hint: move it under hosts.<name>"]
    assert lines[2:4] == [
        "hosts.seminar.host.name: must be the name the host is listed under (seminar) (got: 'other')",
        "Hint: leave host.name out inside a site: the key under hosts names the host",
    ]
    assert len(lines) == 5 and lines[4].startswith("hosts.storage.network.subnet: "), lines


def test_hosts_must_be_a_mapping_of_sites() -> None:
    assert errors({"hosts": []}) == ["hosts: must be a mapping of host name -> that host's site (got: [])"]
    assert errors({"hosts": {"a": 1}}) == [
        "hosts.a: must be a mapping with host, network and containers, like a one-host site (got: 1)"
    ]


def test_warnings_name_their_host() -> None:
    data = site()
    data["hosts"]["storage"]["containers"]["files"]["routes"][0]["hostname"] = "a.b.ncaq.net"
    warnings = hosts_from_data(data).warnings
    assert warnings and all(w.startswith("hosts.storage.containers.files.routes[0]") for w in warnings), warnings
