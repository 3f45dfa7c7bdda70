"""An OCI container's module, and the host's Podman network they share.

`virtualisation.oci-containers.containers.<name>` with the Podman backend, the service
user with its registry ids, the state directory's tmpfiles rule, the ordering of
`podman-<name>.service`, and the host ports the container may reach: the network's
bridge is shared, so each grant matches the container's source address too.
"""

from __future__ import annotations

from typing import Any

from components.model.host_access import HostAccess
from components.model.resolved import PodmanNet, ResolvedOciContainer, ResolvedSite
from components.nixos.container import user_options
from components.nixos.layout import indented, module
from components.nixos.nix import Comment, Path, Raw


def network_script(net: PodmanNet) -> str:
    """The shell script of the unit that creates the Podman network. A network left from
    another subnet is removed (with its containers, which their units restart)."""
    inspect = "podman network inspect {name} --format '{{{{range .Subnets}}}}{{{{.Subnet}}}}{{{{end}}}}'"
    return (
        f"if podman network exists {net.name}; then\n"
        f'  [ "$({inspect.format(name=net.name)})" = {net.subnet} ] && exit 0\n'
        f"  podman network rm --force {net.name}\n"
        "fi\n"
        f"podman network create --subnet={net.subnet} --gateway={net.gateway} "
        f"--interface-name={net.interface} --disable-dns {net.name}\n"
    )


def network_unit(net: PodmanNet) -> dict[Any, Any]:
    """The unit that creates the Podman network: nixpkgs has no option for one."""
    return {
        "description": f"Podman network {net.name} ({net.subnet}) of the OCI containers",
        "path": [Raw("config.virtualisation.podman.package")],
        "serviceConfig": {"Type": "oneshot", "RemainAfterExit": True},
        "script": indented(network_script(net), 2),
    }


def podman_host(site: ResolvedSite, net: PodmanNet) -> dict[Any, Any]:
    """network.nix's part for OCI containers: Podman, and the network they live in."""
    body: dict[Any, Any] = {
        Comment(f"OCI containers run by Podman on network {net.name}, bridge {net.interface}."): None,
        Path("virtualisation", "podman", "enable"): True,
        Path("virtualisation", "oci-containers", "backend"): "podman",
        Path("systemd", "services", net.unit.removesuffix(".service")): network_unit(net),
    }
    return body


def _rules(access: HostAccess, net: PodmanNet, o: ResolvedOciContainer) -> dict[Any, Any]:
    """Host ports the container may reach: the bridge is shared, so by source address too."""
    grants = [("tcp", p) for p in o.grant_tcp] + [("udp", p) for p in o.grant_udp]
    if not grants:
        return {}
    if access.backend == "nftables":
        match = f'iifname "{net.interface}" ip saddr {o.address}'
        lines = [f"{match} {proto} dport {port} accept" for proto, port in grants]
        option = Path("networking", "firewall", "extraInputRules")
    else:
        lines = [
            f"iptables -A nixos-fw -i {net.interface} -s {o.address} -p {proto} --dport {port} -j nixos-fw-accept"
            for proto, port in grants
        ]
        option = Path("networking", "firewall", "extraCommands")
    return {
        Comment("The host ports this container reaches (hostFirewall); none else."): None,
        option: indented("\n".join(lines) + "\n", 1),
    }


def _container(net: PodmanNet, o: ResolvedOciContainer) -> dict[Any, Any]:
    block: dict[Any, Any] = {"image": o.image}
    if o.user is not None:  # left out: the image's own user (root unless it says otherwise)
        block["user"] = f"{o.user.uid}:{o.user.gid}"
    if o.cmd:
        block["cmd"] = list(o.cmd)
    if o.environment:
        block["environment"] = dict(o.environment)
    if o.environment_files:
        block["environmentFiles"] = list(o.environment_files)
    if o.mounts:
        block["volumes"] = [f"{m.host_path}:{m.path}{':ro' if m.read_only else ''}" for m in o.mounts]
    if o.ports:
        block["ports"] = [f"{addr}:{host}:{inner}/{proto}" for addr, host, inner, proto in o.ports]
    if o.depends_on:
        block["dependsOn"] = list(o.depends_on)
    if not o.auto_start:
        block["autoStart"] = False
    block["extraOptions"] = [f"--network={net.name}:ip={o.address}", *o.options]
    return block


def oci_module(site: ResolvedSite, o: ResolvedOciContainer) -> str:
    net = site.podman
    assert net is not None  # the model resolves OCI containers only with their network
    body: dict[Any, Any] = {Path("virtualisation", "oci-containers", "containers", o.name): _container(net, o)}
    if o.user is not None:
        body |= user_options(o.user)
    if o.state_dir:
        owner = f"{o.user.name} {o.user.group}" if o.user is not None else "root root"
        rule = f"d {o.state_dir} {o.state_dir_mode} {owner} -"
        body[Path("systemd", "tmpfiles", "rules")] = [rule]
    units = (net.unit, *o.after)
    body[Path("systemd", "services", f"podman-{o.name}")] = {
        "after": list(dict.fromkeys(units)),
        "requires": list(dict.fromkeys((net.unit, *o.requires))),
    }
    body |= _rules(site.host_access, net, o)
    routes = ", ".join(r.hostname for r in o.routes) or "none"
    what = f"OCI container {o.name} ({o.image}): {o.address} on {net.name}, routes: {routes}"
    return module(site.host, what, [], None, body)
