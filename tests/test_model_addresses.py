"""Addresses (components/model/checks/addresses.py): inside network.subnet, not its network or
broadcast address, unique across host and container sides and guest origins, none for
network none, both or neither given; a host origin is a loopback address.

Each case mutates a valid site (tests/model_cases.py) and expects the exact lines of the
ConfigError report, `Hint:` lines included.
"""

from __future__ import annotations

import pytest

from tests.model_cases import FJ, PG, A, F, homelab_lines, seed_lines
from tests.site_mutations import DELETE, Mutation, put

NONE_ADDRESS = "is set, but network is none (a private network without addresses)"


SEED_CASES = [
    pytest.param(
        put((f"{A}.localAddress", "192.168.100.11")),
        [f"{F}.localAddress: is already used by {A}.localAddress (got: '192.168.100.11')"],
        id="duplicate-address",
    ),
    pytest.param(
        put((f"{A}.hostAddress", "192.168.100.11")),
        [f"{F}.localAddress: is already used by {A}.hostAddress (got: '192.168.100.11')"],
        id="host-address-equals-other-local",
    ),
    pytest.param(
        put((f"{A}.localAddress", "10.0.0.1")),
        [f"{A}.localAddress: is outside network.subnet 192.168.100.0/24 (got: '10.0.0.1')"],
        id="address-outside-subnet",
    ),
    pytest.param(
        put((f"{A}.localAddress", "192.168.100.0")),
        [f"{A}.localAddress: is the network address of network.subnet 192.168.100.0/24 (got: '192.168.100.0')"],
        id="network-address",
    ),
    pytest.param(
        put((f"{A}.localAddress", "192.168.100.255")),
        [f"{A}.localAddress: is the broadcast address of network.subnet 192.168.100.0/24 (got: '192.168.100.255')"],
        id="broadcast-address",
    ),
    pytest.param(
        put((f"{A}.localAddress", DELETE)),
        [f"{A}.localAddress: is missing: give both hostAddress and localAddress, or neither to allocate them"],
        id="only-host-address",
    ),
    pytest.param(
        put((f"{A}.hostAddress", DELETE)),
        [f"{A}.hostAddress: is missing: give both hostAddress and localAddress, or neither to allocate them"],
        id="only-local-address",
    ),
    pytest.param(
        put((f"{A}.hostAddress", "192.168.100.256")),
        [f"{A}.hostAddress: must be an IPv4 address, e.g. '192.168.100.11' (got: '192.168.100.256')"],
        id="not-an-address",
    ),
    pytest.param(
        put(("network.subnet", "192.168.100.1/24")),
        [
            (
                "network.subnet: must be an IPv4 network such as '192.168.100.0/24' "
                "(192.168.100.1/24 has host bits set) (got: '192.168.100.1/24')"
            )
        ],
        id="subnet-host-bits",
    ),
    pytest.param(
        put(("network.subnet", "not-a-net")),
        [
            (
                "network.subnet: must be an IPv4 network such as '192.168.100.0/24' "
                "(Expected 4 octets in 'not-a-net') (got: 'not-a-net')"
            )
        ],
        id="subnet-garbage",
    ),
    pytest.param(
        put(("network.subnet", "192.168.100.0/31")),
        [
            (
                "network.subnet: is too small: a container needs a host and a local address; "
                "use /30 or larger (got: '192.168.100.0/31')"
            )
        ],
        id="subnet-too-small",
    ),
]


HOMELAB_CASES = [
    pytest.param(
        put((f"{PG}.hostAddress", "10.40.0.30"), (f"{PG}.localAddress", "10.40.0.31")),
        [
            f"{PG}.hostAddress: {NONE_ADDRESS} (got: '10.40.0.30')",
            f"{PG}.localAddress: {NONE_ADDRESS} (got: '10.40.0.31')",
        ],
        id="addresses-on-network-none",
    ),
    pytest.param(
        put((f"{PG}.localAddress", "10.40.0.31")),
        [f"{PG}.localAddress: {NONE_ADDRESS} (got: '10.40.0.31')"],
        id="local-address-on-network-none",
    ),
    pytest.param(
        put(("origins.grafana.address", "192.168.1.5")),
        [
            (
                "origins.grafana.address: must be a loopback address (127.0.0.0/8) for an origin of kind host "
                "(got: '192.168.1.5')"
            ),
            "  Hint: use kind: guest for another machine or VM",
        ],
        id="host-origin-not-loopback",
    ),
    pytest.param(
        put(("origins.homeassistant.address", "10.40.0.11")),
        [f"origins.homeassistant.address: is already used by {FJ}.localAddress (got: '10.40.0.11')"],
        id="guest-origin-clashes-with-container",
    ),
    pytest.param(
        put(("origins.homeassistant.address", "10.40.0.10")),
        [f"origins.homeassistant.address: is already used by {FJ}.hostAddress (got: '10.40.0.10')"],
        id="guest-origin-clashes-with-host-side",
    ),
    pytest.param(
        put(("origins.homeassistant.address", "192.168.1.5")),
        ["origins.homeassistant.address: is outside network.subnet 10.40.0.0/24 (got: '192.168.1.5')"],
        id="guest-origin-outside-subnet",
    ),
    pytest.param(
        put(("origins.homeassistant.address", "10.40.0.0")),
        ["origins.homeassistant.address: is the network address of network.subnet 10.40.0.0/24 (got: '10.40.0.0')"],
        id="guest-origin-network-address",
    ),
    pytest.param(
        put(
            (
                "origins.vm2",
                {"kind": "guest", "address": "10.40.0.50", "routes": [{"hostname": "vm2.example.org", "port": 8080}]},
            )
        ),
        ["origins.vm2.address: is already used by origins.homeassistant.address (got: '10.40.0.50')"],
        id="two-guests-one-address",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), SEED_CASES)
def test_invalid_seed_config(mutation: Mutation, expected: list[str]) -> None:
    assert seed_lines(mutation) == expected


@pytest.mark.parametrize(("mutation", "expected"), HOMELAB_CASES)
def test_invalid_homelab_config(mutation: Mutation, expected: list[str]) -> None:
    assert homelab_lines(mutation) == expected
