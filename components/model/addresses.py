"""Deterministic address allocation for containers that name no addresses."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network


def slot_addresses(network: IPv4Network, slot: int) -> tuple[str, str]:
    """Slot k is the pair (host, local) = (network + 2k, network + 2k + 1)."""
    base = int(network.network_address)
    return str(IPv4Address(base + 2 * slot)), str(IPv4Address(base + 2 * slot + 1))


def allocate(names: Iterable[str], network: IPv4Network, taken: set[str]) -> dict[str, tuple[str, str]]:
    """A (host, local) pair for each name, avoiding `taken` addresses.

    The slot comes from a hash of the container's name, so adding or removing other
    containers does not move it; only on a collision does the later name (in sorted
    order) probe on to the next free slot. The first and last slots hold the network
    and broadcast addresses and are never used.
    """
    slots = network.num_addresses // 2
    usable = range(1, slots - 1) if slots > 2 else range(0)
    # The slots that are not free, not the free ones: a /8 has four million of those.
    base = int(network.network_address)
    used = {(int(IPv4Address(a)) - base) // 2 for a in taken if IPv4Address(a) in network}
    free = len(usable) - sum(1 for s in used if s in usable)
    out: dict[str, tuple[str, str]] = {}
    for name in sorted(names):
        if not free:
            break
        digest = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
        offset = digest % len(usable)
        for step in range(len(usable)):
            slot = usable.start + (offset + step) % len(usable)
            if slot not in used:
                used.add(slot)
                free -= 1
                out[name] = slot_addresses(network, slot)
                break
    return out
