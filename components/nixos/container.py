"""One container's module: the host side and, inside `config`, the container's NixOS.

Laid out like the seed's hand-written forgejo.nix: the wrapper command, the
`containers.<name>` block, the service user with the same ids on both sides, the
state directory's tmpfiles rule, and the unit ordering of `container@<name>`.
"""

from __future__ import annotations

from typing import Any

from components.model.releases import postgresql_unit
from components.model.resolved import PostgresqlServer, ResolvedContainer, ResolvedSite, ServiceUser
from components.nixos import nix
from components.nixos.layout import collapse, indented, module
from components.nixos.nix import Comment, Path, Raw


def user_options(u: ServiceUser) -> dict[Any, Any]:
    return {
        Path("users", "users", u.name): {"isSystemUser": True, "group": u.group, "uid": u.uid},
        Path("users", "groups", u.group, "gid"): u.gid,
    }


def _firewall(c: ResolvedContainer) -> dict[Any, Any]:
    if c.local_address is None:
        return {}  # no eth0 without addresses, and nothing reaches it over the network
    if c.firewall_tcp is None:
        return {Path("networking", "firewall", "trustedInterfaces"): ["eth0"]}
    rules: dict[Any, Any] = {Comment("Only the ports of its routes and those the stack config lists."): None}
    rules[Path("networking", "firewall", "allowedTCPPorts")] = list(c.firewall_tcp)
    if c.firewall_udp:
        rules[Path("networking", "firewall", "allowedUDPPorts")] = list(c.firewall_udp)
    return rules


def _inside(site: ResolvedSite, c: ResolvedContainer) -> Raw:
    body: dict[Any, Any] = {
        Path("system", "stateVersion"): c.state_version,
        Comment("Resolve names inside the container; the host's resolv.conf does not work here."): None,
        Path("networking", "useHostResolvConf"): Raw("lib.mkForce false"),
        Path("services", "resolved", "enable"): True,
    }
    body |= _firewall(c)
    body |= user_options(c.user)
    pg = site.postgresql
    if pg is not None and pg.container == c.name:
        body[Comment("Its clients' users, with their ids: peer authentication maps ids to names here.")] = None
        for client in pg.clients:
            body |= user_options(site.container(client).user)
    if c.app != "generic":
        body[Path("services", c.app)] = c.service
    if c.app == "forgejo":
        body[Path("environment", "systemPackages")] = [Raw("config.services.forgejo.package")]
    imports: list[Any] = [Raw(expr) for expr in c.imports]
    if c.nixos:
        imports.append(collapse(c.nixos))
    if imports:
        keys = " and ".join(k for k, v in (("imports", c.imports), ("nixos", c.nixos)) if v)
        body[Comment(f"From the stack config: containers.{c.name}.{keys}.")] = None
        body["imports"] = imports
    inner = nix.value(body, 3)
    # nixfmt puts a lambda that does not fit on the line on a line of its own.
    return Raw("\n      { config, lib, ... }:\n      " + inner)


def _block(site: ResolvedSite, c: ResolvedContainer) -> dict[Any, Any]:
    iso = c.isolation
    block: dict[Any, Any] = {"autoStart": c.auto_start, "privateNetwork": True}
    if c.host_address is not None:
        block |= {"hostAddress": c.host_address, "localAddress": c.local_address}
    # With shifted ids (privateUsers), bind mounts must be id-mapped: nspawn flags, as
    # bindMounts has no option for it.
    mounts = [] if iso.idmap else c.mounts
    if mounts:
        block["bindMounts"] = {m.path: {"hostPath": m.host_path, "isReadOnly": m.read_only} for m in mounts}
    if iso.private_users != "no":
        block["privateUsers"] = iso.private_users
    if iso.ephemeral:
        block["ephemeral"] = True
    if iso.allowed_devices:
        block["allowedDevices"] = [{"node": node, "modifier": mod} for node, mod in iso.allowed_devices]
    if iso.capabilities:
        block["additionalCapabilities"] = list(iso.capabilities)
    if iso.forward_ports:
        block["forwardPorts"] = [
            {"protocol": proto, "hostPort": host, "containerPort": inner} for proto, host, inner in iso.forward_ports
        ]
    flags = (
        [f"--bind{'-ro' if m.read_only else ''}={m.host_path}:{m.path}:idmap" for m in c.mounts] if iso.idmap else []
    )
    flags += list(iso.extra_flags)
    if flags:
        block["extraFlags"] = flags
    block["config"] = _inside(site, c)
    return block


def _ready_unit(pg: PostgresqlServer) -> dict[Any, Any]:
    script = (
        "for _ in $(seq 60); do\n"
        f"  pg_isready --quiet --host={pg.socket_dir} && exit 0\n"
        "  sleep 1\n"
        "done\n"
        f"echo 'PostgreSQL in container {pg.container} did not accept connections within 60 s' >&2\n"
        "exit 1\n"
    )
    return {
        "description": f"PostgreSQL in container {pg.container} accepts connections",
        "after": [f"container@{pg.container}.service"],
        "requires": [f"container@{pg.container}.service"],
        "path": [Raw("pkgs.postgresql")],
        "serviceConfig": {"Type": "oneshot", "RemainAfterExit": True},
        "script": indented(script, 2),
    }


def _host_units(site: ResolvedSite, c: ResolvedContainer, units: tuple[str, ...]) -> list[str]:
    """The units container@<name> orders on; a database on the host's PostgreSQL is
    ready after the unit the host's release names (postgresql.target from 25.11 on)."""
    if c.database is None or site.postgresql is not None:
        return list(units)
    ready = postgresql_unit(site.nixos_release)
    return list(dict.fromkeys(ready if unit == "postgresql.service" else unit for unit in units))


def container_module(site: ResolvedSite, c: ResolvedContainer) -> str:
    body: dict[Any, Any] = {}
    let: dict[str, Any] | None = None
    if c.wrapper:
        script = indented(f'exec nixos-container run {c.name} -- {c.wrapper} "$@"', 1)
        let = {"wrapper": Raw(f"pkgs.writeShellScriptBin {nix.string(c.wrapper)} {script.code}")}
        body[Path("environment", "systemPackages")] = [Raw("wrapper")]
    body[Path("containers", c.name)] = _block(site, c)
    body |= user_options(c.user)
    rules = []
    if c.state_dir:
        rules.append(f"d {c.state_dir} {c.state_dir_mode} {c.user.name} {c.user.group} -")
    pg = site.postgresql
    if pg is not None and pg.container == c.name:
        rules.append(f"d {pg.socket_dir} 0755 {c.user.name} {c.user.group} -")
    if rules:
        body[Path("systemd", "tmpfiles", "rules")] = rules
    unit: dict[str, Any] = {}
    if c.after:
        unit["after"] = _host_units(site, c, c.after)
    if c.requires:
        unit["requires"] = _host_units(site, c, c.requires)
    if c.isolation.resources:
        unit["serviceConfig"] = dict(c.isolation.resources)
    if unit:
        body[Path("systemd", "services", f"container@{c.name}")] = unit
    if pg is not None and pg.container == c.name:
        body[Path("systemd", "services", pg.ready_unit.removesuffix(".service"))] = _ready_unit(pg)
    uses_pkgs = bool(c.wrapper) or (pg is not None and pg.container == c.name)
    args = (["inputs"] if any(e.startswith("inputs.") for e in c.imports) else []) + (["pkgs"] if uses_pkgs else [])
    address = c.local_address or "no address"
    what = f"Container {c.name} ({c.app}): {address}, routes: " + (", ".join(r.hostname for r in c.routes) or "none")
    return module(site.host, what, args, let, body)
