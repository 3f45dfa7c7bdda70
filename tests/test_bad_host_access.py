"""What a container may take from the host is refused with exact messages that name the key.

Issue 13, family 7 (what a container reaches on the host) and the host-network part of
family 3 (subnets that are loopback, too wide, multicast, link-local or reserved;
forwardPorts onto the host's SSH port). Table-driven like tests/test_bad_configs.py:
each case is a small change to the seed's valid site and the exact lines of the report.
Then what the keys do permit: the host's SSH port with allowHostSsh, a grant on a
12-character name, the widest subnet, and subnets of every private range.
"""

from __future__ import annotations

from typing import Any

import pytest

from components.model import site_from_data
from tests import site_mutations
from tests.site_mutations import Mutation, put, seed_site

SOURCE = "seminar.yaml"
A = "containers.atticd"
F = "containers.forgejo"
PRIVATE_HINT = "  Hint: use a private range such as 10.231.0.0/24 or 192.168.100.0/24"
WIDE_HINT = "  Hint: containers need two addresses each: use a /24, e.g. 10.231.0.0/24"
LOOPBACK = "is in the loopback range 127.0.0.0/8: those addresses never leave the host"
THIS_HOST = "is in 0.0.0.0/8, which means 'this host' and is never a valid address"
LINK_LOCAL = "is in the link-local range 169.254.0.0/16, which hosts use for their own links (and clouds for metadata)"
MULTICAST = "is in the multicast range 224.0.0.0/4: a veth address must be unicast"
RESERVED = "is in the reserved range 240.0.0.0/4, which Linux does not route"
SSH_TAKEN = (
    "the forward sends every SSH connection to the host into the container, which locks out "
    "the host's administrators and nixedge (it deploys over SSH)"
)
TRUSTED = "grants host ports, but network.trustAllContainers already lets every container reach every host port"
TRUSTED_HINT = "  Hint: set network.trustAllContainers: false to grant ports per container, or remove the grant"
NO_VETH = "grants host ports, but network is none: the container has no veth to reach them"


def report_lines(mutation: Mutation) -> list[str]:
    return site_mutations.report_lines(seed_site, mutation, SOURCE)


def subnet(net: str) -> Mutation:
    """The site on `net`, its containers' addresses allocated from it."""

    def mutate(data: dict[str, Any]) -> None:
        for c in data["containers"].values():
            del c["hostAddress"], c["localAddress"]
        data["network"]["subnet"] = net

    return mutate


def special(net: str, what: str) -> pytest.ParameterSet:
    return pytest.param(subnet(net), [f"network.subnet: {what} (got: '{net}')", PRIVATE_HINT], id=f"subnet-{net}")


def wide(net: str) -> pytest.ParameterSet:
    prefix = net.split("/")[1]
    line = (
        f"network.subnet: is too wide: a /{prefix} is larger than a /16 (65,536 addresses) "
        f"and overlaps the host's other networks (got: '{net}')"
    )
    return pytest.param(subnet(net), [line, WIDE_HINT], id=f"subnet-wide-{net}")


def forward_22(loc: str, port: int = 22, target_port: str = "") -> list[str]:
    what = f"host.target.port {port}" if target_port else "22"
    hint = f"  Hint: forward another port, e.g. hostPort: 2222; or, if the host's sshd listens elsewhere, set {loc}"
    return [f"{loc}.hostPort: is the host's SSH port ({what}): {SSH_TAKEN} (got: {port})", hint + ".allowHostSsh: true"]


def not_ssh(loc: str, what: str, ports: str = "22") -> list[str]:
    line = f"{loc}.allowHostSsh: is set, but this forward ({what}) does not take the host's SSH port (tcp {ports})"
    return [f"{line} (got: True)", f"  Hint: remove {loc}.allowHostSsh"]


def with_generic(name: str, **fields: Any) -> Mutation:
    """Add a generic container `name` with its own user, and `fields` over it."""

    def mutate(data: dict[str, Any]) -> None:
        uid = 3000 + len(data["containers"])
        data["containers"][name] = {
            "app": "generic",
            "user": {"name": "svc" + str(uid), "uid": uid, "gid": uid},
            "stateVersion": "25.05",
            **fields,
        }

    return mutate


def long_name(name: str, ports: list[int]) -> list[str]:
    line = (
        f"containers.{name}.hostFirewall: needs the container's veth name ve-{name}, but it is longer than 15 "
        "characters: systemd-nspawn shortens it with a hash, so a firewall rule by name would match nothing"
    )
    return [f"{line} (got: {ports})", "  Hint: use a container name of at most 12 characters"]


def deploy_port(loc: str, port: int) -> list[str]:
    return [
        (
            f"{loc}.hostPort: is the port nixedge deploys over (host.target: ssh to port {port}): allowHostSsh "
            f"cannot give it away, or the next deploy could not reach the host (got: {port})"
        ),
        "  Hint: forward another port; if ~/.ssh/config connects elsewhere, set host.target.port to that port",
    ]


SSH_TARGET_22 = ("host.target", {"transport": "ssh", "destination": "root@seminar"})
SSH_TARGET_2200 = ("host.target", {"transport": "ssh", "destination": "root@seminar", "port": 2200})
TCP = "hostFirewall.allowedTcpPorts"
UDP = "hostFirewall.allowedUdpPorts"

CASES = [
    # -- network.subnet: special ranges --------------------------------------------------
    special("127.0.0.0/24", LOOPBACK),
    special("127.0.0.0/8", LOOPBACK),
    special("127.255.0.0/16", LOOPBACK),
    special("127.0.1.0/28", LOOPBACK),
    special("0.0.0.0/8", THIS_HOST),
    special("0.0.0.0/24", THIS_HOST),
    special("0.10.0.0/16", THIS_HOST),
    special("169.254.0.0/16", LINK_LOCAL),
    special("169.254.1.0/24", LINK_LOCAL),
    special("169.254.169.0/24", LINK_LOCAL),
    special("224.0.0.0/24", MULTICAST),
    special("239.255.0.0/16", MULTICAST),
    special("224.0.0.0/4", MULTICAST),
    special("232.1.2.0/28", MULTICAST),
    special("240.0.0.0/24", RESERVED),
    special("250.0.0.0/16", RESERVED),
    special("255.255.255.0/24", RESERVED),
    special("240.0.0.0/4", RESERVED),
    # -- network.subnet: too wide ---------------------------------------------------------
    wide("0.0.0.0/0"),
    wide("128.0.0.0/1"),
    wide("10.0.0.0/8"),
    wide("172.16.0.0/12"),
    wide("192.168.0.0/15"),
    wide("10.0.0.0/15"),
    wide("100.64.0.0/10"),
    # -- forwardPorts onto the host's SSH port -------------------------------------------
    pytest.param(put((f"{F}.forwardPorts", [{"hostPort": 22}])), forward_22(f"{F}.forwardPorts[0]"), id="forward-22"),
    pytest.param(
        put((f"{F}.forwardPorts", [{"hostPort": 22, "containerPort": 2222}])),
        forward_22(f"{F}.forwardPorts[0]"),
        id="forward-22-to-2222",
    ),
    pytest.param(
        put((f"{F}.forwardPorts", [{"hostPort": 22, "protocol": "tcp"}])),
        forward_22(f"{F}.forwardPorts[0]"),
        id="forward-22-tcp-explicit",
    ),
    pytest.param(
        put((f"{F}.forwardPorts", [{"hostPort": 8443}, {"hostPort": 22}])),
        forward_22(f"{F}.forwardPorts[1]"),
        id="forward-22-second-entry",
    ),
    pytest.param(
        put((f"{F}.forwardPorts", [{"hostPort": 22, "allowHostSsh": False}])),
        forward_22(f"{F}.forwardPorts[0]"),
        id="forward-22-allow-false",
    ),
    pytest.param(
        put(SSH_TARGET_2200, (f"{F}.forwardPorts", [{"hostPort": 2200}])),
        forward_22(f"{F}.forwardPorts[0]", 2200, target_port="yes"),
        id="forward-target-ssh-port",
    ),
    pytest.param(
        put(SSH_TARGET_2200, (f"{A}.forwardPorts", [{"hostPort": 22, "containerPort": 22}])),
        forward_22(f"{A}.forwardPorts[0]"),
        id="forward-22-with-target-on-2200",
    ),
    pytest.param(
        put((f"{A}.forwardPorts", [{"hostPort": 22}]), (f"{F}.forwardPorts", [{"hostPort": 22}])),
        [
            f"{F}.forwardPorts[0].hostPort: is already forwarded (tcp) by {A}.forwardPorts[0].hostPort (got: 22)",
            *forward_22(f"{A}.forwardPorts[0]"),
            *forward_22(f"{F}.forwardPorts[0]"),
        ],
        id="forward-22-twice",
    ),
    pytest.param(
        put((f"{F}.forwardPorts", [{"hostPort": 2222, "allowHostSsh": True}])),
        not_ssh(f"{F}.forwardPorts[0]", "tcp 2222"),
        id="allow-host-ssh-on-other-port",
    ),
    pytest.param(
        put((f"{F}.forwardPorts", [{"hostPort": 22, "protocol": "udp", "allowHostSsh": True}])),
        not_ssh(f"{F}.forwardPorts[0]", "udp 22"),
        id="allow-host-ssh-on-udp",
    ),
    pytest.param(
        put(SSH_TARGET_2200, (f"{F}.forwardPorts", [{"hostPort": 2201, "allowHostSsh": True}])),
        not_ssh(f"{F}.forwardPorts[0]", "tcp 2201", "22, 2200"),
        id="allow-host-ssh-next-to-target-port",
    ),
    pytest.param(
        put(SSH_TARGET_22, (f"{F}.forwardPorts", [{"hostPort": 22, "allowHostSsh": True}])),
        deploy_port(f"{F}.forwardPorts[0]", 22),
        id="allow-host-ssh-on-the-deploy-port-22",
    ),
    pytest.param(
        put(SSH_TARGET_2200, (f"{F}.forwardPorts", [{"hostPort": 2200, "allowHostSsh": True}])),
        deploy_port(f"{F}.forwardPorts[0]", 2200),
        id="allow-host-ssh-on-the-deploy-port-2200",
    ),
    pytest.param(
        put((f"{F}.forwardPorts", [{"hostPort": 22, "allowHostSsh": "true"}])),
        [
            (
                f"{F}.forwardPorts[0].allowHostSsh: must be true or false, not text in quotes: write true "
                "without quotes (got: 'true')"
            )
        ],
        id="allow-host-ssh-as-string",
    ),
    # -- hostFirewall: grants that cannot work or contradict the site ----------------------
    pytest.param(
        put(("network.trustAllContainers", True), (f"{F}.{TCP}", [9100])),
        [f"{F}.hostFirewall: {TRUSTED} (got: [9100])", TRUSTED_HINT],
        id="grant-with-blanket-trust",
    ),
    pytest.param(
        put(("network.trustAllContainers", True), (f"{A}.{UDP}", [53]), (f"{F}.{TCP}", [9100])),
        [
            f"{A}.hostFirewall: {TRUSTED} (got: [53])",
            TRUSTED_HINT,
            f"{F}.hostFirewall: {TRUSTED} (got: [9100])",
            TRUSTED_HINT,
        ],
        id="grants-of-two-with-blanket-trust",
    ),
    pytest.param(
        with_generic("socket", network="none", hostFirewall={"allowedTcpPorts": [5432]}),
        [f"containers.socket.hostFirewall: {NO_VETH} (got: [5432])"],
        id="grant-on-network-none",
    ),
    pytest.param(
        with_generic("socket", network="none", hostFirewall={"allowedUdpPorts": [53]}),
        [f"containers.socket.hostFirewall: {NO_VETH} (got: [53])"],
        id="udp-grant-on-network-none",
    ),
    pytest.param(
        with_generic("forgejo-mirror", hostFirewall={"allowedTcpPorts": [9100]}),
        long_name("forgejo-mirror", [9100]),
        id="grant-on-14-character-name",
    ),
    pytest.param(
        with_generic("prometheus-13", hostFirewall={"allowedUdpPorts": [53]}),
        long_name("prometheus-13", [53]),
        id="udp-grant-on-13-character-name",
    ),
    pytest.param(
        put((f"{F}.{TCP}", [5432, 9100, 5432])),
        [f"{F}.{TCP}[2]: lists port 5432 again (first at [0]) (got: 5432)"],
        id="grant-tcp-port-twice",
    ),
    pytest.param(
        put((f"{F}.{UDP}", [53, 53])),
        [f"{F}.{UDP}[1]: lists port 53 again (first at [0]) (got: 53)"],
        id="grant-udp-port-twice",
    ),
    pytest.param(
        put((f"{F}.{TCP}", [0])),
        [f"{F}.{TCP}[0]: must be greater than or equal to 1 (got: 0)"],
        id="grant-port-zero",
    ),
    pytest.param(
        put((f"{F}.{TCP}", [65536])),
        [f"{F}.{TCP}[0]: must be less than or equal to 65535 (got: 65536)"],
        id="grant-port-too-large",
    ),
    pytest.param(
        put((f"{F}.{UDP}", [-53])),
        [f"{F}.{UDP}[0]: must be greater than or equal to 1 (got: -53)"],
        id="grant-port-negative",
    ),
    pytest.param(
        put((f"{F}.{TCP}", ["5432"])),
        [f"{F}.{TCP}[0]: must be a number, not text in quotes: write 5432 without quotes (got: '5432')"],
        id="grant-port-as-string",
    ),
    pytest.param(
        put((f"{F}.{TCP}", [22.0])),
        [f"{F}.{TCP}[0]: must be a whole number (got: 22.0)"],
        id="grant-port-as-float",
    ),
    pytest.param(
        put((f"{F}.{TCP}", [True])),
        [f"{F}.{TCP}[0]: must be a whole number (got: True)"],
        id="grant-port-as-bool",
    ),
    pytest.param(
        put((f"{F}.{TCP}", 5432)),
        [f"{F}.{TCP}: must be a list (lines starting with '- ') (got: 5432)"],
        id="grant-ports-not-a-list",
    ),
    pytest.param(
        put((f"{F}.hostFirewall", True)),
        [f"{F}.hostFirewall: must be a mapping (key: value lines) (got: True)"],
        id="host-firewall-not-a-mapping",
    ),
    pytest.param(
        put((f"{F}.hostFirewall.allowedTCPPorts", [9100])),
        [f"{F}.hostFirewall.allowedTCPPorts: is not a known key; did you mean allowedTcpPorts? (got: [9100])"],
        id="host-firewall-nixos-spelling",
    ),
    pytest.param(
        put((f"{F}.hostFirewall.trusted", True)),
        [
            (
                f"{F}.hostFirewall.trusted: is not a known key "
                "(known here: allowHostSsh, allowedTcpPorts, allowedUdpPorts) (got: True)"
            )
        ],
        id="host-firewall-per-container-trust",
    ),
    # -- the site's keys ------------------------------------------------------------------
    pytest.param(
        put(("network.trustAllContainers", "yes")),
        ["network.trustAllContainers: must be true or false (got: 'yes')"],
        id="trust-as-string",
    ),
    pytest.param(
        put(("network.trustedInterfaces", ["ve-+"])),
        [
            (
                "network.trustedInterfaces: is not a known key (known here: podman, subnet, trustAllContainers) "
                "(got: ['ve-+'])"
            )
        ],
        id="trusted-interfaces-as-nixos-writes-it",
    ),
    pytest.param(
        put(("host.firewallBackend", "firewalld")),
        ["host.firewallBackend: must be 'iptables' or 'nftables' (got: 'firewalld')"],
        id="backend-firewalld",
    ),
    pytest.param(
        put(("host.firewallBackend", "nft")),
        ["host.firewallBackend: must be 'iptables' or 'nftables' (got: 'nft')"],
        id="backend-nft",
    ),
    pytest.param(
        put(("host.firewallBackend", True)),
        ["host.firewallBackend: must be 'iptables' or 'nftables' (got: True)"],
        id="backend-bool",
    ),
    # -- several at once ------------------------------------------------------------------
    pytest.param(
        lambda data: (subnet("127.0.0.0/24")(data), put((f"{F}.forwardPorts", [{"hostPort": 22}]))(data)),
        [f"network.subnet: {LOOPBACK} (got: '127.0.0.0/24')", PRIVATE_HINT, *forward_22(f"{F}.forwardPorts[0]")],
        id="loopback-subnet-and-forward-22",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), CASES)
def test_invalid_host_access(mutation: Mutation, expected: list[str]) -> None:
    assert report_lines(mutation) == expected


def test_there_are_at_least_50_cases() -> None:
    assert len(CASES) >= 50
    assert len({p.id for p in CASES}) == len(CASES)


def test_allow_host_ssh_permits_the_ssh_port_nixedge_does_not_deploy_over() -> None:
    data = seed_site()
    data["host"]["target"]["port"] = 2200
    data["containers"]["forgejo"]["forwardPorts"] = [{"hostPort": 22, "containerPort": 2222, "allowHostSsh": True}]
    site = site_from_data(data)
    assert site.container("forgejo").isolation.forward_ports == (("tcp", 22, 2222),)


def test_the_ssh_port_is_tcp_only() -> None:
    data = seed_site()
    data["containers"]["forgejo"]["forwardPorts"] = [{"hostPort": 22, "protocol": "udp"}]
    assert site_from_data(data).container("forgejo").isolation.forward_ports == (("udp", 22, 22),)


def test_a_grant_on_a_12_character_name_is_valid() -> None:
    data = seed_site()
    with_generic("prometheus12", hostFirewall={"allowedTcpPorts": [9100, 53], "allowedUdpPorts": [53]})(data)
    (grant,) = site_from_data(data).host_access.grants
    assert (grant.interface, grant.tcp, grant.udp) == ("ve-prometheus12", (53, 9100), (53,))
    assert len(grant.interface) == 15


def test_grants_default_to_none_and_trust_to_false() -> None:
    access = site_from_data(seed_site()).host_access
    assert (access.backend, access.trust_all, access.grants, access.veth_pattern) == ("iptables", False, (), "ve-+")


@pytest.mark.parametrize(
    "net", ["10.0.0.0/16", "10.231.0.0/24", "172.16.0.0/16", "192.168.0.0/16", "100.64.0.0/16", "192.168.100.0/28"]
)
def test_private_subnets_up_to_a_16_are_valid(net: str) -> None:
    data = seed_site()
    subnet(net)(data)
    assert site_from_data(data).subnet == net
