"""The edge half: the Cloudflare Tunnel, its ingress rules and DNS records of a site.

`Tunnel`, `Ingress`, `DnsRecords` and `Edge` are Pulumi components on
`pulumi_cloudflare` (v6). Importing that package costs seconds, so this package imports
nothing on its own: the components are loaded on first use (`components.cloudflare.Edge`),
and `components.cloudflare.ssh_config` stays a pure function that imports no Pulumi.
"""

from __future__ import annotations

import importlib
from typing import Any

# Exported name -> the module that defines it.
_EXPORTS = {
    "Tunnel": "tunnel",
    "TunnelArgs": "tunnel",
    "EdgeTunnel": "edge",
    "Ingress": "ingress",
    "DnsRecords": "dns",
    "Edge": "edge",
}

__all__ = ["DnsRecords", "Edge", "EdgeTunnel", "Ingress", "Tunnel", "TunnelArgs"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
