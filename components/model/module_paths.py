"""Where each generated file goes, relative to the host's modules directory: the one
owner of the layout that the renderer writes, the claims and origin checks name, and
the host engine keeps.

    default.nix                  the index a host imports (INDEX)
    network.nix                  the container network and shared services
    cloudflared.nix              the tunnel
    containers/<name>.nix        a NixOS container
    oci-containers/<name>.nix    an OCI container
    modules/<path>               a module a container imports, shipped as it is
"""

from __future__ import annotations

INDEX = "default.nix"
"""The module that imports every other generated one; configuration.nix imports it."""
NETWORK = "network.nix"
CLOUDFLARED = "cloudflared.nix"
SHIPPED = "modules/"
"""Modules shipped as they are; the containers that use them import them."""
TUNNEL_ID = "tunnel-id.nix"
"""A value, not a module, that earlier versions wrote for local ingress (the tunnel's id).
No longer rendered; while the prune step removes it from an upgraded host, the index
must not import it."""


def container_module(name: str) -> str:
    """The path of a NixOS container's generated module."""
    return f"containers/{name}.nix"


def oci_module(name: str) -> str:
    """The path of an OCI container's generated module."""
    return f"oci-containers/{name}.nix"


def shipped_module(path: str) -> str:
    """The path of a module shipped as it is (`path` below the project's modules/)."""
    return f"{SHIPPED}{path}"


def shipped_import(path: str) -> str:
    """How a container's module (in containers/) imports the shipped module `path`."""
    return f"../{shipped_module(path)}"
