"""Values checked alone (components/model/site.py, types.py): unknown keys, wrong types,
missing keys, NixOS releases, unit names, and NixOS data that has no Nix value.

Each case mutates a valid site (tests/model_cases.py) and expects the exact lines of the
ConfigError report, `Hint:` lines included.
"""

from __future__ import annotations

import datetime

import pytest

from tests.model_cases import A, seed_lines
from tests.site_mutations import DELETE, Mutation, put

SEED_CASES = [
    pytest.param(
        put((f"{A}.stateVersion", "25.05\n")),
        [f"{A}.stateVersion: must be a NixOS release such as '25.05' or '24.11' (got: '25.05\\n')"],
        id="state-version-newline",
    ),
    pytest.param(put(("hosts", {})), ["hosts: is not a known key; did you mean host? (got: {})"], id="typo-root"),
    pytest.param(
        put((f"{A}.stateDirectory", "/x")),
        [f"{A}.stateDirectory: is not a known key; did you mean stateDir? (got: '/x')"],
        id="typo-container",
    ),
    pytest.param(
        put((f"{A}.routes[0].hostnme", "x.ncaq.net")),
        [f"{A}.routes[0].hostnme: is not a known key; did you mean hostname? (got: 'x.ncaq.net')"],
        id="typo-route",
    ),
    pytest.param(
        put(("tunnel.zones[0].zoneid", "abc")),
        [
            "tunnel.zones[0].zoneid: is not a known key; did you mean zoneId? (got: 'abc')",
            # Read as zoneId, its value is checked too: the next round would report it.
            (
                "tunnel.zones[0].zoneid: must be 32 lowercase hexadecimal digits, as the Cloudflare dashboard shows "
                "the id (or a <placeholder> while you have none) (got: 'abc')"
            ),
        ],
        id="typo-zone",
    ),
    pytest.param(
        put(("host.target.prot", 22)),
        ["host.target.prot: is not a known key; did you mean port? (got: 22)"],
        id="typo-target",
    ),
    pytest.param(
        put((f"{A}.routes[0].port", "8080")),
        [f"{A}.routes[0].port: must be a number, not text in quotes: write 8080 without quotes (got: '8080')"],
        id="port-as-string",
    ),
    pytest.param(
        put((f"{A}.routes", {"hostname": "nix-cache.ncaq.net", "port": 8080})),
        [
            (
                f"{A}.routes: must be a list (lines starting with '- ') "
                "(got: {'hostname': '<hidden>', 'port': '<hidden>'})"
            )
        ],
        id="mapping-instead-of-list",
    ),
    pytest.param(
        put((f"{A}.user", ["atticd", 993, 988])),
        [f"{A}.user: must be a mapping (key: value lines) (got: ['atticd', 993, 988])"],
        id="list-instead-of-mapping",
    ),
    pytest.param(
        put((f"{A}.autoStart", "true")),
        [f"{A}.autoStart: must be true or false, not text in quotes: write true without quotes (got: 'true')"],
        id="bool-as-string",
    ),
    pytest.param(
        put((f"{A}.stateVersion", 25.05)),
        [f'{A}.stateVersion: must be text: write "25.05" in quotes (YAML reads 25.05 as a number) (got: 25.05)'],
        id="state-version-unquoted",
    ),
    pytest.param(
        put((f"{A}.stateVersion", "25.04")),
        [f"{A}.stateVersion: must be a NixOS release such as '25.05' or '24.11' (got: '25.04')"],
        id="state-version-no-release",
    ),
    pytest.param(
        put((f"{A}.after", ["postgresql"])),
        [f"{A}.after[0]: must be a systemd unit name with its suffix, e.g. 'postgresql.service' (got: 'postgresql')"],
        id="unit-without-suffix",
    ),
    pytest.param(
        put((f"{A}.nixos", {"services": {"x": {"since": datetime.date(2025, 1, 1)}}})),
        [
            (
                f"{A}.nixos: services.x.since: date has no Nix value; quote it as a string "
                "(YAML reads 2025-01-01 as a date) (got: {'services': {'x': {'since': datetime.date(2025, 1, 1)}}})"
            )
        ],
        id="date-in-nixos-data",
    ),
    pytest.param(
        put((f"{A}.nixos", ["services.x.enable"])),
        [f"{A}.nixos: must be a mapping of NixOS option names to values (got: ['<hidden>'])"],
        id="nixos-not-a-mapping",
    ),
    pytest.param(
        put((f"{A}.nixos", {"a": 2**63})),
        [f"{A}.nixos: a: 9223372036854775808 is outside Nix's 64-bit integers (got: {{'a': '<hidden>'}})"],
        id="nixos-int-too-large",
    ),
    pytest.param(
        put((f"{A}.settings", {"a": "x\x00y"})),
        [f"{A}.settings: a: Nix strings cannot hold NUL characters or lone surrogates (got: {{'a': '<hidden>'}})"],
        id="settings-nul",
    ),
    pytest.param(
        put((f"{A}.nixos", {"\ud800": 1})),
        [f"{A}.nixos: mapping: keys must be non-empty strings (got '\\ud800') (got: {{'\\ud800': '<hidden>'}})"],
        id="nixos-surrogate-key",
    ),
    pytest.param(
        put((f"{A}.nixos", {"a": float("nan")})),
        [f"{A}.nixos: a: NaN and infinity have no Nix value (got: {{'a': '<hidden>'}})"],
        id="nixos-nan",
    ),
    pytest.param(put((f"{A}.user", DELETE)), [f"{A}.user: is required"], id="missing-user"),
    pytest.param(put((f"{A}.stateVersion", DELETE)), [f"{A}.stateVersion: is required"], id="missing-state-version"),
    pytest.param(put(("host", DELETE)), ["host: is required"], id="missing-host"),
    pytest.param(put((f"{A}.routes[0].port", DELETE)), [f"{A}.routes[0].port: is required"], id="missing-port"),
    pytest.param(
        put(("containers", {})),
        ["containers: must have at least 1 entry (got: {})"],
        id="no-containers",
    ),
    pytest.param(
        put(("host.target", {"transport": "local", "path": "host/etc\x00/nixedge"})),
        ["host.target.path: must not contain a NUL byte (got: 'host/etc\\x00/nixedge')"],
        id="local-target-nul",
    ),
    pytest.param(
        put(("host.target", {"transport": "local", "path": "host/etc\n/nixedge"})),
        [
            (
                "host.target.path: must not contain control characters (a newline, a tab, an escape) "
                "(got: 'host/etc\\n/nixedge')"
            )
        ],
        id="local-target-newline",
    ),
    pytest.param(
        put(("host.target", {"transport": "local", "path": "../../etc/nixos/nixedge"})),
        [
            (
                "host.target.path: must not contain '..' segments: name the directory itself, "
                "e.g. '/etc/nixos/nixedge' (got: '../../etc/nixos/nixedge')"
            )
        ],
        id="local-target-dotdot",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), SEED_CASES)
def test_invalid_seed_config(mutation: Mutation, expected: list[str]) -> None:
    assert seed_lines(mutation) == expected
