"""Addresses: inside the subnet, unique across host and container sides, allocated when left out."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from components.model.addresses import allocate
from components.model.checks.report import Report
from components.model.site import Container, Site

NONE_ADDRESS = "is set, but network is none (a private network without addresses)"


class _Claims:
    """Addresses taken so far, by the key that took them."""

    def __init__(self, report: Report, network: IPv4Network) -> None:
        self.report = report
        self.network = network
        self.owners: dict[str, str] = {}

    def claim(self, loc: str, addr: str) -> None:
        ip, network = IPv4Address(addr), self.network
        if ip not in network:
            self.report.error(loc, f"is outside network.subnet {network}", addr)
        elif ip in (network.network_address, network.broadcast_address):
            kind = "network" if ip == network.network_address else "broadcast"
            self.report.error(loc, f"is the {kind} address of network.subnet {network}", addr)
        if addr in self.owners:
            self.report.error(loc, f"is already used by {self.owners[addr]}", addr)
        else:
            self.owners[addr] = loc


def _container(report: Report, claims: _Claims, name: str, c: Container) -> bool:
    """Claims a container's given addresses; True when it wants them allocated."""
    loc = f"containers.{name}"
    if c.network == "none":
        for key, addr in (("hostAddress", c.host_address), ("localAddress", c.local_address)):
            if addr is not None:
                report.error(f"{loc}.{key}", NONE_ADDRESS, addr)
        return False
    if (c.host_address is None) != (c.local_address is None):
        missing = "hostAddress" if c.host_address is None else "localAddress"
        report.error(
            f"{loc}.{missing}",
            "is missing: give both hostAddress and localAddress, or neither to allocate them",
            has_value=False,
        )
        return False
    if c.host_address is None or c.local_address is None:
        return True
    claims.claim(f"{loc}.hostAddress", c.host_address)
    claims.claim(f"{loc}.localAddress", c.local_address)
    return False


def _origins(report: Report, claims: _Claims, site: Site) -> None:
    for name, origin in site.origins.items():
        loc = f"origins.{name}.address"
        if origin.kind == "guest":
            claims.claim(loc, origin.address)
        elif not IPv4Address(origin.address).is_loopback:
            report.error(
                loc,
                "must be a loopback address (127.0.0.0/8) for an origin of kind host",
                origin.address,
                hint="use kind: guest for another machine or VM",
            )


def check_addresses(site: Site, report: Report) -> dict[str, tuple[str, str]]:
    """Checks every given address; returns the allocated (host, local) pair by container."""
    network = IPv4Network(site.network.subnet)
    claims = _Claims(report, network)
    auto = [name for name, c in site.containers.items() if _container(report, claims, name, c)]
    _origins(report, claims, site)
    allocated = allocate(auto, network, set(claims.owners))
    for name in sorted(set(auto) - set(allocated)):
        report.error(
            f"containers.{name}",
            f"needs addresses but network.subnet {network} has no free pair left",
            has_value=False,
            hint="use a larger subnet, or give hostAddress and localAddress",
        )
    return allocated


def container_addresses(
    name: str, c: Container, allocated: dict[str, tuple[str, str]]
) -> tuple[str | None, str | None]:
    """(host address, local address) of a container; None for network none."""
    if c.network == "none":
        return None, None
    if c.host_address and c.local_address:
        return c.host_address, c.local_address
    return allocated.get(name, ("", ""))
