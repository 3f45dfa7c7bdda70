"""The model's existing rules hold exactly at their boundaries.

Each rule here had a hand-made bug that no other test caught:

- a hostname belongs to a zone only at a label boundary: `evilncaq.net` ends with
  `ncaq.net` but is not in zone `ncaq.net`, for container routes, routes to origins
  that are not containers, and `tunnel.dnsRecords`; of two zones where one name ends
  with the other, a hostname goes to the zone it is really in;
- the privileged-port rule refuses 1023 and accepts 1024 (containers and origins), and
  `allowPrivilegedPorts` lifts it;
- two containers that share a user must agree on every part of it: a gid alone that
  differs is refused, with one message naming that key.

Each case starts from the seed's valid site (tests.site_mutations.seed_site).
"""

from __future__ import annotations

from typing import Any

import pytest

from components.model import site_from_data
from tests import site_mutations
from tests.site_mutations import Mutation, put, seed_site

SOURCE = "seminar.yaml"
F = "containers.forgejo"
NOT_IN_ZONE = "is not in any zone of tunnel.zones (ncaq.net)"
PRIVILEGED = "is a privileged port (< 1024); services listen on 1024 or above"


def report_lines(mutation: Mutation) -> list[str]:
    return site_mutations.report_lines(seed_site, mutation, SOURCE)


def with_origin(port: int, hostname: str = "grafana.ncaq.net", **extra: Any) -> Mutation:
    """The seed plus a host service published through the tunnel."""
    origin = {"kind": "host", "address": "127.0.0.1", "routes": [{"hostname": hostname, "port": port}], **extra}
    return put(("origins", {"grafana": origin}))


def with_record(name: str) -> Mutation:
    return put(("tunnel.dnsRecords", [{"name": name, "type": "A", "content": "203.0.113.7"}]))


def all_of(*mutations: Mutation) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(data)

    return mutate


def resolved(mutation: Mutation) -> Any:
    data = seed_site()
    mutation(data)
    return site_from_data(data, SOURCE)


# -- zones: a suffix counts only at a label boundary ----------------------------------


@pytest.mark.parametrize("hostname", ["evilncaq.net", "forgejo.evilncaq.net", "xncaq.net"])
def test_container_route_outside_zone_at_label_boundary_is_refused(hostname: str) -> None:
    assert report_lines(put((f"{F}.routes[0].hostname", hostname))) == [
        f"{F}.routes[0].hostname: {NOT_IN_ZONE} (got: {hostname!r})"
    ]


def test_origin_route_outside_zone_at_label_boundary_is_refused() -> None:
    assert report_lines(with_origin(3000, "evilncaq.net")) == [
        f"origins.grafana.routes[0].hostname: {NOT_IN_ZONE} (got: 'evilncaq.net')"
    ]


@pytest.mark.parametrize("name", ["evilncaq.net", "vpn.evilncaq.net"])
def test_dns_record_outside_zone_at_label_boundary_is_refused(name: str) -> None:
    assert report_lines(with_record(name)) == [f"tunnel.dnsRecords[0].name: {NOT_IN_ZONE} (got: {name!r})"]


@pytest.mark.parametrize("name", ["ncaq.net", "vpn.ncaq.net"])
def test_dns_record_inside_zone_is_accepted(name: str) -> None:
    tunnel = resolved(with_record(name)).tunnel
    assert tunnel is not None
    assert [(r.name, r.zone) for r in tunnel.dns_records] == [(name, "ncaq.net")]


def test_hostname_goes_to_the_zone_it_is_in_when_one_zone_name_ends_with_another() -> None:
    """Zones `ncaq.net` and `evilncaq.net`: `git.evilncaq.net` is in the second only."""
    site = resolved(
        all_of(
            put(("tunnel.zones", [{"name": "ncaq.net"}, {"name": "evilncaq.net"}])),
            put((f"{F}.routes[0].hostname", "git.evilncaq.net")),
            with_record("vpn.evilncaq.net"),
        )
    )
    assert site.tunnel is not None
    zones = {r.hostname: r.zone for r in site.routes}
    assert zones == {
        "git.evilncaq.net": "evilncaq.net",
        "forgejo-ssh.ncaq.net": "ncaq.net",
        "nix-cache.ncaq.net": "ncaq.net",
    }
    assert [(r.name, r.zone) for r in site.tunnel.dns_records] == [("vpn.evilncaq.net", "evilncaq.net")]


# -- privileged ports: 1023 refused, 1024 accepted -------------------------------------


def test_container_route_on_port_1023_is_refused() -> None:
    assert report_lines(put((f"{F}.routes[0].port", 1023))) == [
        f"{F}.routes[0].port: {PRIVILEGED} (got: 1023)",
        f"  Hint: use e.g. 8080, or set {F}.allowPrivilegedPorts: true",
    ]


def test_origin_route_on_port_1023_is_refused() -> None:
    assert report_lines(with_origin(1023)) == [
        f"origins.grafana.routes[0].port: {PRIVILEGED} (got: 1023)",
        "  Hint: use e.g. 8080, or set origins.grafana.allowPrivilegedPorts: true",
    ]


def test_port_1024_is_accepted_for_containers_and_origins() -> None:
    site = resolved(all_of(put((f"{F}.routes[0].port", 1024)), with_origin(1024)))
    ports = {r.hostname: r.port for r in site.routes}
    assert ports["forgejo.ncaq.net"] == 1024
    assert ports["grafana.ncaq.net"] == 1024


def test_allow_privileged_ports_accepts_1023() -> None:
    site = resolved(
        all_of(
            put((f"{F}.routes[0].port", 1023), (f"{F}.allowPrivilegedPorts", True)),
            with_origin(1023, allowPrivilegedPorts=True),
        )
    )
    ports = {r.hostname: r.port for r in site.routes}
    assert (ports["forgejo.ncaq.net"], ports["grafana.ncaq.net"]) == (1023, 1023)


# -- shared users ---------------------------------------------------------------------


def runner(gid: int) -> dict[str, Any]:
    return {
        "app": "generic",
        "user": {"name": "runner", "uid": 3000, "gid": gid, "shared": True},
        "stateVersion": "25.05",
    }


def test_shared_users_that_differ_only_in_gid_are_refused() -> None:
    mutation = put(("containers.runner1", runner(3000)), ("containers.runner2", runner(3001)))
    message = (
        "containers.runner2.user.gid: differs from containers.runner1.user.gid (3000), which shares user "
        "runner; a shared user has the same uid, gid and group in every container (got: 3001)"
    )
    assert report_lines(mutation) == [message]


def test_shared_users_that_agree_are_accepted() -> None:
    site = resolved(put(("containers.runner1", runner(3000)), ("containers.runner2", runner(3000))))
    users = {c.name: (c.user.name, c.user.uid, c.user.gid) for c in site.containers if c.name.startswith("runner")}
    assert users == {"runner1": ("runner", 3000, 3000), "runner2": ("runner", 3000, 3000)}
