"""Every invariant of a multi-service host (issue 7) refuses bad input with the exact lines naming its key.

Table-driven like tests/test_bad_configs.py, but each case mutates a valid multi-service
site (`multiservice_site()` below: PostgreSQL in a container with network none, a client
of it, two CI runners sharing a user, a VPN forwarding a UDP port, secrets by reference,
a host and a guest origin, an extra DNS record) and expects the exact lines of the
ConfigError report, `Hint:` lines included. Also proved: what these invariants still
allow (the same port forwarded for two protocols, a shared user, privateUsers identity
with PostgreSQL, equal memory limits in other units), the warnings that are not errors
(a proxied hostname two levels below its zone, a container name longer than 11
characters, also with network none, since nixpkgs asserts on privateNetwork), and module
imports by path read through `load_stack` from a temporary project directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from components.errors import ConfigError
from components.model import load_stack, site_from_data
from tests import nixeval
from tests.nixeval import DELETE, Mutation, put, rename, rename_container, set_key

SOURCE = "homelab.yaml"

PG = "containers.postgres"
FJ = "containers.forgejo"
R1 = "containers.runner1"
R2 = "containers.runner2"
VPN = "containers.vpn"
TOKEN_FILE = f"{R1}.nixos.services.gitea-actions-runner.instances.first.tokenFile"
REC = "tunnel.dnsRecords[0]"


def multiservice_site() -> dict[str, Any]:
    """A valid multi-service `nixedge:site`: a small cousin of stacks/Pulumi.homelab.yaml."""
    return {
        "host": {"name": "homelab", "target": {"transport": "ssh", "destination": "root@homelab"}},
        "network": {"subnet": "10.40.0.0/24"},
        "postgresql": {"container": "postgres"},
        "secrets": {
            "runner-token": {
                "provider": "sops-nix",
                "path": "/run/secrets/runner-token",
                "unit": "sops-install-secrets.service",
            },
            "garage-rpc": {"provider": "agenix", "path": "/run/agenix/garage-rpc"},
        },
        "tunnel": {
            "name": "homelab",
            "zones": [{"name": "example.org"}],
            "dnsRecords": [{"name": "vpn.example.org", "type": "A", "content": "203.0.113.7"}],
        },
        "origins": {
            "grafana": {
                "kind": "host",
                "address": "127.0.0.1",
                "routes": [{"hostname": "grafana.example.org", "port": 3000}],
            },
            "homeassistant": {
                "kind": "guest",
                "address": "10.40.0.50",
                "routes": [{"hostname": "home.example.org", "port": 8123}],
            },
        },
        "containers": {
            "postgres": {
                "app": "postgresql",
                "network": "none",
                "user": {"name": "postgres", "uid": 71, "gid": 71},
                "stateDir": "/var/lib/postgresql",
                "stateVersion": "25.05",
            },
            "forgejo": {
                "app": "forgejo",
                "hostAddress": "10.40.0.10",
                "localAddress": "10.40.0.11",
                "user": {"name": "forgejo", "uid": 991, "gid": 986},
                "stateDir": "/var/lib/forgejo",
                "postgresql": {},
                "stateVersion": "25.05",
                "routes": [{"hostname": "git.example.org", "port": 8080}],
            },
            "runner1": {
                "app": "generic",
                "user": {"name": "runner", "uid": 3000, "gid": 3000, "shared": True},
                "secrets": ["runner-token"],
                "stateVersion": "25.05",
                "nixos": {
                    "services": {
                        "gitea-actions-runner": {
                            "instances": {"first": {"enable": True, "tokenFile": {"_secret": "runner-token"}}}
                        }
                    }
                },
            },
            "runner2": {
                "app": "generic",
                "user": {"name": "runner", "uid": 3000, "gid": 3000, "shared": True},
                "stateVersion": "25.05",
            },
            "vpn": {
                "app": "generic",
                "user": {"name": "wireguard", "uid": 2030, "gid": 2030},
                "stateVersion": "25.05",
                "forwardPorts": [{"hostPort": 51820, "protocol": "udp"}],
            },
        },
    }


def rename_origin(old: str, new: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["origins"][new] = data["origins"].pop(old)

    return mutate


def report_lines(mutation: Mutation) -> list[str]:
    return nixeval.report_lines(multiservice_site, mutation, SOURCE)


NONE_ADDRESS = "is set, but network is none (a private network without addresses)"
NO_ROUTE = "cannot be served: the container has network none, so no address to route to"
PEER_AUTH = "shifts the container's uids, but PostgreSQL peer authentication compares them with the host's"
PEER_HINT = "  Hint: use privateUsers: identity (or no) for PostgreSQL and its clients"
MEMORY = (
    "must be a systemd memory size: bytes with an optional K, M, G or T suffix (base 1024), "
    "a percentage of the host's memory up to 100%, or 'infinity', e.g. '2G'"
)
CPU = "must be a systemd CPUQuota: a percentage above 0% of one CPU, e.g. '200%' for two CPUs"
ONE_FLAG = "must be one systemd-nspawn option such as '--drop-capability=CAP_SYS_CHROOT'"
CAPABILITY = "must be a Linux capability name in capitals, e.g. 'CAP_NET_ADMIN'"
SHARE_HINT = "  Hint: to share this user on purpose, set user.shared: true in both containers"
SHARED_DIFFERS = "which shares user runner; a shared user has the same uid, gid and group in every container"
UNKNOWN_SECRET = "names no secret of the site's secrets (garage-rpc, runner-token)"
NOT_IN_ZONE = "is not in any zone of tunnel.zones (example.org)"
MODULE_PATH = "must be a relative path to a .nix file inside the project, without '..', e.g. 'modules/runner.nix'"
FLAKE = "a flake module is 'flake:<input>.<attribute path>', e.g. 'flake:sops-nix.nixosModules.sops'"


def _runner_users(**user: Any) -> Mutation:
    return put(*((f"{R2}.user.{k}", v) for k, v in user.items()))


CASES = [
    # -- containers without addresses -----------------------------------------------------
    pytest.param(
        put((f"{PG}.hostAddress", "10.40.0.30"), (f"{PG}.localAddress", "10.40.0.31")),
        [
            f"{PG}.hostAddress: {NONE_ADDRESS} (got: '10.40.0.30')",
            f"{PG}.localAddress: {NONE_ADDRESS} (got: '10.40.0.31')",
        ],
        id="addresses-on-network-none",
    ),
    pytest.param(
        put((f"{PG}.localAddress", "10.40.0.31")),
        [f"{PG}.localAddress: {NONE_ADDRESS} (got: '10.40.0.31')"],
        id="local-address-on-network-none",
    ),
    pytest.param(
        put((f"{R2}.network", "none"), (f"{R2}.routes", [{"hostname": "ci.example.org", "port": 8080}])),
        [f"{R2}.routes[0]: {NO_ROUTE} (got: 'ci.example.org')"],
        id="route-on-network-none",
    ),
    pytest.param(
        put((f"{PG}.routes", [{"hostname": "db.example.org", "protocol": "tcp", "port": 5432}])),
        [f"{PG}.routes[0]: {NO_ROUTE} (got: 'db.example.org')"],
        id="route-on-postgres-without-network",
    ),
    pytest.param(
        put((f"{PG}.forwardPorts", [{"hostPort": 5432}])),
        [f"{PG}.forwardPorts: needs addresses, but network is none (got: [5432])"],
        id="forward-ports-on-network-none",
    ),
    # -- forwarded ports ------------------------------------------------------------------
    pytest.param(
        put((f"{R2}.forwardPorts", [{"hostPort": 51820, "protocol": "udp"}])),
        [f"{VPN}.forwardPorts[0].hostPort: is already forwarded (udp) by {R2}.forwardPorts[0].hostPort (got: 51820)"],
        id="forward-port-collision-udp",
    ),
    pytest.param(
        put(
            (f"{R1}.forwardPorts", [{"hostPort": 2222}]),
            (f"{R2}.forwardPorts", [{"hostPort": 2222, "containerPort": 22}]),
        ),
        [f"{R2}.forwardPorts[0].hostPort: is already forwarded (tcp) by {R1}.forwardPorts[0].hostPort (got: 2222)"],
        id="forward-port-collision-tcp-other-container-port",
    ),
    pytest.param(
        put((f"{VPN}.forwardPorts[1]", {"hostPort": 51820, "protocol": "udp", "containerPort": 51821})),
        [f"{VPN}.forwardPorts[1].hostPort: is already forwarded (udp) by {VPN}.forwardPorts[0].hostPort (got: 51820)"],
        id="forward-port-collision-same-container",
    ),
    pytest.param(
        put((f"{VPN}.forwardPorts[0].protocol", "sctp")),
        [f"{VPN}.forwardPorts[0].protocol: Input should be 'tcp' or 'udp' (got: 'sctp')"],
        id="forward-port-protocol",
    ),
    # -- privateUsers and PostgreSQL --------------------------------------------------------
    pytest.param(
        put((f"{FJ}.privateUsers", "pick")),
        [f"{FJ}.privateUsers: {PEER_AUTH} (got: 'pick')", PEER_HINT],
        id="private-users-pick-on-client",
    ),
    pytest.param(
        put((f"{FJ}.privateUsers", 65536)),
        [f"{FJ}.privateUsers: {PEER_AUTH} (got: 65536)", PEER_HINT],
        id="private-users-number-on-client",
    ),
    pytest.param(
        put((f"{PG}.privateUsers", "pick")),
        [f"{PG}.privateUsers: {PEER_AUTH} (got: 'pick')", PEER_HINT],
        id="private-users-pick-on-server",
    ),
    pytest.param(
        put((f"{PG}.privateUsers", 131072)),
        [f"{PG}.privateUsers: {PEER_AUTH} (got: 131072)", PEER_HINT],
        id="private-users-number-on-server",
    ),
    pytest.param(
        put(("postgresql", DELETE), ("containers.postgres", DELETE), (f"{FJ}.privateUsers", "pick")),
        [f"{FJ}.privateUsers: {PEER_AUTH} (got: 'pick')", PEER_HINT],
        id="private-users-pick-with-host-postgresql",
    ),
    pytest.param(
        put((f"{R2}.privateUsers", "random")),
        [
            (
                f"{R2}.privateUsers: must be no, identity, pick, or the first host uid of the container's range "
                "(0 to 4294967295, e.g. 65536), as NixOS privateUsers (got: 'random')"
            )
        ],
        id="private-users-unknown",
    ),
    pytest.param(
        put((f"{R2}.privateUsers", True)),
        [
            (
                f"{R2}.privateUsers: must be no, identity, pick, or the first host uid of the container's range "
                "(0 to 4294967295, e.g. 65536), as NixOS privateUsers (got: True)"
            )
        ],
        id="private-users-bool",
    ),
    # -- resources ------------------------------------------------------------------------
    pytest.param(
        put((f"{PG}.resources", {"memoryHigh": "3G", "memoryMax": "2G"})),
        [f"{PG}.resources.memoryHigh: is above resources.memoryMax (2G); the throttle would never apply (got: '3G')"],
        id="memory-high-above-max",
    ),
    pytest.param(
        put((f"{PG}.resources", {"memoryHigh": "2049M", "memoryMax": "2G"})),
        [
            (
                f"{PG}.resources.memoryHigh: is above resources.memoryMax (2G); the throttle would never apply "
                "(got: '2049M')"
            )
        ],
        id="memory-high-above-max-other-unit",
    ),
    pytest.param(
        put((f"{PG}.resources.memoryMax", "2GB")), [f"{PG}.resources.memoryMax: {MEMORY} (got: '2GB')"], id="memory-gb"
    ),
    pytest.param(
        put((f"{PG}.resources.memoryHigh", "2g")),
        [f"{PG}.resources.memoryHigh: {MEMORY} (got: '2g')"],
        id="memory-lowercase",
    ),
    pytest.param(
        put((f"{PG}.resources.memoryMax", "150%")),
        [f"{PG}.resources.memoryMax: {MEMORY} (got: '150%')"],
        id="memory-percent-above-100",
    ),
    pytest.param(
        put((f"{PG}.resources.memoryMax", 2048)),
        [f"{PG}.resources.memoryMax: Input should be a valid string (got: 2048)"],
        id="memory-number",
    ),
    pytest.param(put((f"{PG}.resources.cpuQuota", "2")), [f"{PG}.resources.cpuQuota: {CPU} (got: '2')"], id="cpu-no-%"),
    pytest.param(put((f"{PG}.resources.cpuQuota", "0%")), [f"{PG}.resources.cpuQuota: {CPU} (got: '0%')"], id="cpu-0%"),
    pytest.param(
        put((f"{PG}.resources.cpuQuota", "1.5%")), [f"{PG}.resources.cpuQuota: {CPU} (got: '1.5%')"], id="cpu-fraction"
    ),
    pytest.param(
        put((f"{PG}.resources.ioWeight", 100)),
        [f"{PG}.resources.ioWeight: is not a known key (a typo?) (got: 100)"],
        id="resources-unknown-key",
    ),
    # -- extraFlags, devices, capabilities ---------------------------------------------------
    pytest.param(
        put((f"{VPN}.extraFlags", ["--private-network"])),
        [
            (
                f"{VPN}.extraFlags[0]: --private-network is set by nixedge from the container's options; use those "
                "instead (got: '--private-network')"
            )
        ],
        id="extra-flag-private-network",
    ),
    pytest.param(
        put((f"{VPN}.extraFlags", ["--capability=CAP_SYS_ADMIN"])),
        [
            (
                f"{VPN}.extraFlags[0]: --capability is set by nixedge from the container's options; use those "
                "instead (got: '--capability=CAP_SYS_ADMIN')"
            )
        ],
        id="extra-flag-capability",
    ),
    pytest.param(
        put((f"{VPN}.extraFlags", ["--private-users=pick"])),
        [
            (
                f"{VPN}.extraFlags[0]: --private-users is set by nixedge from the container's options; use those "
                "instead (got: '--private-users=pick')"
            )
        ],
        id="extra-flag-private-users",
    ),
    pytest.param(
        put((f"{VPN}.extraFlags", ["--bind=/srv:/srv; rm -rf /"])),
        [f"{VPN}.extraFlags[0]: {ONE_FLAG} (got: '--bind=/srv:/srv; rm -rf /')"],
        id="extra-flag-semicolon",
    ),
    pytest.param(
        put((f"{VPN}.extraFlags", ["--setenv=A=$(id)"])),
        [f"{VPN}.extraFlags[0]: {ONE_FLAG} (got: '--setenv=A=$(id)')"],
        id="extra-flag-command-substitution",
    ),
    pytest.param(
        put((f"{VPN}.extraFlags", ['--setenv="A"'])),
        [f"{VPN}.extraFlags[0]: {ONE_FLAG} (got: '--setenv=\"A\"')"],
        id="extra-flag-quote",
    ),
    pytest.param(
        put((f"{VPN}.extraFlags", ["--drop-capability=CAP_SYS_CHROOT --private-network"])),
        [f"{VPN}.extraFlags[0]: {ONE_FLAG} (got: '--drop-capability=CAP_SYS_CHROOT --private-network')"],
        id="extra-flag-two-in-one",
    ),
    pytest.param(
        put((f"{VPN}.extraFlags", ["-U"])), [f"{VPN}.extraFlags[0]: {ONE_FLAG} (got: '-U')"], id="extra-flag-short"
    ),
    pytest.param(
        put((f"{VPN}.allowedDevices", [{"node": "/dev/net/tun", "modifier": "rwx"}])),
        [
            (
                f"{VPN}.allowedDevices[0].modifier: must be one or more of r, w and m (read, write, mknod), in that "
                "order, e.g. 'rwm' or 'rw' (got: 'rwx')"
            )
        ],
        id="device-modifier",
    ),
    pytest.param(
        put((f"{VPN}.allowedDevices", [{"node": "net/tun", "modifier": "rw"}])),
        [f"{VPN}.allowedDevices[0].node: must be an absolute path, e.g. '/var/lib/forgejo' (got: 'net/tun')"],
        id="device-node-relative",
    ),
    pytest.param(
        put((f"{VPN}.additionalCapabilities", ["NET_ADMIN"])),
        [f"{VPN}.additionalCapabilities[0]: {CAPABILITY} (got: 'NET_ADMIN')"],
        id="capability-without-cap",
    ),
    pytest.param(
        put((f"{VPN}.additionalCapabilities", ["cap_net_admin"])),
        [f"{VPN}.additionalCapabilities[0]: {CAPABILITY} (got: 'cap_net_admin')"],
        id="capability-lowercase",
    ),
    # -- PostgreSQL in a container ------------------------------------------------------------
    pytest.param(
        put(("postgresql.container", "pg")),
        ["postgresql.container: names no container (containers: forgejo, postgres, runner1, runner2, vpn) (got: 'pg')"],
        id="postgresql-container-missing",
    ),
    pytest.param(
        put(("postgresql.container", "vpn")),
        ["postgresql.container: names containers.vpn, whose app is generic, not postgresql (got: 'vpn')"],
        id="postgresql-container-not-postgresql",
    ),
    pytest.param(
        put(("postgresql", DELETE)),
        [
            f"{PG}.app: is postgresql, but postgresql.container does not name it (got: 'postgresql')",
            "  Hint: set postgresql: {container: postgres} so that clients use it",
        ],
        id="postgresql-app-not-named",
    ),
    pytest.param(
        put(
            (
                "containers.pg2",
                {
                    **multiservice_site()["containers"]["postgres"],
                    "user": {"name": "pg2", "uid": 72, "gid": 72},
                    "stateDir": "/var/lib/pg2",
                },
            )
        ),
        [
            (
                "containers.pg2.app: is postgresql, but postgresql.container names postgres: clients use that one "
                "server (got: 'postgresql')"
            ),
            "  Hint: a second PostgreSQL needs app: generic with services.postgresql under nixos",
        ],
        id="second-postgresql-app",
    ),
    pytest.param(
        put((f"{FJ}.postgresql.database", "git")),
        [
            (
                f"{FJ}.postgresql.database: must equal the user name (forgejo): NixOS ensureDBOwnership gives a role "
                "only the database of its own name (got: 'git')"
            )
        ],
        id="database-not-user-name",
    ),
    pytest.param(
        put((f"{PG}.postgresql", {})),
        [f"{PG}.postgresql: is set on the PostgreSQL server itself"],
        id="postgresql-server-is-its-own-client",
    ),
    # -- origins ------------------------------------------------------------------------------
    pytest.param(
        put(("origins.grafana.address", "192.168.1.5")),
        [
            (
                "origins.grafana.address: must be a loopback address (127.0.0.0/8) for an origin of kind host "
                "(got: '192.168.1.5')"
            ),
            "  Hint: use kind: guest for another machine or VM",
        ],
        id="host-origin-not-loopback",
    ),
    pytest.param(
        put(("origins.homeassistant.address", "10.40.0.11")),
        [f"origins.homeassistant.address: is already used by {FJ}.localAddress (got: '10.40.0.11')"],
        id="guest-origin-clashes-with-container",
    ),
    pytest.param(
        put(("origins.homeassistant.address", "10.40.0.10")),
        [f"origins.homeassistant.address: is already used by {FJ}.hostAddress (got: '10.40.0.10')"],
        id="guest-origin-clashes-with-host-side",
    ),
    pytest.param(
        put(("origins.homeassistant.address", "192.168.1.5")),
        ["origins.homeassistant.address: is outside network.subnet 10.40.0.0/24 (got: '192.168.1.5')"],
        id="guest-origin-outside-subnet",
    ),
    pytest.param(
        put(("origins.homeassistant.address", "10.40.0.0")),
        ["origins.homeassistant.address: is the network address of network.subnet 10.40.0.0/24 (got: '10.40.0.0')"],
        id="guest-origin-network-address",
    ),
    pytest.param(
        put(
            (
                "origins.vm2",
                {"kind": "guest", "address": "10.40.0.50", "routes": [{"hostname": "vm2.example.org", "port": 8080}]},
            )
        ),
        ["origins.vm2.address: is already used by origins.homeassistant.address (got: '10.40.0.50')"],
        id="two-guests-one-address",
    ),
    pytest.param(
        put(
            (
                "origins.vpn",
                {"kind": "host", "address": "127.0.0.1", "routes": [{"hostname": "wg.example.org", "port": 5000}]},
            )
        ),
        ["origins.vpn: has the name of containers.vpn; names of origins and containers are one namespace (got: 'vpn')"],
        id="origin-named-like-container",
    ),
    pytest.param(
        rename("vpn", "grafana"),
        [
            (
                "origins.grafana: has the name of containers.grafana; names of origins and containers are one "
                "namespace (got: 'grafana')"
            )
        ],
        id="container-named-like-origin",
    ),
    pytest.param(
        put(("origins.grafana.routes[0].hostname", "grafana.example.net")),
        [f"origins.grafana.routes[0].hostname: {NOT_IN_ZONE} (got: 'grafana.example.net')"],
        id="origin-route-out-of-zone",
    ),
    pytest.param(
        put(("origins.grafana.routes[0].port", 80)),
        [
            "origins.grafana.routes[0].port: is a privileged port (< 1024); services listen on 1024 or above (got: 80)",
            "  Hint: use e.g. 8080, or set origins.grafana.allowPrivilegedPorts: true",
        ],
        id="origin-route-privileged-port",
    ),
    pytest.param(
        put(("origins.grafana.routes[0].hostname", "git.example.org")),
        [
            (
                "origins.grafana.routes[0].hostname: is already routed by containers.forgejo.routes[0].hostname; "
                "a hostname has exactly one route (got: 'git.example.org')"
            )
        ],
        id="origin-route-hostname-taken",
    ),
    pytest.param(
        put(("origins.grafana.routes", [])),
        ["origins.grafana.routes: List should have at least 1 item after validation, not 0 (got: [])"],
        id="origin-without-routes",
    ),
    pytest.param(
        put(("origins.grafana.kind", "vm")),
        ["origins.grafana.kind: Input should be 'host' or 'guest' (got: 'vm')"],
        id="origin-kind",
    ),
    pytest.param(
        rename_origin("grafana", "grafana_ui"),
        [
            (
                "origins.grafana_ui: must not contain underscores: NixOS refuses them in container names, e.g. "
                "'forgejo-runner' instead of 'forgejo_runner' (got: 'grafana_ui')"
            )
        ],
        id="origin-name-underscore",
    ),
    # -- shared users -----------------------------------------------------------------------
    pytest.param(
        _runner_users(shared=False),
        [
            f"{R2}.user.name: is already used by {R1}.user.name; each container needs its own name (got: 'runner')",
            SHARE_HINT,
            f"{R2}.user.uid: is already used by {R1}.user.uid; each container needs its own uid (got: 3000)",
            SHARE_HINT,
            f"{R2}.user.gid: is already used by {R1}.user.gid; each container needs its own gid (got: 3000)",
            SHARE_HINT,
            f"{R2}.user.group: is already used by {R1}.user.group; each container needs its own group (got: 'runner')",
            SHARE_HINT,
        ],
        id="shared-only-on-first",
    ),
    pytest.param(
        put((f"{R1}.user.shared", False)),
        [
            f"{R2}.user.name: is already used by {R1}.user.name; each container needs its own name (got: 'runner')",
            SHARE_HINT,
            f"{R2}.user.uid: is already used by {R1}.user.uid; each container needs its own uid (got: 3000)",
            SHARE_HINT,
            f"{R2}.user.gid: is already used by {R1}.user.gid; each container needs its own gid (got: 3000)",
            SHARE_HINT,
            f"{R2}.user.group: is already used by {R1}.user.group; each container needs its own group (got: 'runner')",
            SHARE_HINT,
        ],
        id="shared-only-on-second",
    ),
    pytest.param(
        _runner_users(uid=3001),
        [f"{R2}.user.uid: differs from {R1}.user.uid (3000), {SHARED_DIFFERS} (got: 3001)"],
        id="shared-with-different-uid",
    ),
    pytest.param(
        _runner_users(uid=3001, gid=3001),
        [
            f"{R2}.user.uid: differs from {R1}.user.uid (3000), {SHARED_DIFFERS} (got: 3001)",
            f"{R2}.user.gid: differs from {R1}.user.gid (3000), {SHARED_DIFFERS} (got: 3001)",
        ],
        id="shared-with-different-ids",
    ),
    pytest.param(
        _runner_users(group="ci"),
        [f"{R2}.user.group: differs from {R1}.user.group (runner), {SHARED_DIFFERS} (got: 'ci')"],
        id="shared-with-different-group",
    ),
    pytest.param(
        put((f"{VPN}.user.uid", 3000), (f"{VPN}.user.shared", True)),
        [f"{VPN}.user.uid: is already used by {R1}.user.uid; each container needs its own uid (got: 3000)"],
        id="shared-flag-does-not-share-a-uid-with-another-user",
    ),
    # -- secrets by reference ---------------------------------------------------------------
    pytest.param(
        put((f"{R2}.secrets", ["runner-tokn"])),
        [f"{R2}.secrets[0]: {UNKNOWN_SECRET} (got: 'runner-tokn')"],
        id="secrets-list-undeclared",
    ),
    pytest.param(
        put((f"{TOKEN_FILE}._secret", "runner-tokn")),
        [f"{TOKEN_FILE}._secret: {UNKNOWN_SECRET} (got: 'runner-tokn')"],
        id="secret-value-undeclared",
    ),
    pytest.param(
        put((f"{TOKEN_FILE}._secret", 7)),
        [f"{TOKEN_FILE}._secret: {UNKNOWN_SECRET} (got: 7)"],
        id="secret-value-not-a-name",
    ),
    pytest.param(
        put((f"{R1}.secrets", DELETE)),
        [
            (
                f"{TOKEN_FILE}._secret: names secret runner-token, which {R1}.secrets does not list, so it is not "
                "mounted in the container (got: 'runner-token')"
            ),
            f"  Hint: add runner-token to {R1}.secrets",
        ],
        id="secret-value-not-listed-by-its-container",
    ),
    pytest.param(
        put((f"{FJ}.settings", {"mailer": {"PASSWD_FILE": {"_secret": "garage-rpc"}}})),
        [
            (
                f"{FJ}.settings.mailer.PASSWD_FILE._secret: names secret garage-rpc, which {FJ}.secrets does not "
                "list, so it is not mounted in the container (got: 'garage-rpc')"
            ),
            f"  Hint: add garage-rpc to {FJ}.secrets",
        ],
        id="secret-in-settings-not-listed",
    ),
    pytest.param(
        put(("secrets.runner-token.path", "run/secrets/runner-token")),
        [
            (
                "secrets.runner-token.path: must be an absolute path, e.g. '/var/lib/forgejo' "
                "(got: 'run/secrets/runner-token')"
            )
        ],
        id="secret-path-relative",
    ),
    pytest.param(
        put(("secrets.runner-token.path", "/run/secrets/../token")),
        ["secrets.runner-token.path: must not contain '.' or '..' segments (got: '/run/secrets/../token')"],
        id="secret-path-dotdot",
    ),
    pytest.param(
        put(("secrets.runner-token.provider", "vault")),
        ["secrets.runner-token.provider: Input should be 'sops-nix' or 'agenix' (got: 'vault')"],
        id="secret-provider",
    ),
    pytest.param(
        put(("secrets.runner-token.unit", "sops-install-secrets")),
        [
            (
                "secrets.runner-token.unit: must be a systemd unit name with its suffix, e.g. 'postgresql.service' "
                "(got: 'sops-install-secrets')"
            )
        ],
        id="secret-unit-without-suffix",
    ),
    pytest.param(
        put(("secrets.runner token", {"provider": "agenix", "path": "/run/agenix/x"})),
        [
            (
                "secrets['runner token']: must be a secret name: a letter or digit, then up to 63 letters, digits, "
                "'.', '_' or '-', e.g. 'atticd-env' (got: 'runner token')"
            )
        ],
        id="secret-name",
    ),
    pytest.param(
        put(
            (f"{R2}.secrets", ["runner-token"]), (f"{R2}.bindMounts", [{"path": "/run/secrets", "hostPath": "/srv/ci"}])
        ),
        [
            (
                f"{R2}.secrets[0]: overlaps {R2}.bindMounts[0] (/run/secrets); mount points must not nest "
                "(got: '/run/secrets/runner-token')"
            )
        ],
        id="secret-inside-state-dir",
    ),
    # -- DNS records, imports, catch-all ------------------------------------------------------
    pytest.param(
        put((f"{REC}.name", "vpn.example.net")),
        [f"{REC}.name: {NOT_IN_ZONE} (got: 'vpn.example.net')"],
        id="dns-record-out-of-zone",
    ),
    pytest.param(
        put((f"{REC}.content", "2001:db8::7")),
        [f"{REC}.content: must be an IPv4 address for a record of type A (got: '2001:db8::7')"],
        id="dns-a-not-ipv4",
    ),
    pytest.param(
        put((f"{REC}.type", "AAAA")),
        [f"{REC}.content: must be an IPv6 address for a record of type AAAA (got: '203.0.113.7')"],
        id="dns-aaaa-not-ipv6",
    ),
    pytest.param(
        put((f"{REC}.type", "CNAME"), (f"{REC}.content", "not a host")),
        [f"{REC}.content: must be a host name for a record of type CNAME (got: 'not a host')"],
        id="dns-cname-not-a-host",
    ),
    pytest.param(
        put((f"{REC}.type", "TXT"), (f"{REC}.content", "v=spf1 -all"), (f"{REC}.proxied", True)),
        [f"{REC}.proxied: cannot be true for a TXT record (got: True)"],
        id="dns-proxied-txt",
    ),
    pytest.param(
        put((f"{REC}.type", "MX")),
        [f"{REC}.type: Input should be 'A', 'AAAA', 'CNAME' or 'TXT' (got: 'MX')"],
        id="dns-type",
    ),
    pytest.param(
        put((f"{REC}.name", "git.example.org")),
        [
            (
                f"{REC}.name: is the hostname of {FJ}.routes[0].hostname, which gets its tunnel CNAME already "
                "(got: 'git.example.org')"
            )
        ],
        id="dns-record-on-container-route",
    ),
    pytest.param(
        put((f"{REC}.name", "home.example.org")),
        [
            (
                f"{REC}.name: is the hostname of origins.homeassistant.routes[0].hostname, which gets its tunnel "
                "CNAME already (got: 'home.example.org')"
            )
        ],
        id="dns-record-on-origin-route",
    ),
    pytest.param(
        put(("tunnel.dnsRecords[1]", {"name": "vpn.example.org", "type": "A", "content": "203.0.113.7"})),
        ["tunnel.dnsRecords[1]: repeats tunnel.dnsRecords[0] (A 203.0.113.7) (got: 'vpn.example.org')"],
        id="dns-record-twice",
    ),
    pytest.param(
        put(("tunnel.dnsRecords[1]", {"name": "vpn.example.org", "type": "CNAME", "content": "wg.example.net"})),
        [
            (
                "tunnel.dnsRecords[1].type: cannot share name vpn.example.org with tunnel.dnsRecords[0] (A): "
                "a CNAME must be the only record of its name (got: 'CNAME')"
            )
        ],
        id="dns-cname-beside-a",
    ),
    pytest.param(
        put(("tunnel.dnsRecords[0].ttl", 0)),
        ["tunnel.dnsRecords[0].ttl: Input should be greater than or equal to 1 (got: 0)"],
        id="dns-ttl-zero",
    ),
    pytest.param(
        put(("tunnel.dnsImports", {"old.example.org": "0123456789abcdef0123456789abcdef"})),
        [
            (
                "tunnel.dnsImports['old.example.org']: names no hostname of a route; only routed hostnames get "
                "records (got: '0123456789abcdef0123456789abcdef')"
            )
        ],
        id="dns-import-without-route",
    ),
    pytest.param(
        put(("tunnel.catchAll", "404")),
        [
            (
                "tunnel.catchAll: must be 'http_status:<code>' or an http(s):// URL that gets unmatched requests, "
                "e.g. 'http_status:404' (got: '404')"
            )
        ],
        id="catch-all-bare-code",
    ),
    pytest.param(
        put(("tunnel.catchAll", "ftp://fallback.example.org")),
        [
            (
                "tunnel.catchAll: must be 'http_status:<code>' or an http(s):// URL that gets unmatched requests, "
                "e.g. 'http_status:404' (got: 'ftp://fallback.example.org')"
            )
        ],
        id="catch-all-scheme",
    ),
    pytest.param(
        put(("tunnel.catchAll", "http_status:700")),
        [
            (
                "tunnel.catchAll: must be 'http_status:<code>' or an http(s):// URL that gets unmatched requests, "
                "e.g. 'http_status:404' (got: 'http_status:700')"
            )
        ],
        id="catch-all-status",
    ),
    # -- module imports -----------------------------------------------------------------------
    pytest.param(
        put((f"{R2}.imports", ["/etc/nixos/runner.nix"])),
        [f"{R2}.imports[0]: {MODULE_PATH} (got: '/etc/nixos/runner.nix')"],
        id="import-absolute",
    ),
    pytest.param(
        put((f"{R2}.imports", ["../runner.nix"])),
        [f"{R2}.imports[0]: {MODULE_PATH} (got: '../runner.nix')"],
        id="import-dotdot",
    ),
    pytest.param(
        put((f"{R2}.imports", ["modules/../../runner.nix"])),
        [f"{R2}.imports[0]: {MODULE_PATH} (got: 'modules/../../runner.nix')"],
        id="import-dotdot-inside",
    ),
    pytest.param(
        put((f"{R2}.imports", ["modules/runner"])),
        [f"{R2}.imports[0]: {MODULE_PATH} (got: 'modules/runner')"],
        id="import-not-nix",
    ),
    pytest.param(
        put((f"{R2}.imports", ["modules/run ner.nix"])),
        [f"{R2}.imports[0]: may hold only letters, digits, '.', '_', '-' and '/' (got: 'modules/run ner.nix')"],
        id="import-space",
    ),
    pytest.param(
        put((f"{R2}.imports", ["modules/${x}.nix"])),
        [f"{R2}.imports[0]: may hold only letters, digits, '.', '_', '-' and '/' (got: 'modules/${{x}}.nix')"],
        id="import-interpolation",
    ),
    pytest.param(
        put((f"{R2}.imports", ["flake:sops-nix"])),
        [f"{R2}.imports[0]: {FLAKE} (got: 'flake:sops-nix')"],
        id="flake-without-attribute",
    ),
    pytest.param(
        put((f"{R2}.imports", ["flake:sops-nix.nixosModules.sops; rm -rf /"])),
        [f"{R2}.imports[0]: {FLAKE} (got: 'flake:sops-nix.nixosModules.sops; rm -rf /')"],
        id="flake-garbage",
    ),
    pytest.param(
        put((f"{R2}.imports", ["flake:github:Mic92/sops-nix"])),
        [f"{R2}.imports[0]: {FLAKE} (got: 'flake:github:Mic92/sops-nix')"],
        id="flake-url-instead-of-input",
    ),
    pytest.param(
        put((f"{R2}.imports", ["flake:my-input.in"])),
        [
            (
                f"{R2}.imports[0]: 'in' is a Nix keyword and cannot be a bare attribute name in a flake module "
                "(got: 'flake:my-input.in')"
            )
        ],
        id="flake-keyword",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), CASES)
def test_invalid_multiservice_config(mutation: Mutation, expected: list[str]) -> None:
    assert report_lines(mutation) == expected


def test_every_new_invariant_has_cases() -> None:
    assert len(CASES) >= 80


# -- what stays valid --------------------------------------------------------------------


def test_multiservice_site_is_valid_without_warnings() -> None:
    site = site_from_data(multiservice_site(), SOURCE)
    assert site.warnings == ()
    assert site.postgresql is not None and site.postgresql.clients == ("forgejo",)
    assert site.container("postgres").local_address is None
    # {_secret: NAME} became the path the provider installs it at.
    first = site.container("runner1").nixos["services"]["gitea-actions-runner"]["instances"]["first"]
    assert first["tokenFile"] == "/run/secrets/runner-token"


def test_one_host_port_for_two_protocols() -> None:
    data = multiservice_site()
    set_key(data, f"{R2}.forwardPorts", [{"hostPort": 51820, "protocol": "tcp"}])
    site = site_from_data(data, SOURCE)
    ports = {c.name: c.isolation.forward_ports for c in site.containers if c.isolation.forward_ports}
    assert ports == {"runner2": (("tcp", 51820, 51820),), "vpn": (("udp", 51820, 51820),)}


def test_shared_user_is_one_user() -> None:
    site = site_from_data(multiservice_site(), SOURCE)
    assert site.container("runner1").user == site.container("runner2").user
    assert site.container("runner1").shared_user and site.container("runner2").shared_user


@pytest.mark.parametrize("private_users", ["identity", "no", 0])
def test_postgresql_with_unshifted_ids(private_users: str | int) -> None:
    data = multiservice_site()
    set_key(data, f"{PG}.privateUsers", private_users)
    set_key(data, f"{FJ}.privateUsers", private_users)
    site = site_from_data(data, SOURCE)
    assert not site.container("forgejo").isolation.idmap
    assert not site.container("postgres").isolation.idmap


@pytest.mark.parametrize(("high", "most"), [("2048M", "2G"), ("1G", "2G"), ("50%", "1G"), ("2G", "infinity")])
def test_memory_high_not_above_max(high: str, most: str) -> None:
    data = multiservice_site()
    set_key(data, f"{PG}.resources", {"memoryHigh": high, "memoryMax": most, "cpuQuota": "150%"})
    resources = site_from_data(data, SOURCE).container("postgres").isolation.resources
    assert resources == (("MemoryHigh", high), ("MemoryMax", most), ("CPUQuota", "150%"))


def test_private_users_pick_without_postgresql_idmaps_the_mounts() -> None:
    data = multiservice_site()
    set_key(data, f"{R2}.privateUsers", "pick")
    set_key(data, f"{R2}.secrets", ["runner-token"])
    c = site_from_data(data, SOURCE).container("runner2")
    assert c.isolation.idmap
    assert [m.path for m in c.mounts] == ["/run/secrets/runner-token"]


def test_all_new_errors_are_reported_at_once() -> None:
    lines = report_lines(
        put(
            (f"{PG}.hostAddress", "10.40.0.30"),
            (f"{FJ}.privateUsers", "pick"),
            ("origins.grafana.address", "10.0.0.1"),
            (f"{R2}.user.uid", 3001),
            (f"{R2}.secrets", ["nope"]),
            (f"{REC}.type", "AAAA"),
        )
    )
    keys = [line.split(":")[0] for line in lines if not line.startswith("  Hint")]
    assert sorted(keys) == sorted(
        [
            f"{PG}.hostAddress",
            f"{FJ}.privateUsers",
            "origins.grafana.address",
            f"{R2}.user.uid",
            f"{R2}.secrets[0]",
            f"{REC}.content",
        ]
    )


# -- warnings, not errors ----------------------------------------------------------------


def test_proxied_hostname_two_levels_below_the_zone_warns() -> None:
    data = multiservice_site()
    set_key(data, f"{FJ}.routes[0].hostname", "git.lab.example.org")
    set_key(data, "origins.grafana.routes[0].hostname", "grafana.lab.example.org")
    set_key(data, "tunnel.dnsRecords[1]", {"name": "a.lab.example.org", "type": "A", "content": "203.0.113.8"})
    set_key(
        data,
        "tunnel.dnsRecords[2]",
        {"name": "b.lab.example.org", "type": "A", "content": "203.0.113.9", "proxied": True},
    )
    site = site_from_data(data, SOURCE)
    assert site.warnings == (
        (
            f"{FJ}.routes[0].hostname: git.lab.example.org is more than one level below zone example.org; "
            "Cloudflare's free Universal SSL certificate covers only *.example.org"
        ),
        (
            "origins.grafana.routes[0].hostname: grafana.lab.example.org is more than one level below zone "
            "example.org; Cloudflare's free Universal SSL certificate covers only *.example.org"
        ),
        # The unproxied a.lab.example.org gets no warning: Cloudflare serves no certificate for it.
        (
            "tunnel.dnsRecords[2].name: b.lab.example.org is more than one level below zone example.org; "
            "Cloudflare's free Universal SSL certificate covers only *.example.org"
        ),
    )
    assert [r.hostname for r in site.routes] == ["git.lab.example.org", "grafana.lab.example.org", "home.example.org"]


LONG_NAME = (
    "name is longer than 11 characters; with privateNetwork its veth name needs a Linux kernel newer than 5.8 "
    "(nixpkgs#38509)"
)


@pytest.mark.parametrize(
    ("old", "new"),
    [("runner2", "ci-runner-two"), ("postgres", "postgres-main")],
    ids=["veth", "network-none"],
)
def test_long_container_name_warns(old: str, new: str) -> None:
    data = multiservice_site()
    rename_container(data, old, new)
    if old == "postgres":
        set_key(data, "postgresql.container", new)
    site = site_from_data(data, SOURCE)
    assert site.warnings == (f"containers.{new}: {LONG_NAME}",)
    assert new in [c.name for c in site.containers]


def test_eleven_characters_do_not_warn() -> None:
    data = multiservice_site()
    rename_container(data, "runner2", "ci-runner-2")
    assert site_from_data(data, SOURCE).warnings == ()


# -- module imports by path, read from the project -----------------------------------------


def _project(tmp_path: Path, imports: list[str], files: dict[str, str]) -> Path:
    """A project directory with stacks/Pulumi.test.yaml whose runner2 imports `imports`."""
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    data = multiservice_site()
    set_key(data, f"{R2}.imports", imports)
    stack = tmp_path / "stacks" / "Pulumi.test.yaml"
    stack.parent.mkdir(parents=True, exist_ok=True)
    stack.write_text(yaml.safe_dump({"config": {"nixedge:site": data}}), encoding="utf-8")
    return stack


def test_module_import_missing_file(tmp_path: Path) -> None:
    stack = _project(tmp_path, ["modules/runner.nix", "modules/dir.nix"], {"modules/dir.nix/x": ""})
    with pytest.raises(ConfigError) as info:
        load_stack(config_file=stack)
    assert str(info.value).splitlines() == [
        f"2 errors in {stack}:",
        f"  {R2}.imports[0]: cannot be read from the project: No such file or directory (got: 'modules/runner.nix')",
        f"  {R2}.imports[1]: cannot be read from the project: Is a directory (got: 'modules/dir.nix')",
        f"{stack} is invalid; nothing was changed.",
    ]


def test_module_import_is_read_relative_to_the_project(tmp_path: Path) -> None:
    module = "{ ... }:\n{\n  services.gitea-actions-runner.package = null;\n}\n"
    stack = _project(
        tmp_path, ["modules/runner.nix", "flake:sops-nix.nixosModules.sops"], {"modules/runner.nix": module}
    )
    site = load_stack(config_file=stack)
    assert site.module_files == (("modules/runner.nix", module),)
    assert site.container("runner2").imports == ("../modules/modules/runner.nix", "inputs.sops-nix.nixosModules.sops")


def test_module_import_not_utf8(tmp_path: Path) -> None:
    stack = _project(tmp_path, ["runner.nix"], {})
    (tmp_path / "runner.nix").write_bytes(b"\xff\xfe{ }")
    with pytest.raises(ConfigError) as info:
        load_stack(config_file=stack)
    assert (
        f"  {R2}.imports[0]: cannot be read from the project: not UTF-8 text (got: 'runner.nix')"
        in str(info.value).splitlines()
    )


def test_base_site_is_not_shared_between_cases() -> None:
    first = multiservice_site()
    first["containers"]["runner1"]["secrets"].append("x")
    assert multiservice_site()["containers"]["runner1"]["secrets"] == ["runner-token"]


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            {"ttl": 30},
            "tunnel.dnsRecords[0].ttl: must be 1 (automatic): Cloudflare takes 60 to 86400 seconds (got: 30)",
        ),
        (
            {"ttl": 300, "proxied": True},
            "tunnel.dnsRecords[0].ttl: must be 1 (automatic): a proxied record's TTL is automatic (got: 300)",
        ),
    ],
)
def test_dns_record_ttls_cloudflare_refuses(record: dict[str, Any], expected: str) -> None:
    base = {"name": "vpn.example.org", "type": "A", "content": "203.0.113.7"}
    assert report_lines(put(("tunnel.dnsRecords", [base | record]))) == [expected]


def test_a_route_to_a_container_that_does_not_start_is_refused() -> None:
    lines = report_lines(put(("containers.forgejo.autoStart", False)))
    assert lines[0] == (
        "containers.forgejo.routes[0]: would point at a container that does not start: autoStart is false "
        "(got: 'git.example.org')"
    ), lines


def test_postgresql_serves_no_route() -> None:
    route = [{"hostname": "db.example.org", "protocol": "tcp", "port": 5432}]
    lines = report_lines(put(("containers.postgres.network", "veth"), ("containers.postgres.routes", route)))
    assert (
        "containers.postgres.routes[0].protocol: is not served by app postgresql (it serves no route) (got: 'tcp')"
        in lines
    )


def test_valid_ttls_pass() -> None:
    data = multiservice_site()
    set_key(data, "tunnel.dnsRecords", [{"name": "vpn.example.org", "type": "A", "content": "203.0.113.7", "ttl": 60}])
    assert site_from_data(data, SOURCE).tunnel is not None
