"""OCI containers: their Podman network, addresses, published ports, files, order and grants.

The rules they share with NixOS containers are not repeated here: users go through
`identities.users`, mounts through `mounts.given_mounts` and `reach_and_nesting`, routes
through `routes.published_zone`, grants through host_access's port checks.
"""

from __future__ import annotations

import hashlib
from ipaddress import IPv4Address, IPv4Network

from components.model import podman
from components.model.checks import mounts
from components.model.checks.report import Report
from components.model.checks.routes import published_zone
from components.model.host_access import (
    TRUSTED_GRANT,
    TRUSTED_GRANT_HINT,
    bind_address_problem,
    pool_warning,
    ports_issues,
    ssh_ports,
)
from components.model.oci import OciContainer, image_tag_warning
from components.model.resolved import Mount, PodmanNet, PublicRoute, ResolvedOciContainer, ServiceUser
from components.model.site import Site
from components.model.workloads import workloads

PODMAN_KEY = "network.podman"


def podman_network(site: Site, report: Report) -> PodmanNet | None:
    """nixedge's Podman network, or None without OCI containers (or when it is missing)."""
    if not site.oci_containers:
        return None
    if site.network.podman is None:
        report.error(
            PODMAN_KEY,
            "is missing: ociContainers run on a Podman network that nixedge declares",
            has_value=False,
            hint=f"add network: {{podman: {{subnet: {podman.SUGGESTED_SUBNET}}}}}, a range apart from network.subnet",
        )
        return None
    subnet = site.network.podman.subnet
    network, veths = IPv4Network(subnet), IPv4Network(site.network.subnet)
    if network.overlaps(veths):
        report.error(
            f"{PODMAN_KEY}.subnet",
            f"overlaps network.subnet {veths}, the NixOS containers' veth addresses",
            subnet,
            hint=f"use a range of its own, e.g. {podman.SUGGESTED_SUBNET}",
        )
    warning = pool_warning(site)
    if warning is not None:
        report.warn(f"{PODMAN_KEY}.subnet", warning)
    if network.num_addresses < 4:
        report.error(f"{PODMAN_KEY}.subnet", "is too small: a gateway and a container need a /30 at least", subnet)
        return None
    return PodmanNet(subnet, str(network.network_address + 1))


def _owners(site: Site, allocated: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Addresses other workloads hold (the registry's, and the veth pairs allocated)."""
    owners = {addr: key for w in workloads(site) if w.kind != "oci" for key, addr in w.addresses}
    for name, pair in allocated.items():
        owners |= dict(zip(pair, (f"containers.{name}.hostAddress", f"containers.{name}.localAddress"), strict=True))
    return owners


def addresses(
    site: Site, report: Report, net: PodmanNet, allocated: dict[str, tuple[str, str]]
) -> dict[str, tuple[str, bool]]:
    """Each OCI container's address on the Podman network, and whether it was allocated."""
    network = IPv4Network(net.subnet)
    veths = _owners(site, allocated)
    taken = {net.gateway: f"{PODMAN_KEY} (its gateway, the host's side)"}
    out: dict[str, tuple[str, bool]] = {}
    for name, o in sorted(site.oci_containers.items()):
        if o.address is None:
            continue
        loc, ip = f"ociContainers.{name}.address", IPv4Address(o.address)
        if o.address in veths:
            report.error(loc, f"is already used by {veths[o.address]}", o.address)
        elif ip not in network:
            report.error(loc, f"is outside {PODMAN_KEY}.subnet {network}", o.address)
        elif ip in (network.network_address, network.broadcast_address):
            report.error(loc, f"is the network or broadcast address of {PODMAN_KEY}.subnet {network}", o.address)
        elif o.address in taken:
            report.error(loc, f"is already used by {taken[o.address]}", o.address)
        else:
            taken[o.address] = loc
            out[name] = (o.address, False)
    hosts = network.num_addresses - 2
    for name in sorted(n for n, o in site.oci_containers.items() if o.address is None):
        # By a hash of the name, as the veth pairs: stable when other containers come and go.
        start = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") % hosts
        for step in range(hosts):
            addr = str(network.network_address + 1 + (start + step) % hosts)
            if addr not in taken:
                taken[addr] = f"ociContainers.{name}"
                out[name] = (addr, True)
                break
        else:
            report.error(f"ociContainers.{name}", f"needs an address but {PODMAN_KEY}.subnet is full", has_value=False)
    return out


def names_and_ports(site: Site, report: Report) -> None:
    """No app named after Podman's units, no host SSH port published (the namespace:
    identities.namespace; host ports taken twice: isolation.host_ports)."""
    ssh = ssh_ports(site)
    for name, o in site.oci_containers.items():
        loc = f"ociContainers.{name}"
        if name in podman.OWN_UNITS:
            report.error(
                loc,
                f"would be unit podman-{name}.service, which is Podman's own; the app would replace it",
                name,
                hint=f"name it after the app, e.g. {name}-app",
            )
        for i, p in enumerate(o.ports):
            problem = bind_address_problem(p.host_address)
            if problem is not None:
                report.error(f"{loc}.ports[{i}].hostAddress", problem, p.host_address,
                             hint="publish on 127.0.0.1 (the default) or an address of the host")  # fmt: skip
            elif not IPv4Address(p.host_address).is_loopback:
                report.warn(
                    f"{loc}.ports[{i}].hostAddress",
                    f"publishes port {p.host_port} on {p.host_address}: Podman's rules come before the NixOS "
                    "firewall, so every network that reaches that address reaches the app",
                )
            if p.protocol == "tcp" and p.host_port in ssh:
                report.error(
                    f"{loc}.ports[{i}].hostPort",
                    f"is {ssh[p.host_port]}: publishing it would lock out the host's administrators",
                    p.host_port,
                    hint="publish another port, e.g. hostPort: 2222",
                )


def _routes(site: Site, report: Report, name: str, o: OciContainer, address: str) -> tuple[PublicRoute, ...]:
    out: list[PublicRoute] = []
    loc = f"ociContainers.{name}"
    for i, r in enumerate(o.routes):
        rloc = f"{loc}.routes[{i}]"
        if not o.auto_start:
            report.error(
                rloc,
                "would point at a container that does not start: autoStart is false",
                r.hostname,
                hint=f"set {loc}.autoStart: true, or remove the route",
            )
            continue
        zone = published_zone(site, report, rloc, r, o.allow_privileged_ports, loc)
        if zone is not None:
            out.append(PublicRoute(r.hostname, r.protocol, r.port, name, address, zone, rloc, "oci"))
    return tuple(out)


def _files_and_units(site: Site, report: Report, loc: str, o: OciContainer) -> tuple[list[str], list[str]]:
    """The environment files' host paths, and the units that install them."""
    paths, units = [], []
    declared = ", ".join(sorted(site.secrets)) or "none declared"
    for i, secret in enumerate(o.environment_files):
        ref = site.secrets.get(secret)
        if ref is None:
            report.error(f"{loc}.environmentFiles[{i}]", f"names no secret of the site's secrets ({declared})", secret)
            continue
        paths.append(ref.path)
        if ref.unit is not None and ref.unit not in units:
            units.append(ref.unit)
    return paths, units


def _order(site: Site, report: Report, name: str, o: OciContainer) -> None:
    for i, other in enumerate(o.depends_on):
        if other == name or other not in site.oci_containers:
            names = ", ".join(sorted(n for n in site.oci_containers if n != name)) or "none"
            report.error(f"ociContainers.{name}.dependsOn[{i}]", f"names no other OCI container ({names})", other)


def _grants(site: Site, report: Report, loc: str, o: OciContainer) -> tuple[tuple[int, ...], tuple[int, ...]]:
    hf = o.host_firewall
    if hf is None or not (hf.allowed_tcp_ports or hf.allowed_udp_ports):
        return (), ()
    if site.network.trust_all_containers:
        granted = hf.allowed_tcp_ports + hf.allowed_udp_ports
        report.error(f"{loc}.hostFirewall", TRUSTED_GRANT, granted, TRUSTED_GRANT_HINT)
        return (), ()
    report.issues += ports_issues(f"{loc}.hostFirewall.allowedTcpPorts", hf.allowed_tcp_ports)
    report.issues += ports_issues(f"{loc}.hostFirewall.allowedUdpPorts", hf.allowed_udp_ports)
    return tuple(sorted(set(hf.allowed_tcp_ports))), tuple(sorted(set(hf.allowed_udp_ports)))


def _options(o: OciContainer) -> tuple[str, ...]:
    limits = (("--memory", o.resources.memory), ("--cpus", o.resources.cpus))
    return tuple(
        f"{flag}={value:g}" if isinstance(value, float) else f"{flag}={value}"
        for flag, value in limits
        if value is not None
    )


def oci_mounts(site: Site, report: Report, name: str, o: OciContainer) -> tuple[Mount, ...]:
    """Its volumes and state directory, through the rules of every container's mounts."""
    loc = f"ociContainers.{name}"
    given, flagged = mounts.given_mounts(report, loc, "volumes", o.volumes, o.state_dir, o.state_dir_mount)
    mounts.reach_and_nesting(site, report, given, flagged)
    return tuple(sorted(given, key=lambda m: m.path))


def oci_container(
    site: Site, report: Report, name: str, address: tuple[str, bool], resolved_mounts: tuple[Mount, ...]
) -> ResolvedOciContainer:
    o, loc = site.oci_containers[name], f"ociContainers.{name}"
    warning = image_tag_warning(o.image)
    if warning:
        report.warn(f"{loc}.image", warning)
    files, units = _files_and_units(site, report, loc, o)
    _order(site, report, name, o)
    tcp, udp = _grants(site, report, loc, o)
    u = o.user
    return ResolvedOciContainer(
        name=name,
        image=o.image,
        address=address[0],
        user=None if u is None else ServiceUser(u.name, u.group or u.name, u.uid, u.gid),
        mounts=resolved_mounts,
        routes=_routes(site, report, name, o, address[0]),
        state_dir=o.state_dir,
        state_dir_mode=o.state_dir_mode,
        cmd=tuple(o.cmd),
        environment=tuple(sorted(o.environment.items())),
        environment_files=tuple(files),
        ports=tuple((p.host_address, p.host_port, p.container_port or p.host_port, p.protocol) for p in o.ports),
        depends_on=tuple(o.depends_on),
        after=tuple(units + [x for x in o.after if x not in units]),
        requires=tuple(units + [x for x in o.requires if x not in units]),
        auto_start=o.auto_start,
        options=_options(o),
        grant_tcp=tcp,
        grant_udp=udp,
        address_allocated=address[1],
        shared_user=u is not None and u.shared,
    )
