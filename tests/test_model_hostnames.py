"""What the edge publishes is what the stack says: hostnames in ASCII (a non-ASCII name
is refused with its IDNA form, since lower-casing U+212A KELVIN SIGN gave an ASCII k
without a word), dnsImports ids that are Cloudflare ids, a catch-all URL whose port is
a port (components/model/types.py, checks/dns.py).

Each case mutates a valid site (tests/model_cases.py) and expects the exact report.
"""

from __future__ import annotations

import pytest

from components.model import site_from_data
from tests.model_cases import SEED, A, Lines, case, err, homelab_lines, seed_lines
from tests.site_mutations import Mutation, put, seed_site, set_key

seed = seed_lines
homelab = homelab_lines
RECORD_ID = "must be <record id> or <zone id>/<record id>, each 32 lowercase hex characters"
RECORD_ID_HINT = "the API lists a record's id: GET /zones/<zone id>/dns_records?name=<name>"
CATCH_ALL_PORT = "must have a port from 1 to 65535, or none; cloudflared refuses it at start"

CASES = [
    case(
        "catch-all-port-99999",
        seed,
        put(("tunnel.catchAll", "http://localhost:99999")),
        *err(
            "tunnel.catchAll",
            "must have a port from 1 to 65535, or none; cloudflared refuses it at start",
            "http://localhost:99999",
        ),
    ),
    case(
        "catch-all-port-0",
        seed,
        put(("tunnel.catchAll", "http://localhost:0")),
        *err(
            "tunnel.catchAll",
            "must have a port from 1 to 65535, or none; cloudflared refuses it at start",
            "http://localhost:0",
        ),
    ),
    case(
        "catch-all-port-65536",
        seed,
        put(("tunnel.catchAll", "https://fallback.ncaq.net:65536/")),
        *err(
            "tunnel.catchAll",
            "must have a port from 1 to 65535, or none; cloudflared refuses it at start",
            "https://fallback.ncaq.net:65536/",
        ),
    ),
    case(
        "catch-all-ipv6-port-70000",
        seed,
        put(("tunnel.catchAll", "http://[::1]:70000")),
        *err(
            "tunnel.catchAll",
            "must have a port from 1 to 65535, or none; cloudflared refuses it at start",
            "http://[::1]:70000",
        ),
    ),
    case(
        "catch-all-port-not-a-number",
        seed,
        put(("tunnel.catchAll", "http://localhost:http")),
        *err(
            "tunnel.catchAll",
            "must have a port from 1 to 65535, or none; cloudflared refuses it at start",
            "http://localhost:http",
        ),
    ),
    case(
        "dns-import-short",
        seed,
        put(("tunnel.dnsImports", {"forgejo.ncaq.net": "abc"})),
        *err(
            "tunnel.dnsImports['forgejo.ncaq.net']",
            "must be <record id> or <zone id>/<record id>, each 32 lowercase hex characters",
            "abc",
            "the API lists a record's id: GET /zones/<zone id>/dns_records?name=<name>",
        ),
    ),
    case(
        "dns-import-31-hex",
        seed,
        put(("tunnel.dnsImports", {"forgejo.ncaq.net": "0" * 31})),
        *err(
            "tunnel.dnsImports['forgejo.ncaq.net']",
            "must be <record id> or <zone id>/<record id>, each 32 lowercase hex characters",
            "0000000000000000000000000000000",
            "the API lists a record's id: GET /zones/<zone id>/dns_records?name=<name>",
        ),
    ),
    case(
        "dns-import-33-hex",
        seed,
        put(("tunnel.dnsImports", {"forgejo.ncaq.net": "0" * 33})),
        *err(
            "tunnel.dnsImports['forgejo.ncaq.net']",
            "must be <record id> or <zone id>/<record id>, each 32 lowercase hex characters",
            "000000000000000000000000000000000",
            "the API lists a record's id: GET /zones/<zone id>/dns_records?name=<name>",
        ),
    ),
    case(
        "dns-import-uppercase",
        seed,
        put(("tunnel.dnsImports", {"forgejo.ncaq.net": "A" * 32})),
        *err(
            "tunnel.dnsImports['forgejo.ncaq.net']",
            "must be <record id> or <zone id>/<record id>, each 32 lowercase hex characters",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "the API lists a record's id: GET /zones/<zone id>/dns_records?name=<name>",
        ),
    ),
    case(
        "dns-import-bad-zone",
        seed,
        put(("tunnel.dnsImports", {"forgejo.ncaq.net": "zone/" + "a" * 32})),
        *err(
            "tunnel.dnsImports['forgejo.ncaq.net']",
            "must be <record id> or <zone id>/<record id>, each 32 lowercase hex characters",
            "zone/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "the API lists a record's id: GET /zones/<zone id>/dns_records?name=<name>",
        ),
    ),
    case(
        "dns-import-three-parts",
        seed,
        put(("tunnel.dnsImports", {"forgejo.ncaq.net": "/".join(["a" * 32] * 3)})),
        *err(
            "tunnel.dnsImports['forgejo.ncaq.net']",
            "must be <record id> or <zone id>/<record id>, each 32 lowercase hex characters",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "the API lists a record's id: GET /zones/<zone id>/dns_records?name=<name>",
        ),
    ),
    case(
        "dns-import-uuid",
        seed,
        put(("tunnel.dnsImports", {"forgejo.ncaq.net": "6f1c7a52-3b0e-4f7e-9d59-2a1f3c4b5d6e"})),
        *err(
            "tunnel.dnsImports['forgejo.ncaq.net']",
            "must be <record id> or <zone id>/<record id>, each 32 lowercase hex characters",
            "6f1c7a52-3b0e-4f7e-9d59-2a1f3c4b5d6e",
            "the API lists a record's id: GET /zones/<zone id>/dns_records?name=<name>",
        ),
    ),
    case(
        "dns-import-empty",
        seed,
        put(("tunnel.dnsImports", {"forgejo.ncaq.net": ""})),
        *err(
            "tunnel.dnsImports['forgejo.ncaq.net']",
            "must be <record id> or <zone id>/<record id>, each 32 lowercase hex characters",
            "",
            "the API lists a record's id: GET /zones/<zone id>/dns_records?name=<name>",
        ),
    ),
    case(
        "hostname-kelvin-sign",
        seed,
        put((f"{A}.routes[0].hostname", "\u212aey.ncaq.net")),
        *err(
            f"{A}.routes[0].hostname",
            "is not ASCII; its IDNA (ASCII) form is 'key.ncaq.net': write that, which is what DNS holds",
            "Key.ncaq.net",
        ),
    ),
    case(
        "hostname-umlaut",
        seed,
        put((f"{A}.routes[0].hostname", "b\u00fccher.ncaq.net")),
        *err(
            f"{A}.routes[0].hostname",
            ("is not ASCII; its IDNA (ASCII) form is 'xn--bcher-kva.ncaq.net': write that, which is what DNS holds"),
            "bücher.ncaq.net",
        ),
    ),
    case(
        "hostname-fullwidth",
        seed,
        put((f"{A}.routes[0].hostname", "\uff46\uff4f\uff52\uff47\uff45.ncaq.net")),
        *err(
            f"{A}.routes[0].hostname",
            "is not ASCII; its IDNA (ASCII) form is 'forge.ncaq.net': write that, which is what DNS holds",
            "ｆｏｒｇｅ.ncaq.net",
        ),
    ),
    case(
        "hostname-cyrillic-a",
        seed,
        put((f"{A}.routes[0].hostname", "nix-c\u0430che.ncaq.net")),
        *err(
            f"{A}.routes[0].hostname",
            ("is not ASCII; its IDNA (ASCII) form is 'xn--nix-cche-56g.ncaq.net': write that, which is what DNS holds"),
            "nix-cаche.ncaq.net",
        ),
    ),
    case(
        "hostname-zero-width-joiner",
        seed,
        put((f"{A}.routes[0].hostname", "nix\u200d-cache.ncaq.net")),
        *err(
            f"{A}.routes[0].hostname",
            "is not ASCII; its IDNA (ASCII) form is 'nix-cache.ncaq.net': write that, which is what DNS holds",
            "nix\u200d-cache.ncaq.net",
        ),
    ),
    case(
        "hostname-long-s",
        seed,
        put((f"{A}.routes[0].hostname", "\u017fsh.ncaq.net")),
        *err(
            f"{A}.routes[0].hostname",
            "is not ASCII; its IDNA (ASCII) form is 'ssh.ncaq.net': write that, which is what DNS holds",
            "ſsh.ncaq.net",
        ),
    ),
    case(
        "zone-non-ascii",
        seed,
        put(("tunnel.zones[0].name", "ncaq.n\u0435t")),
        *err(
            "tunnel.zones[0].name",
            "is not ASCII; its IDNA (ASCII) form is 'ncaq.xn--nt-nlc': write that, which is what DNS holds",
            "ncaq.nеt",
        ),
    ),
    case(
        "dns-record-non-ascii",
        homelab,
        put(("tunnel.dnsRecords[0].name", "vpn.ex\u0430mple.org")),
        *err(
            "tunnel.dnsRecords[0].name",
            ("is not ASCII; its IDNA (ASCII) form is 'vpn.xn--exmple-4nf.org': write that, which is what DNS holds"),
            "vpn.exаmple.org",
        ),
    ),
    case(
        "dns-import-key-non-ascii",
        seed,
        put(("tunnel.dnsImports", {"\u212a.ncaq.net": "a" * 32})),
        *err(
            "tunnel.dnsImports['K.ncaq.net']",
            "is not ASCII; its IDNA (ASCII) form is 'k.ncaq.net': write that, which is what DNS holds",
            "K.ncaq.net",
        ),
    ),
    case(
        "hostname-unencodable",
        seed,
        put((f"{A}.routes[0].hostname", "a\udcff.ncaq.net")),
        *err(
            f"{A}.routes[0].hostname",
            "must be ASCII: a DNS host name such as 'forgejo.example.org'",
            "a\udcff.ncaq.net",
        ),
    ),
]


@pytest.mark.parametrize(("lines", "mutation", "expected"), CASES)
def test_invalid_published_value(lines: Lines, mutation: Mutation, expected: list[str]) -> None:
    assert lines(mutation) == expected


def test_cases_are_distinct() -> None:
    ids = [p.id for p in CASES]
    assert len(ids) == len(set(ids)) >= 20


@pytest.mark.parametrize("catch_all", ["http://localhost:8080", "https://fallback.ncaq.net/", "http://[::1]:65535"])
def test_catch_all_urls_with_a_port_or_none(catch_all: str) -> None:
    data = seed_site()
    set_key(data, "tunnel.catchAll", catch_all)
    tunnel = site_from_data(data, SEED).tunnel
    assert tunnel is not None and tunnel.catch_all == catch_all


@pytest.mark.parametrize("record_id", ["0123456789abcdef0123456789abcdef", "a" * 32 + "/" + "b" * 32])
def test_dns_import_ids(record_id: str) -> None:
    data = seed_site()
    set_key(data, "tunnel.dnsImports", {"forgejo.ncaq.net": record_id})
    tunnel = site_from_data(data, SEED).tunnel
    assert tunnel is not None and tunnel.dns_imports == (("forgejo.ncaq.net", record_id),)


def test_upper_case_ascii_is_still_read_as_its_lower_case() -> None:
    """DNS names are case-insensitive in ASCII; only non-ASCII letters may turn into others."""
    data = seed_site()
    set_key(data, f"{A}.routes[0].hostname", "Nix-Cache.NCAQ.net")
    route = site_from_data(data, SEED).container("atticd").routes[0]
    assert route.hostname == "nix-cache.ncaq.net"
