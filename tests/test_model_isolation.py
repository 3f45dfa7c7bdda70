"""Isolation (components/model/checks/isolation.py): forwarded host ports unique per
protocol, privateUsers that PostgreSQL's peer authentication survives, memory and CPU
limits as systemd takes them, extraFlags that cannot replace nixedge's own, devices and
capabilities.

Each case mutates a valid site (tests/model_cases.py) and expects the exact lines of the
ConfigError report, `Hint:` lines included.
"""

from __future__ import annotations

import pytest

from components.model import site_from_data
from tests.model_cases import FJ, HOMELAB, PG, R1, R2, VPN, homelab_lines, multiservice_site
from tests.site_mutations import DELETE, Mutation, put, set_key

PEER_AUTH = "shifts the container's uids, but PostgreSQL peer authentication compares them with the host's"
PEER_HINT = "  Hint: use privateUsers: identity (or no) for PostgreSQL and its clients"
MEMORY = (
    "must be a systemd memory size: bytes with an optional K, M, G or T suffix (base 1024), "
    "a percentage of the host's memory up to 100%, or 'infinity', e.g. '2G'"
)
CPU = "must be a systemd CPUQuota: a percentage above 0% of one CPU, e.g. '200%' for two CPUs"
ONE_FLAG = "must be one systemd-nspawn option such as '--drop-capability=CAP_SYS_CHROOT'"
CAPABILITY = "must be a Linux capability name in capitals, e.g. 'CAP_NET_ADMIN'"


HOMELAB_CASES = [
    pytest.param(
        put((f"{PG}.forwardPorts", [{"hostPort": 5432}])),
        [f"{PG}.forwardPorts: needs addresses, but network is none (got: [5432])"],
        id="forward-ports-on-network-none",
    ),
    pytest.param(
        put((f"{R2}.forwardPorts", [{"hostPort": 51820, "protocol": "udp"}])),
        [f"{VPN}.forwardPorts[0].hostPort: is already forwarded (udp) by {R2}.forwardPorts[0].hostPort (got: 51820)"],
        id="forward-port-collision-udp",
    ),
    pytest.param(
        put(
            (f"{R1}.forwardPorts", [{"hostPort": 2222}]),
            (f"{R2}.forwardPorts", [{"hostPort": 2222, "containerPort": 22}]),
        ),
        [f"{R2}.forwardPorts[0].hostPort: is already forwarded (tcp) by {R1}.forwardPorts[0].hostPort (got: 2222)"],
        id="forward-port-collision-tcp-other-container-port",
    ),
    pytest.param(
        put((f"{VPN}.forwardPorts[1]", {"hostPort": 51820, "protocol": "udp", "containerPort": 51821})),
        [f"{VPN}.forwardPorts[1].hostPort: is already forwarded (udp) by {VPN}.forwardPorts[0].hostPort (got: 51820)"],
        id="forward-port-collision-same-container",
    ),
    pytest.param(
        put((f"{VPN}.forwardPorts[0].protocol", "sctp")),
        [f"{VPN}.forwardPorts[0].protocol: must be 'tcp' or 'udp' (got: 'sctp')"],
        id="forward-port-protocol",
    ),
    pytest.param(
        put((f"{FJ}.privateUsers", "pick")),
        [f"{FJ}.privateUsers: {PEER_AUTH} (got: 'pick')", PEER_HINT],
        id="private-users-pick-on-client",
    ),
    pytest.param(
        put((f"{FJ}.privateUsers", 65536)),
        [f"{FJ}.privateUsers: {PEER_AUTH} (got: 65536)", PEER_HINT],
        id="private-users-number-on-client",
    ),
    pytest.param(
        put((f"{PG}.privateUsers", "pick")),
        [f"{PG}.privateUsers: {PEER_AUTH} (got: 'pick')", PEER_HINT],
        id="private-users-pick-on-server",
    ),
    pytest.param(
        put((f"{PG}.privateUsers", 131072)),
        [f"{PG}.privateUsers: {PEER_AUTH} (got: 131072)", PEER_HINT],
        id="private-users-number-on-server",
    ),
    pytest.param(
        put(("postgresql", DELETE), ("containers.postgres", DELETE), (f"{FJ}.privateUsers", "pick")),
        [f"{FJ}.privateUsers: {PEER_AUTH} (got: 'pick')", PEER_HINT],
        id="private-users-pick-with-host-postgresql",
    ),
    pytest.param(
        put((f"{R2}.privateUsers", "random")),
        [
            (
                f"{R2}.privateUsers: must be no, identity, pick, or the first host uid of the container's range "
                "(0 to 4294967295, e.g. 65536), as NixOS privateUsers (got: 'random')"
            )
        ],
        id="private-users-unknown",
    ),
    pytest.param(
        put((f"{R2}.privateUsers", True)),
        [
            (
                f"{R2}.privateUsers: must be no, identity, pick, or the first host uid of the container's range "
                "(0 to 4294967295, e.g. 65536), as NixOS privateUsers (got: True)"
            )
        ],
        id="private-users-bool",
    ),
    pytest.param(
        put((f"{PG}.resources", {"memoryHigh": "3G", "memoryMax": "2G"})),
        [f"{PG}.resources.memoryHigh: is above resources.memoryMax (2G); the throttle would never apply (got: '3G')"],
        id="memory-high-above-max",
    ),
    pytest.param(
        put((f"{PG}.resources", {"memoryHigh": "2049M", "memoryMax": "2G"})),
        [
            (
                f"{PG}.resources.memoryHigh: is above resources.memoryMax (2G); the throttle would never apply "
                "(got: '2049M')"
            )
        ],
        id="memory-high-above-max-other-unit",
    ),
    pytest.param(
        put((f"{PG}.resources.memoryMax", "2GB")), [f"{PG}.resources.memoryMax: {MEMORY} (got: '2GB')"], id="memory-gb"
    ),
    pytest.param(
        put((f"{PG}.resources.memoryHigh", "2g")),
        [f"{PG}.resources.memoryHigh: {MEMORY} (got: '2g')"],
        id="memory-lowercase",
    ),
    pytest.param(
        put((f"{PG}.resources.memoryMax", "150%")),
        [f"{PG}.resources.memoryMax: {MEMORY} (got: '150%')"],
        id="memory-percent-above-100",
    ),
    pytest.param(
        put((f"{PG}.resources.memoryMax", 2048)),
        [f'{PG}.resources.memoryMax: must be text: write "2048" in quotes (YAML reads 2048 as a number) (got: 2048)'],
        id="memory-number",
    ),
    pytest.param(put((f"{PG}.resources.cpuQuota", "2")), [f"{PG}.resources.cpuQuota: {CPU} (got: '2')"], id="cpu-no-%"),
    pytest.param(put((f"{PG}.resources.cpuQuota", "0%")), [f"{PG}.resources.cpuQuota: {CPU} (got: '0%')"], id="cpu-0%"),
    pytest.param(
        put((f"{PG}.resources.cpuQuota", "1.5%")), [f"{PG}.resources.cpuQuota: {CPU} (got: '1.5%')"], id="cpu-fraction"
    ),
    pytest.param(
        put((f"{PG}.resources.ioWeight", 100)),
        [f"{PG}.resources.ioWeight: is not a known key (known here: cpuQuota, memoryHigh, memoryMax) (got: 100)"],
        id="resources-unknown-key",
    ),
    pytest.param(
        put((f"{VPN}.extraFlags", ["--private-network"])),
        [
            (
                f"{VPN}.extraFlags[0]: --private-network is set by nixedge from the container's options; use those "
                "instead (got: '--private-network')"
            )
        ],
        id="extra-flag-private-network",
    ),
    pytest.param(
        put((f"{VPN}.extraFlags", ["--capability=CAP_SYS_ADMIN"])),
        [
            (
                f"{VPN}.extraFlags[0]: --capability is set by nixedge from the container's options; use those "
                "instead (got: '--capability=CAP_SYS_ADMIN')"
            )
        ],
        id="extra-flag-capability",
    ),
    pytest.param(
        put((f"{VPN}.extraFlags", ["--private-users=pick"])),
        [
            (
                f"{VPN}.extraFlags[0]: --private-users is set by nixedge from the container's options; use those "
                "instead (got: '--private-users=pick')"
            )
        ],
        id="extra-flag-private-users",
    ),
    pytest.param(
        put((f"{VPN}.extraFlags", ["--bind=/srv:/srv; rm -rf /"])),
        [f"{VPN}.extraFlags[0]: {ONE_FLAG} (got: '--bind=/srv:/srv; rm -rf /')"],
        id="extra-flag-semicolon",
    ),
    pytest.param(
        put((f"{VPN}.extraFlags", ["--setenv=A=$(id)"])),
        [f"{VPN}.extraFlags[0]: {ONE_FLAG} (got: '--setenv=A=$(id)')"],
        id="extra-flag-command-substitution",
    ),
    pytest.param(
        put((f"{VPN}.extraFlags", ['--setenv="A"'])),
        [f"{VPN}.extraFlags[0]: {ONE_FLAG} (got: '--setenv=\"A\"')"],
        id="extra-flag-quote",
    ),
    pytest.param(
        put((f"{VPN}.extraFlags", ["--drop-capability=CAP_SYS_CHROOT --private-network"])),
        [f"{VPN}.extraFlags[0]: {ONE_FLAG} (got: '--drop-capability=CAP_SYS_CHROOT --private-network')"],
        id="extra-flag-two-in-one",
    ),
    pytest.param(
        put((f"{VPN}.extraFlags", ["-U"])), [f"{VPN}.extraFlags[0]: {ONE_FLAG} (got: '-U')"], id="extra-flag-short"
    ),
    pytest.param(
        put((f"{VPN}.allowedDevices", [{"node": "/dev/net/tun", "modifier": "rwx"}])),
        [
            (
                f"{VPN}.allowedDevices[0].modifier: must be one or more of r, w and m (read, write, mknod), in that "
                "order, e.g. 'rwm' or 'rw' (got: 'rwx')"
            )
        ],
        id="device-modifier",
    ),
    pytest.param(
        put((f"{VPN}.allowedDevices", [{"node": "net/tun", "modifier": "rw"}])),
        [f"{VPN}.allowedDevices[0].node: must be an absolute path, e.g. '/var/lib/forgejo' (got: 'net/tun')"],
        id="device-node-relative",
    ),
    pytest.param(
        put((f"{VPN}.additionalCapabilities", ["NET_ADMIN"])),
        [f"{VPN}.additionalCapabilities[0]: {CAPABILITY} (got: 'NET_ADMIN')"],
        id="capability-without-cap",
    ),
    pytest.param(
        put((f"{VPN}.additionalCapabilities", ["cap_net_admin"])),
        [f"{VPN}.additionalCapabilities[0]: {CAPABILITY} (got: 'cap_net_admin')"],
        id="capability-lowercase",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), HOMELAB_CASES)
def test_invalid_homelab_config(mutation: Mutation, expected: list[str]) -> None:
    assert homelab_lines(mutation) == expected


def test_one_host_port_for_two_protocols() -> None:
    data = multiservice_site()
    set_key(data, f"{R2}.forwardPorts", [{"hostPort": 51820, "protocol": "tcp"}])
    site = site_from_data(data, HOMELAB)
    ports = {c.name: c.isolation.forward_ports for c in site.containers if c.isolation.forward_ports}
    assert ports == {"runner2": (("tcp", 51820, 51820),), "vpn": (("udp", 51820, 51820),)}


@pytest.mark.parametrize("private_users", ["identity", "no", 0])
def test_postgresql_with_unshifted_ids(private_users: str | int) -> None:
    data = multiservice_site()
    set_key(data, f"{PG}.privateUsers", private_users)
    set_key(data, f"{FJ}.privateUsers", private_users)
    site = site_from_data(data, HOMELAB)
    assert not site.container("forgejo").isolation.idmap
    assert not site.container("postgres").isolation.idmap


@pytest.mark.parametrize(("high", "most"), [("2048M", "2G"), ("1G", "2G"), ("50%", "1G"), ("2G", "infinity")])
def test_memory_high_not_above_max(high: str, most: str) -> None:
    data = multiservice_site()
    set_key(data, f"{PG}.resources", {"memoryHigh": high, "memoryMax": most, "cpuQuota": "150%"})
    resources = site_from_data(data, HOMELAB).container("postgres").isolation.resources
    assert resources == (("MemoryHigh", high), ("MemoryMax", most), ("CPUQuota", "150%"))


def test_private_users_pick_without_postgresql_idmaps_the_mounts() -> None:
    data = multiservice_site()
    set_key(data, f"{R2}.privateUsers", "pick")
    set_key(data, f"{R2}.secrets", ["runner-token"])
    c = site_from_data(data, HOMELAB).container("runner2")
    assert c.isolation.idmap
    assert [m.path for m in c.mounts] == ["/run/secrets/runner-token"]
