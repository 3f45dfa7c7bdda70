"""The renderer: a pure function from the resolved site to `{relative path: Nix text}`.

One module per container (host side and inside, as the seed's forgejo.nix), one
network module, one cloudflared module and a default.nix importing them all. The
output is byte-for-byte deterministic: sorted, two-space indented, nixfmt layout.
"""

from __future__ import annotations

from typing import Any

from components.model import module_paths as paths
from components.model.host_access import HostAccess
from components.model.module_paths import CLOUDFLARED, INDEX, NETWORK
from components.model.releases import CLOUDFLARED_MIN_VERSION, cloudflared_token_file_option
from components.model.resolved import PodmanNet, ResolvedSite, ResolvedTunnel
from components.nixos.container import container_module
from components.nixos.layout import index_module, module
from components.nixos.nix import Comment, Path, Raw, string
from components.nixos.oci import oci_module, podman_host

__all__ = ["cloudflared_module", "container_module", "network_module", "render"]

# What cloudflared's QUIC transport asks the kernel for (quic-go's buffer size).
UDP_BUFFER_BYTES = 7500000


def _host_firewall(access: HostAccess, podman: PodmanNet | None) -> dict[Any, Any]:
    """What the containers reach on the host: every port (trusted, the seed's), or the grants.
    Trusted, the veths and Podman's bridge are one list: a second assignment would replace the first."""
    if access.trust_all:
        trusted = [access.veth_pattern] + ([podman.interface] if podman is not None else [])
        return {Path("networking", "firewall", "trustedInterfaces"): trusted}
    if not access.grants:
        return {}
    body: dict[Any, Any] = {Comment("Each container reaches only the host ports granted here (hostFirewall)."): None}
    for g in access.grants:
        ports = {"allowedTCPPorts": list(g.tcp)} if g.tcp else {}
        ports |= {"allowedUDPPorts": list(g.udp)} if g.udp else {}
        # Quoted as people write it; container names are [a-z0-9-], nothing to escape.
        interface = Path("networking", "firewall", "interfaces", Raw(string(g.interface)))
        if len(ports) == 1:
            ((option, value),) = ports.items()
            body[Path(*interface.parts, option)] = value
        else:
            body[interface] = ports
    return body


def network_module(site: ResolvedSite) -> str:
    access = site.host_access
    pattern = access.veth_pattern
    body: dict[Any, Any] = {
        Comment(f"{pattern} matches every container's veth; the external interface is left to the machine."): None,
    }
    if not access.trust_all and not access.grants and not any(o.grant_tcp or o.grant_udp for o in site.oci_containers):
        body[Comment("The host's firewall opens no port to the containers: none is granted one (hostFirewall).")] = None
    body[Path("networking", "nat")] = {"enable": True, "internalInterfaces": [pattern]}
    body |= _host_firewall(access, site.podman)
    if site.databases:
        users = [c for c in site.containers if c.database]
        body[Path("services", "postgresql")] = {
            "enable": True,
            "ensureDatabases": list(site.databases),
            "ensureUsers": [{"name": name, "ensureDBOwnership": True} for name in sorted({c.user.name for c in users})],
        }
    if site.podman is not None:
        body |= podman_host(site, site.podman)
    args = ["config"] if site.podman is not None else []
    return module(site.host, f"Container network {site.subnet} and shared services", args, None, body)


def _local_ingress(site: ResolvedSite) -> dict[str, Any]:
    """services.cloudflared's ingress map, from the model's rules (the catch-all is `default`)."""
    rules: dict[str, Any] = {}
    for rule in site.ingress:
        if rule.hostname is None:
            continue
        if rule.origin_server_name is not None:
            rules[rule.hostname] = {
                "service": rule.service,
                Path("originRequest", "originServerName"): rule.origin_server_name,
            }
        else:
            rules[rule.hostname] = rule.service
    return rules


def _udp_buffers(tunnel: ResolvedTunnel) -> dict[Any, Any]:
    if not tunnel.tune_udp_buffers:
        return {}
    return {
        Comment("Buffer sizes cloudflared's QUIC transport asks for."): None,
        Path("boot", "kernel", "sysctl"): {
            "net.core.rmem_max": UDP_BUFFER_BYTES,
            "net.core.wmem_max": UDP_BUFFER_BYTES,
        },
    }


def cloudflared_module(site: ResolvedSite, tunnel: ResolvedTunnel) -> str:
    if tunnel.ingress == "local":
        # Keyed by tunnel.name, as the seed's hand-written module is, so the unit keeps its
        # name (cloudflared-tunnel-<name>). cloudflared needs no id here: given a name that
        # is not a UUID, it takes the tunnel id from the credentials file (findID).
        body: dict[Any, Any] = {
            Path("services", "cloudflared"): {
                "enable": True,
                Path("tunnels", tunnel.name): {
                    "credentialsFile": tunnel.credentials_file,
                    "default": tunnel.catch_all,
                    "ingress": _local_ingress(site),
                },
            }
        }
        body |= _udp_buffers(tunnel)
        what = f"Cloudflare Tunnel {tunnel.name}, locally managed: ingress rules below"
        return module(site.host, what, [], None, body)
    body = _token_tunnel(site, tunnel) | _udp_buffers(tunnel)
    what = f"Cloudflare Tunnel {tunnel.name}, remotely managed: ingress rules live at Cloudflare"
    args = ["config", "lib"] if cloudflared_token_file_option(site.nixos_release) else ["lib", "pkgs"]
    return module(site.host, what, args, None, body)


def _token_tunnel(site: ResolvedSite, tunnel: ResolvedTunnel) -> dict[Any, Any]:
    """The tunnel run by its token file: with nixpkgs' `tokenFile` where the host's
    release has it, else with a unit of the same name and the same LoadCredential form."""
    if cloudflared_token_file_option(site.nixos_release):
        package = "config.services.cloudflared.package"
        body: dict[Any, Any] = {
            Comment("nixpkgs runs `cloudflared tunnel run --token-file`, the token through LoadCredential."): None,
            Path("services", "cloudflared"): {
                "enable": True,
                Path("tunnels", tunnel.name, "tokenFile"): tunnel.credentials_file,
            },
        }
    else:
        package = "pkgs.cloudflared"
        service = {
            "description": f"Cloudflare Tunnel {tunnel.name}",
            "after": ["network-online.target"],
            "wants": ["network-online.target"],
            "wantedBy": ["multi-user.target"],
            "serviceConfig": {
                # %d is systemd's credentials directory: the token never enters the Nix store.
                "ExecStart": Raw(f'"${{lib.getExe {package}}} tunnel --no-autoupdate run --token-file %d/token"'),
                "LoadCredential": f"token:{tunnel.credentials_file}",
                "DynamicUser": True,
                "Restart": "on-failure",
                "RestartSec": 5,
            },
        }
        body = {Path("systemd", "services", f"cloudflared-tunnel-{tunnel.name}"): service}
    check = f"lib.versionAtLeast {package}.version {string(CLOUDFLARED_MIN_VERSION)}"
    message = (
        f"nixedge: Cloudflare Tunnel {tunnel.name} runs with --token-file, "
        f"which needs cloudflared {CLOUDFLARED_MIN_VERSION} or newer"
    )
    body[Path("assertions")] = [{"assertion": Raw(check), "message": message}]
    return body


def render(site: ResolvedSite) -> dict[str, str]:
    """Every generated file of the site, by path relative to the modules directory."""
    files: dict[str, str] = {NETWORK: network_module(site)}
    for c in site.containers:
        files[paths.container_module(c.name)] = container_module(site, c)
    for o in site.oci_containers:
        files[paths.oci_module(o.name)] = oci_module(site, o)
    if site.tunnel is not None:
        files[CLOUDFLARED] = cloudflared_module(site, site.tunnel)
    # Modules referenced by containers' `imports` ship alongside; only they import them.
    for path, text in site.module_files:
        files[paths.shipped_module(path)] = text
    files[INDEX] = index_module(site.host, files)
    return dict(sorted(files.items()))
