"""Routes (components/model/checks/routes.py): each hostname in a zone of the tunnel and in
exactly one route, to an unprivileged port and a protocol its app serves, of a
container that has an address and starts; the Universal SSL warning; and the route
facts the model computes once for the renderer and the edge (origin server name,
ingress rules in order with the catch-all last).

Each case mutates a valid site (tests/model_cases.py) and expects the exact lines of the
ConfigError report, `Hint:` lines included.
"""

from __future__ import annotations

import pytest

from components.model import site_from_data
from components.model.resolved import IngressRule
from tests.model_cases import FJ, HOMELAB, NOT_IN_ZONE, PG, R2, SEED, A, F, homelab_lines, multiservice_site, seed_lines
from tests.site_mutations import DELETE, Mutation, put, seed_site, set_key

NO_TUNNEL = "needs a tunnel to be published, but the site has no `tunnel`"
NO_ROUTE = "cannot be served: the container has network none, so no address to route to"


SEED_CASES = [
    pytest.param(
        put((f"{A}.routes[0].hostname", "Forgejo.NCAQ.net")),
        [
            (
                f"{F}.routes[0].hostname: is already routed by {A}.routes[0].hostname; "
                "a hostname has exactly one route (got: 'forgejo.ncaq.net')"
            )
        ],
        id="duplicate-hostname",
    ),
    pytest.param(
        put((f"{A}.routes[0].hostname", "cache.example.org")),
        [f"{A}.routes[0].hostname: is not in any zone of tunnel.zones (ncaq.net) (got: 'cache.example.org')"],
        id="hostname-out-of-zone",
    ),
    pytest.param(
        put((f"{A}.routes[0].hostname", "ncaq.net.evil.org")),
        [f"{A}.routes[0].hostname: is not in any zone of tunnel.zones (ncaq.net) (got: 'ncaq.net.evil.org')"],
        id="hostname-zone-as-prefix",
    ),
    pytest.param(
        put((f"{A}.routes[0].hostname", "ncaq")),
        [
            (
                f"{A}.routes[0].hostname: must be a DNS host name with at least two labels, "
                "e.g. 'forgejo.example.org' (got: 'ncaq')"
            )
        ],
        id="hostname-one-label",
    ),
    pytest.param(
        put(("tunnel", DELETE)),
        [
            f"{A}.routes[0].hostname: {NO_TUNNEL} (got: 'nix-cache.ncaq.net')",
            "  Hint: add tunnel: {name: ..., zones: [...]} or remove the route",
            f"{F}.routes[0].hostname: {NO_TUNNEL} (got: 'forgejo.ncaq.net')",
            "  Hint: add tunnel: {name: ..., zones: [...]} or remove the route",
            f"{F}.routes[1].hostname: {NO_TUNNEL} (got: 'forgejo-ssh.ncaq.net')",
            "  Hint: add tunnel: {name: ..., zones: [...]} or remove the route",
        ],
        id="routes-without-tunnel",
    ),
    pytest.param(
        put(("tunnel.zones", [{"name": "ncaq.net"}, {"name": "ncaq.net"}])),
        ["tunnel.zones[1].name: is listed twice (got: 'ncaq.net')"],
        id="zone-listed-twice",
    ),
    pytest.param(
        put((f"{A}.routes[0].port", 80)),
        [
            f"{A}.routes[0].port: is a privileged port (< 1024); services listen on 1024 or above (got: 80)",
            f"  Hint: use e.g. 8080, or set {A}.allowPrivilegedPorts: true",
        ],
        id="privileged-port",
    ),
    pytest.param(
        put((f"{A}.routes[0].port", 65536)),
        [f"{A}.routes[0].port: must be less than or equal to 65535 (got: 65536)"],
        id="port-too-large",
    ),
    pytest.param(
        put((f"{A}.routes[0].port", 0)),
        [f"{A}.routes[0].port: must be greater than or equal to 1 (got: 0)"],
        id="port-zero",
    ),
    pytest.param(
        put((f"{F}.routes[1].port", 8080)),
        [f"{F}.routes[1].port: is already used with protocol http by {F}.routes[0] (got: 8080)"],
        id="port-used-by-two-protocols",
    ),
    pytest.param(
        put(
            (
                f"{F}.routes",
                [{"hostname": "forgejo.ncaq.net", "port": 8080}, {"hostname": "git.ncaq.net", "port": 8080}],
            )
        ),
        [
            (
                f"{F}.routes[1]: app forgejo can serve only 1 http route(s); its settings follow one hostname "
                "(got: 'git.ncaq.net')"
            )
        ],
        id="forgejo-two-http-routes",
    ),
    pytest.param(
        put((f"{A}.routes[1]", {"hostname": "nix-ssh.ncaq.net", "protocol": "ssh", "port": 2222})),
        [f"{A}.routes[1].protocol: is not served by app atticd (it serves http) (got: 'ssh')"],
        id="ssh-route-on-atticd",
    ),
    pytest.param(
        put((f"{A}.routes[0].protocol", "udp")),
        [f"{A}.routes[0].protocol: must be 'http', 'https', 'ssh' or 'tcp' (got: 'udp')"],
        id="unknown-protocol",
    ),
    pytest.param(
        put((f"{A}.routes[0].hostname", "nix-cache.ncaq.net\n")),
        [
            (
                f"{A}.routes[0].hostname: must be a DNS host name with at least two labels, "
                "e.g. 'forgejo.example.org' (got: 'nix-cache.ncaq.net\\n')"
            )
        ],
        id="hostname-newline",
    ),
]


HOMELAB_CASES = [
    pytest.param(
        put((f"{R2}.network", "none"), (f"{R2}.routes", [{"hostname": "ci.example.org", "port": 8080}])),
        [f"{R2}.routes[0]: {NO_ROUTE} (got: 'ci.example.org')"],
        id="route-on-network-none",
    ),
    pytest.param(
        put((f"{PG}.routes", [{"hostname": "db.example.org", "protocol": "tcp", "port": 5432}])),
        [f"{PG}.routes[0]: {NO_ROUTE} (got: 'db.example.org')"],
        id="route-on-postgres-without-network",
    ),
    pytest.param(
        put(("origins.grafana.routes[0].hostname", "grafana.example.net")),
        [f"origins.grafana.routes[0].hostname: {NOT_IN_ZONE} (got: 'grafana.example.net')"],
        id="origin-route-out-of-zone",
    ),
    pytest.param(
        put(("origins.grafana.routes[0].port", 80)),
        [
            "origins.grafana.routes[0].port: is a privileged port (< 1024); services listen on 1024 or above (got: 80)",
            "  Hint: use e.g. 8080, or set origins.grafana.allowPrivilegedPorts: true",
        ],
        id="origin-route-privileged-port",
    ),
    pytest.param(
        put(("origins.grafana.routes[0].hostname", "git.example.org")),
        [
            (
                "origins.grafana.routes[0].hostname: is already routed by containers.forgejo.routes[0].hostname; "
                "a hostname has exactly one route (got: 'git.example.org')"
            )
        ],
        id="origin-route-hostname-taken",
    ),
    pytest.param(
        put(("origins.grafana.routes", [])),
        ["origins.grafana.routes: must have at least 1 entry (got: [])"],
        id="origin-without-routes",
    ),
    pytest.param(
        put(("origins.grafana.kind", "vm")),
        ["origins.grafana.kind: must be 'host' or 'guest' (got: 'vm')"],
        id="origin-kind",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), SEED_CASES)
def test_invalid_seed_config(mutation: Mutation, expected: list[str]) -> None:
    assert seed_lines(mutation) == expected


@pytest.mark.parametrize(("mutation", "expected"), HOMELAB_CASES)
def test_invalid_homelab_config(mutation: Mutation, expected: list[str]) -> None:
    assert homelab_lines(mutation) == expected


def test_privileged_port_allowed_with_allow_privileged_ports() -> None:
    data = seed_site()
    set_key(data, f"{A}.routes[0].port", 80)
    set_key(data, f"{A}.allowPrivilegedPorts", True)
    site = site_from_data(data, SEED)
    assert site.container("atticd").routes[0].service == "http://192.168.100.21:80"


def test_proxied_hostname_two_levels_below_the_zone_warns() -> None:
    data = multiservice_site()
    set_key(data, f"{FJ}.routes[0].hostname", "git.lab.example.org")
    set_key(data, "origins.grafana.routes[0].hostname", "grafana.lab.example.org")
    set_key(data, "tunnel.dnsRecords[1]", {"name": "a.lab.example.org", "type": "A", "content": "203.0.113.8"})
    set_key(
        data,
        "tunnel.dnsRecords[2]",
        {"name": "b.lab.example.org", "type": "A", "content": "203.0.113.9", "proxied": True},
    )
    site = site_from_data(data, HOMELAB)
    assert site.warnings == (
        (
            f"{FJ}.routes[0].hostname: git.lab.example.org is more than one level below zone example.org; "
            "Cloudflare's free Universal SSL certificate covers only *.example.org"
        ),
        (
            "origins.grafana.routes[0].hostname: grafana.lab.example.org is more than one level below zone "
            "example.org; Cloudflare's free Universal SSL certificate covers only *.example.org"
        ),
        # The unproxied a.lab.example.org gets no warning: Cloudflare serves no certificate for it.
        (
            "tunnel.dnsRecords[2].name: b.lab.example.org is more than one level below zone example.org; "
            "Cloudflare's free Universal SSL certificate covers only *.example.org"
        ),
    )
    assert [r.hostname for r in site.routes] == ["git.lab.example.org", "grafana.lab.example.org", "home.example.org"]


def test_a_route_to_a_container_that_does_not_start_is_refused() -> None:
    lines = homelab_lines(put(("containers.forgejo.autoStart", False)))
    assert lines[0] == (
        "containers.forgejo.routes[0]: would point at a container that does not start: autoStart is false "
        "(got: 'git.example.org')"
    ), lines


# -- route facts computed once, for the renderer and the edge --------------------------


def test_an_https_origin_is_checked_against_its_public_hostname() -> None:
    data = multiservice_site()
    set_key(data, f"{FJ}.routes[0].protocol", "https")
    set_key(data, f"{FJ}.routes[1]", {"hostname": "git-ssh.example.org", "protocol": "ssh", "port": 2222})
    routes = {r.hostname: r for r in site_from_data(data, HOMELAB).routes}
    assert {h: r.origin_server_name for h, r in routes.items()} == {
        "git.example.org": "git.example.org",
        "git-ssh.example.org": None,
        "grafana.example.org": None,
        "home.example.org": None,
    }


def test_ingress_rules_are_in_hostname_order_with_the_catch_all_last() -> None:
    data = multiservice_site()
    set_key(data, "tunnel.catchAll", "https://fallback.example.org")
    set_key(data, "origins.grafana.routes[0].protocol", "https")
    assert site_from_data(data, HOMELAB).ingress == (
        IngressRule("http://10.40.0.11:8080", "git.example.org"),
        IngressRule("https://127.0.0.1:3000", "grafana.example.org", "grafana.example.org"),
        IngressRule("http://10.40.0.50:8123", "home.example.org"),
        IngressRule("https://fallback.example.org"),
    )


def test_a_site_without_tunnel_has_no_ingress_rules() -> None:
    data = seed_site()
    set_key(data, "tunnel", DELETE)
    for name in ("atticd", "forgejo"):
        set_key(data, f"containers.{name}.routes", [])
    site = site_from_data(data, SEED)
    assert (site.routes, site.ingress) == ((), ())


def test_a_name_outside_the_zones_reads_the_same_for_routes_and_records() -> None:
    """One fact, one message: the zone check of a route and of a DNS record is the same."""
    lines = homelab_lines(
        put((f"{FJ}.routes[0].hostname", "git.example.net"), ("tunnel.dnsRecords[0].name", "vpn.example.net"))
    )
    assert lines == [
        f"{FJ}.routes[0].hostname: {NOT_IN_ZONE} (got: 'git.example.net')",
        f"tunnel.dnsRecords[0].name: {NOT_IN_ZONE} (got: 'vpn.example.net')",
    ]
