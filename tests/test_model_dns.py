"""The tunnel's DNS (components/model/checks/dns.py): further records in a zone, content
that fits their type, TTLs Cloudflare takes, no repeats, no record beside a CNAME or on a
routed hostname; imports only of routed hostnames; the catch-all; and the placeholder
ids that refuse publishing but not `check`.

Each case mutates a valid site (tests/model_cases.py) and expects the exact lines of the
ConfigError report, `Hint:` lines included.
"""

from __future__ import annotations

from typing import Any

import pytest

from components.model import site_from_data
from components.stackfile import load_stack
from tests.model_cases import FJ, HOMELAB, NOT_IN_ZONE, REC, homelab_lines, multiservice_site
from tests.site_mutations import Mutation, put, set_key

HOMELAB_CASES = [
    pytest.param(
        put((f"{REC}.name", "vpn.example.net")),
        [f"{REC}.name: {NOT_IN_ZONE} (got: 'vpn.example.net')"],
        id="dns-record-out-of-zone",
    ),
    pytest.param(
        put((f"{REC}.content", "2001:db8::7")),
        [f"{REC}.content: must be an IPv4 address for a record of type A (got: '2001:db8::7')"],
        id="dns-a-not-ipv4",
    ),
    pytest.param(
        put((f"{REC}.type", "AAAA")),
        [f"{REC}.content: must be an IPv6 address for a record of type AAAA (got: '203.0.113.7')"],
        id="dns-aaaa-not-ipv6",
    ),
    pytest.param(
        put((f"{REC}.type", "CNAME"), (f"{REC}.content", "not a host")),
        [f"{REC}.content: must be a host name for a record of type CNAME (got: 'not a host')"],
        id="dns-cname-not-a-host",
    ),
    pytest.param(
        put((f"{REC}.type", "TXT"), (f"{REC}.content", "v=spf1 -all"), (f"{REC}.proxied", True)),
        [f"{REC}.proxied: cannot be true for a TXT record (got: True)"],
        id="dns-proxied-txt",
    ),
    pytest.param(
        put((f"{REC}.type", "MX")),
        [f"{REC}.type: must be 'A', 'AAAA', 'CNAME' or 'TXT' (got: 'MX')"],
        id="dns-type",
    ),
    pytest.param(
        put((f"{REC}.name", "git.example.org")),
        [
            (
                f"{REC}.name: is the hostname of {FJ}.routes[0].hostname, which gets its tunnel CNAME already "
                "(got: 'git.example.org')"
            )
        ],
        id="dns-record-on-container-route",
    ),
    pytest.param(
        put((f"{REC}.name", "home.example.org")),
        [
            (
                f"{REC}.name: is the hostname of origins.homeassistant.routes[0].hostname, which gets its tunnel "
                "CNAME already (got: 'home.example.org')"
            )
        ],
        id="dns-record-on-origin-route",
    ),
    pytest.param(
        put(("tunnel.dnsRecords[1]", {"name": "vpn.example.org", "type": "A", "content": "203.0.113.7"})),
        ["tunnel.dnsRecords[1]: repeats tunnel.dnsRecords[0] (A 203.0.113.7) (got: 'vpn.example.org')"],
        id="dns-record-twice",
    ),
    pytest.param(
        put(("tunnel.dnsRecords[1]", {"name": "vpn.example.org", "type": "CNAME", "content": "wg.example.net"})),
        [
            (
                "tunnel.dnsRecords[1].type: cannot share name vpn.example.org with tunnel.dnsRecords[0] (A): "
                "a CNAME must be the only record of its name (got: 'CNAME')"
            )
        ],
        id="dns-cname-beside-a",
    ),
    pytest.param(
        put(("tunnel.dnsRecords[0].ttl", 0)),
        ["tunnel.dnsRecords[0].ttl: must be greater than or equal to 1 (got: 0)"],
        id="dns-ttl-zero",
    ),
    pytest.param(
        put(("tunnel.dnsImports", {"old.example.org": "0123456789abcdef0123456789abcdef"})),
        [
            (
                "tunnel.dnsImports['old.example.org']: names no record of the stack: no route and no "
                "tunnel.dnsRecords entry (got: '0123456789abcdef0123456789abcdef')"
            )
        ],
        id="dns-import-of-no-record",
    ),
    pytest.param(
        put(
            (
                "tunnel.dnsRecords",
                [
                    {"name": "vpn.example.org", "type": "A", "content": "203.0.113.7"},
                    {"name": "vpn.example.org", "type": "AAAA", "content": "2001:db8::7"},
                ],
            ),
            ("tunnel.dnsImports", {"vpn.example.org": "0123456789abcdef0123456789abcdef"}),
        ),
        [
            (
                "tunnel.dnsImports['vpn.example.org']: names 2 records of tunnel.dnsRecords; an import id adopts "
                "one (got: '0123456789abcdef0123456789abcdef')"
            ),
            (
                "  Hint: adopt them one by one with `scripts/pulumi import` (docs/migrating.md, A record added later), "
                "or delete them at Cloudflare and let nixedge create them"
            ),
        ],
        id="dns-import-of-a-name-with-two-records",
    ),
    pytest.param(
        put(("tunnel.dnsImports", {"git.example.org": "https://dash.cloudflare.com/0123456789abcdef"})),
        [
            (
                "tunnel.dnsImports['git.example.org']: must be <record id> or <zone id>/<record id>, each 32 "
                "lowercase hex characters (got: 'https://dash.cloudflare.com/0123456789abcdef')"
            ),
            "  Hint: the API lists a record's id: GET /zones/<zone id>/dns_records?name=<name>",
        ],
        id="dns-import-id-not-an-id",
    ),
    pytest.param(
        put(("tunnel.dnsImports", {"git.example.org": "0123456789ABCDEF0123456789ABCDEF"})),
        [
            (
                "tunnel.dnsImports['git.example.org']: must be <record id> or <zone id>/<record id>, each 32 "
                "lowercase hex characters (got: '0123456789ABCDEF0123456789ABCDEF')"
            ),
            "  Hint: the API lists a record's id: GET /zones/<zone id>/dns_records?name=<name>",
        ],
        id="dns-import-id-uppercase",
    ),
    pytest.param(
        put(("tunnel.catchAll", "404")),
        [
            (
                "tunnel.catchAll: must be 'http_status:<code>' or an http(s):// URL that gets unmatched requests, "
                "e.g. 'http_status:404' (got: '404')"
            )
        ],
        id="catch-all-bare-code",
    ),
    pytest.param(
        put(("tunnel.catchAll", "ftp://fallback.example.org")),
        [
            (
                "tunnel.catchAll: must be 'http_status:<code>' or an http(s):// URL that gets unmatched requests, "
                "e.g. 'http_status:404' (got: 'ftp://fallback.example.org')"
            )
        ],
        id="catch-all-scheme",
    ),
    pytest.param(
        put(("tunnel.catchAll", "http_status:700")),
        [
            (
                "tunnel.catchAll: must be 'http_status:<code>' or an http(s):// URL that gets unmatched requests, "
                "e.g. 'http_status:404' (got: 'http_status:700')"
            )
        ],
        id="catch-all-status",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), HOMELAB_CASES)
def test_invalid_homelab_config(mutation: Mutation, expected: list[str]) -> None:
    assert homelab_lines(mutation) == expected


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            {"ttl": 30},
            "tunnel.dnsRecords[0].ttl: must be 1 (automatic): Cloudflare takes 60 to 86400 seconds (got: 30)",
        ),
        (
            {"ttl": 300, "proxied": True},
            "tunnel.dnsRecords[0].ttl: must be 1 (automatic): a proxied record's TTL is automatic (got: 300)",
        ),
    ],
)
def test_dns_record_ttls_cloudflare_refuses(record: dict[str, Any], expected: str) -> None:
    base = {"name": "vpn.example.org", "type": "A", "content": "203.0.113.7"}
    assert homelab_lines(put(("tunnel.dnsRecords", [base | record]))) == [expected]


def test_valid_ttls_pass() -> None:
    data = multiservice_site()
    set_key(data, "tunnel.dnsRecords", [{"name": "vpn.example.org", "type": "A", "content": "203.0.113.7", "ttl": 60}])
    assert site_from_data(data, HOMELAB).tunnel is not None


# -- what publishing needs, and `check` does not -----------------------------------------


def test_placeholder_ids_refuse_publishing_but_not_check() -> None:
    """The shipped seminar stack loads (so `check` passes); its placeholders are kept
    as typed issues that preview and up report like every config error."""
    tunnel = load_stack("seminar").tunnel
    assert tunnel is not None
    assert [str(issue) for issue in tunnel.publish_issues] == [
        (
            "tunnel.accountId: must hold your Cloudflare account id, not a placeholder "
            "(got: '<your-cloudflare-account-id>')\n"
            "  Hint: the dashboard shows it on every zone's Overview page; leave accountId out to publish nothing"
        ),
        (
            "tunnel.zones[0].zoneId: must hold the Cloudflare id of zone ncaq.net, not a placeholder "
            "(got: '<your-ncaq.net-zone-id>')\n"
            "  Hint: the dashboard shows it on the zone's Overview page; leave zoneId out to look it up by name"
        ),
    ]


@pytest.mark.parametrize(
    ("account_id", "zone_id", "expected"),
    [
        (None, "<zone>", []),  # nothing is published without an account: nothing to refuse
        ("a1" * 16, "c3" * 16, []),
        ("a1" * 16, "<zone>", ["tunnel.zones[0].zoneId"]),
        ("<account>", None, ["tunnel.accountId"]),
    ],
)
def test_publish_issues_name_only_placeholders_of_a_published_tunnel(
    account_id: str | None, zone_id: str | None, expected: list[str]
) -> None:
    data = multiservice_site()
    if account_id is not None:
        set_key(data, "tunnel.accountId", account_id)
    if zone_id is not None:
        set_key(data, "tunnel.zones[0].zoneId", zone_id)
    tunnel = site_from_data(data, HOMELAB).tunnel
    assert tunnel is not None
    assert [issue.loc for issue in tunnel.publish_issues] == expected


RECORD_ID = "0123456789abcdef" * 2


@pytest.mark.parametrize("import_id", [RECORD_ID, f"{'fedcba9876543210' * 2}/{RECORD_ID}"])
def test_every_record_of_the_stack_can_be_adopted(import_id: str) -> None:
    """A route's hostname and the name of a further record (A, unproxied) alike."""
    data = multiservice_site()
    other = import_id.replace("0123", "4567")  # each record its own id (one id adopts one record)
    set_key(data, "tunnel.dnsImports", {"git.example.org": import_id, "vpn.example.org": other})
    tunnel = site_from_data(data, HOMELAB).tunnel
    assert tunnel is not None
    assert dict(tunnel.dns_imports) == {"git.example.org": import_id, "vpn.example.org": other}
