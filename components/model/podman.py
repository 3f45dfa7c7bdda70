"""What Podman itself holds on a NixOS host, which no workload may take or reach.

nixedge enables rootful Podman for the OCI apps (`virtualisation.podman.enable`), so
its socket, storage and credentials are root on the host; its default network and its
own units are taken before nixedge declares anything.
"""

from __future__ import annotations

from ipaddress import IPv4Network

# Podman's control plane on the host (resolved paths: /var/run is /run on NixOS).
# A workload that sees one of these runs containers as root, reads every image's layers
# or the registries' credentials.
CONTROL_PLANE = (
    ("/run/podman", "Podman's API socket"),
    ("/run/docker.sock", "Podman's Docker-compatible socket"),
    ("/var/lib/containers", "Podman's image and container storage"),
    ("/run/containers", "Podman's runtime state and registry credentials (auth.json)"),
    ("/etc/containers", "Podman's policy, registries and storage configuration"),
    ("/var/lib/cni", "the container networks' state"),
    ("/run/netavark.lock", "netavark's lock"),
)

# Names of the host that `virtualisation.podman` makes: group podman owns the socket.
ACCOUNTS = frozenset({"podman", "docker"})

# Units Podman ships (podman-auto-update, podman-restart, podman-clean-transient) or NixOS
# adds (virtualisation.podman.autoPrune: podman-prune), named as podman-<name>.service of
# an OCI app would be: an app called `auto-update` would replace podman-auto-update.service.
OWN_UNITS = frozenset({"auto-update", "restart", "prune", "clean-transient"})

# `podman network create` refuses a subnet that overlaps a network it already has; the
# default network `podman` holds this one on every host (containers.conf).
DEFAULT_NETWORK = IPv4Network("10.88.0.0/16")
# Where `podman network create` without --subnet picks a /24 (containers.conf
# default_subnet_pools): a network made later by hand may take one of these first.
SUBNET_POOLS = (IPv4Network("10.89.0.0/16"), IPv4Network("10.90.0.0/15"), IPv4Network("10.92.0.0/14"),
                IPv4Network("10.96.0.0/11"), IPv4Network("10.128.0.0/9"))  # fmt: skip
# nixedge's suggestion for network.podman.subnet: outside both, on a stock NixOS host.
SUGGESTED_SUBNET = "10.80.0.0/24"

# containers/image transports: Podman reads `dir:PATH`, `oci-archive:PATH` ... as a
# place on the host, not a registry. Only registry references are accepted (oci.py).
TRANSPORTS = frozenset(
    {"dir", "docker", "docker-archive", "docker-daemon", "oci", "oci-archive", "containers-storage",
     "ostree", "sif", "tarball"}
)  # fmt: skip


def control_plane(path: str) -> str | None:
    """What of Podman's control plane `path` (resolved) is or lies in, e.g. "Podman's API
    socket (/run/podman)"; or None. (Every directory above one is a sensitive path of its
    own: only `allowSensitive` opens those, and it then opens all they hold.)"""
    for tree, what in CONTROL_PLANE:
        if path == tree or path.startswith(tree + "/"):
            return f"{what} ({tree})"
    return None
