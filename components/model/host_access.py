"""What the containers' network may take from the host: its addresses, its SSH port, its ports.

Three rules, each checked here and nowhere else:

- `network.subnet` is a private-looking unicast range of a sane size: not loopback,
  `0.0.0.0/8`, link-local, multicast, the reserved 240.0.0.0/4 or a public range of the
  internet (the host would route it to its containers), and no wider than a
  /16 (65,536 addresses, more than any host's containers; a wider one overlaps the
  host's own LAN and VPN ranges);
- no `forwardPorts` entry takes the host's SSH port (22, or `host.target.port`) unless
  it says `allowHostSsh: true`: a forward sends every connection to that port into the
  container, which locks out the host's administrators and nixedge itself;
- a container reaches no port of the host unless its `hostFirewall` grants it (rendered
  as `networking.firewall.interfaces."ve-<name>"`), or the site trusts every container
  wholesale with `network.trustAllContainers` (the seed's setup); a grant of the host's
  SSH port (tcp 22, or `host.target.port`), from a NixOS container or an OCI app alike
  (the workload registry), says `hostFirewall.allowHostSsh: true`.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Literal

from components.errors import Issue
from components.model import podman
from components.model.site import Container, Site
from components.model.workloads import run

# systemd-nspawn names the host side of a container's veth `ve-<name>` while that fits
# in IFNAMSIZ (15 characters); a longer name is shortened with a hash, which iptables
# and nftables rules by name would not match.
IFNAME_MAX = 15
VETH_PREFIX = "ve-"
NAME_MAX_FOR_GRANTS = IFNAME_MAX - len(VETH_PREFIX)
SSH_PORT = 22
WIDEST_PREFIX = 16
# (range, what it is): no container address may come from these.
_SPECIAL = (
    (IPv4Network("0.0.0.0/8"), "0.0.0.0/8, which means 'this host' and is never a valid address"),
    (IPv4Network("127.0.0.0/8"), "the loopback range 127.0.0.0/8: those addresses never leave the host"),
    (
        IPv4Network("169.254.0.0/16"),
        "the link-local range 169.254.0.0/16, which hosts use for their own links (and clouds for metadata)",
    ),
    (IPv4Network("224.0.0.0/4"), "the multicast range 224.0.0.0/4: a veth address must be unicast"),
    (IPv4Network("240.0.0.0/4"), "the reserved range 240.0.0.0/4, which Linux does not route"),
)
# Interface patterns that match every container's veth, per firewall backend.
VETH_PATTERN = {"iptables": "ve-+", "nftables": "ve-*"}


@dataclass(frozen=True)
class Grant:
    """Host ports one container may reach through its veth."""

    container: str
    tcp: tuple[int, ...]
    udp: tuple[int, ...]

    @property
    def interface(self) -> str:
        return VETH_PREFIX + self.container


@dataclass(frozen=True)
class HostAccess:
    """What the renderer needs to write the host's NAT and firewall for the containers."""

    backend: Literal["iptables", "nftables"] = "iptables"
    trust_all: bool = False
    grants: tuple[Grant, ...] = ()  # sorted by container name

    @property
    def veth_pattern(self) -> str:
        """The backend's pattern for every container's veth: `ve-+` (iptables), `ve-*` (nftables)."""
        return VETH_PATTERN[self.backend]


def bind_address_problem(address: str) -> str | None:
    """Why a host address cannot take a published port, or None: every address
    (0.0.0.0) and loopback can; the other special ranges are no address of the host's."""
    ip = IPv4Address(address)
    if ip == IPv4Address("0.0.0.0") or ip.is_loopback:
        return None
    what = next((what for special, what in _SPECIAL if ip in special), None)
    return None if what is None else f"is in {what}: no address of the host to publish on"


def range_issues(key: str, subnet: str, hint: str, wide_hint: str) -> list[Issue]:
    """The range rules every network of the address plan follows (veths, Podman's)."""
    network = IPv4Network(subnet)
    for special, what in _SPECIAL:
        if network.subnet_of(special):
            return [Issue(key, f"is in {what}", subnet, f"use a private range such as {hint}")]
    if network.prefixlen < WIDEST_PREFIX:
        return [
            Issue(
                key,
                f"is too wide: a /{network.prefixlen} is larger than a /{WIDEST_PREFIX} (65,536 addresses) "
                "and overlaps the host's other networks",
                subnet,
                f"containers need two addresses each: use a /24, e.g. {wide_hint}",
            )
        ]
    if network.is_global:
        why = (
            "is a public range of the internet: the host would route it to its containers and lose those "
            "addresses (a resolver, a mirror, a peer) for itself and for them"
        )
        return [Issue(key, why, subnet, f"use a private range such as {hint}")]
    return []


def subnet_issues(site: Site) -> list[Issue]:
    """One address plan: the veths' network and Podman's, under the same range rules, and
    neither on Podman's own default network once nixedge enables Podman."""
    issues = range_issues("network.subnet", site.network.subnet, "10.231.0.0/24 or 192.168.100.0/24", "10.231.0.0/24")
    if site.network.podman is None:
        return issues
    key, subnet = "network.podman.subnet", site.network.podman.subnet
    own = range_issues(key, subnet, podman.SUGGESTED_SUBNET, podman.SUGGESTED_SUBNET)
    network = IPv4Network(subnet)
    if not own and network.overlaps(podman.DEFAULT_NETWORK):
        own.append(
            Issue(
                key,
                f"overlaps Podman's default network {podman.DEFAULT_NETWORK} (network `podman`): "
                "`podman network create` refuses it as already used, and no OCI app would start",
                subnet,
                f"use a range of its own, e.g. {podman.SUGGESTED_SUBNET}",
            )
        )
    if IPv4Network(site.network.subnet).overlaps(podman.DEFAULT_NETWORK) and site.oci_containers:
        issues.append(
            Issue(
                "network.subnet",
                f"overlaps Podman's default network {podman.DEFAULT_NETWORK}, which Podman keeps on a host "
                "with OCI apps: the host would route the same addresses to two bridges",
                site.network.subnet,
                "use a private range such as 10.231.0.0/24 or 192.168.100.0/24",
            )
        )
    return issues + own


def pool_warning(site: Site) -> str | None:
    """Why network.podman.subnet may be taken by a network Podman creates later, or None."""
    if site.network.podman is None:
        return None
    network = IPv4Network(site.network.podman.subnet)
    pool = next((p for p in podman.SUBNET_POOLS if network.overlaps(p)), None)
    if pool is None:
        return None
    return (
        f"is in {pool}, where `podman network create` picks a subnet when given none: a network made later "
        f"by hand may take it first; {podman.SUGGESTED_SUBNET} is outside Podman's ranges"
    )


def ssh_ports(site: Site) -> dict[int, str]:
    """The host's SSH ports, each with the reason it is one."""
    ports = {SSH_PORT: "the host's SSH port (22)"}
    target = site.host.target
    if target.transport == "ssh" and target.port is not None:
        ports[target.port] = f"the host's SSH port (host.target.port {target.port})"
    return ports


def forward_issues(site: Site) -> list[Issue]:
    issues: list[Issue] = []
    ssh = ssh_ports(site)
    target = site.host.target
    deploy = (target.port or SSH_PORT) if target.transport == "ssh" else None
    for name, c in site.containers.items():
        for i, f in enumerate(c.forward_ports):
            loc = f"containers.{name}.forwardPorts[{i}]"
            takes_ssh = f.protocol == "tcp" and f.host_port in ssh
            if takes_ssh and f.allow_host_ssh and f.host_port == deploy:
                issues.append(
                    Issue(
                        f"{loc}.hostPort",
                        f"is the port nixedge deploys over (host.target: ssh to port {deploy}): allowHostSsh cannot "
                        "give it away, or the next deploy could not reach the host",
                        f.host_port,
                        "forward another port; if ~/.ssh/config connects elsewhere, set host.target.port to that port",
                    )
                )
            elif takes_ssh and not f.allow_host_ssh:
                issues.append(
                    Issue(
                        f"{loc}.hostPort",
                        f"is {ssh[f.host_port]}: the forward sends every SSH connection to the host into the "
                        "container, which locks out the host's administrators and nixedge (it deploys over SSH)",
                        f.host_port,
                        f"forward another port, e.g. hostPort: 2222; or, if the host's sshd listens elsewhere, "
                        f"set {loc}.allowHostSsh: true",
                    )
                )
            elif f.allow_host_ssh and not takes_ssh:
                issues.append(
                    Issue(
                        f"{loc}.allowHostSsh",
                        f"is set, but this forward ({f.protocol} {f.host_port}) does not take the host's SSH port "
                        f"(tcp {', '.join(str(p) for p in sorted(ssh))})",
                        True,
                        f"remove {loc}.allowHostSsh",
                    )
                )
    return issues


def ports_issues(loc: str, ports: list[int]) -> list[Issue]:
    issues: list[Issue] = []
    for i, port in enumerate(ports):
        if port in ports[:i]:
            issues.append(Issue(f"{loc}[{i}]", f"lists port {port} again (first at [{ports.index(port)}])", port))
    return issues


# A grant beside trustAllContainers, for every kind of workload (NixOS and OCI containers).
TRUSTED_GRANT = "grants host ports, but network.trustAllContainers already lets every container reach every host port"
TRUSTED_GRANT_HINT = "set network.trustAllContainers: false to grant ports per container, or remove the grant"


def grant_issues(site: Site, name: str, c: Container) -> list[Issue]:
    """Problems of one container's `hostFirewall`; none when it grants nothing."""
    hf = c.host_firewall
    if not hf.allowed_tcp_ports and not hf.allowed_udp_ports:
        return []
    loc = f"containers.{name}.hostFirewall"
    granted = hf.allowed_tcp_ports + hf.allowed_udp_ports
    if site.network.trust_all_containers:
        return [Issue(loc, TRUSTED_GRANT, granted, TRUSTED_GRANT_HINT)]
    if c.network == "none":
        return [Issue(loc, "grants host ports, but network is none: the container has no veth to reach them", granted)]
    if len(name) > NAME_MAX_FOR_GRANTS:
        return [
            Issue(
                loc,
                f"needs the container's veth name {VETH_PREFIX}{name}, but it is longer than {IFNAME_MAX} "
                "characters: systemd-nspawn shortens it with a hash, so a firewall rule by name would match nothing",
                granted,
                f"use a container name of at most {NAME_MAX_FOR_GRANTS} characters",
            )
        ]
    return ports_issues(f"{loc}.allowedTcpPorts", hf.allowed_tcp_ports) + ports_issues(
        f"{loc}.allowedUdpPorts", hf.allowed_udp_ports
    )


def ssh_grant_issues(site: Site, refused: set[str]) -> list[Issue]:
    """Every workload's grants of the host's SSH port: a compromised app that reaches the
    host's sshd can try its logins and keys, so the grant is explicit (allowHostSsh).
    `refused`: keys already refused whole (a grant beside trustAllContainers, say)."""
    if site.network.trust_all_containers:
        return []  # every grant is refused whole (grant_issues, checks/oci.py)
    ssh, issues = ssh_ports(site), []
    for w in run(site):
        key = f"{w.loc}.hostFirewall"
        if key in refused:
            continue
        grants = [r for r in w.reaches if r.protocol == "tcp" and r.port in ssh]
        firsts = [r for i, r in enumerate(grants) if r.port not in (g.port for g in grants[:i])]
        issues += [
            Issue(
                r.key,
                f"is {ssh[r.port]}: the grant lets the workload reach the host's sshd, where a compromised app "
                "could try the host's logins and keys",
                r.port,
                f"remove it; if the app must reach the host over SSH, set {key}.allowHostSsh: true",
            )
            for r in firsts
            if not w.reaches_ssh
        ]
        if w.reaches_ssh and not grants:
            issues.append(
                Issue(
                    f"{key}.allowHostSsh",
                    f"is set, but {key}.allowedTcpPorts grants no SSH port of the host "
                    f"(tcp {', '.join(str(p) for p in sorted(ssh))})",
                    True,
                    f"remove {key}.allowHostSsh",
                )
            )
    return issues


def host_access(site: Site) -> tuple[HostAccess, list[Issue]]:
    """The host's side of the containers' network, and every rule of this module it breaks."""
    issues = subnet_issues(site) + forward_issues(site)
    grants: list[Grant] = []
    for name, c in sorted(site.containers.items()):
        problems = grant_issues(site, name, c)
        issues += problems
        hf = c.host_firewall
        if not problems and (hf.allowed_tcp_ports or hf.allowed_udp_ports):
            grants.append(Grant(name, tuple(sorted(hf.allowed_tcp_ports)), tuple(sorted(hf.allowed_udp_ports))))
    issues += ssh_grant_issues(site, {issue.loc for issue in issues})
    access = HostAccess(site.host.firewall_backend, site.network.trust_all_containers, tuple(grants))
    return access, issues
