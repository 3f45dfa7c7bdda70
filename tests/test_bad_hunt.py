"""What a hunt through the guards found, by family (issue 21's: OCI apps, sites of
several hosts, host access, paths, the edge; and secrets written where the Nix store
keeps them), and the standard that no secret is shown in plain text (issue 23). Every
stack file here was written as a careful operator or an attacker would, from a valid
one, and was not among the cases of tests/test_bad_families.py, tests/test_bad_guards.py,
tests/test_oci_guard.py, tests/test_bad_host_access.py, tests/test_workload_rules.py and
tests/test_tables.py: second instances of a thing, look-alike and other-case spellings,
IPv6 and leading-zero forms, ports out of range or in quotes, paths with `//`, a
trailing `/` or a colon, NUL and newlines, huge values, YAML anchors and merge keys.

Each is refused by `check` with its exact lines, or accepted and shown to render safely.
`WAS_ACCEPTED` names the cases that the guards let through before this file.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from components.__main__ import main
from components.errors import ConfigError
from components.model import site_from_data
from components.model.host_access import TRUSTED_GRANT_HINT
from components.model.hosts import hosts_from_data
from components.model.secret_keys import secret_like
from components.nixos.render import render
from components.stackfile import agree
from components.stackfile.read import StackFile
from tests.model_cases import apps_site as apps
from tests.model_cases import multiservice_site as homelab
from tests.site_mutations import DELETE, Mutation, put
from tests.test_bad_families import report, site

W = "ociContainers.whoami"
U = "containers.uptime"
HS = "hosts.storage"
HM = "hosts.seminar"
G = "origins.grafana"
H = "origins.homeassistant"
R = "containers.uptime.routes"
REC = "tunnel.dnsRecords"
FAMILIES = ("OCI", "sites", "host access", "paths", "edge", "secrets")
FAMILY: dict[str, str] = {}  # case id -> its family


def renamed(new: str) -> Mutation:
    return lambda data: data["ociContainers"].__setitem__(new, data["ociContainers"].pop("whoami"))


def rename_host(old: str, new: str) -> Mutation:
    return lambda data: data["hosts"].__setitem__(new, data["hosts"].pop(old))


def second_app(**keys: Any) -> Mutation:
    """A second OCI app, web, beside whoami, with `keys` over its own valid ones."""

    def mutate(data: dict[str, Any]) -> None:
        app = {
            "image": "docker.io/library/nginx:1.27",
            "address": "10.80.0.20",
            "user": {"name": "web", "uid": 2102, "gid": 2102},
            "stateDir": "/var/lib/web",
        }
        data["ociContainers"]["web"] = {**app, **keys}

    return mutate


def case(case_id: str, family: str, base: Callable[[], Any], mutation: Mutation, *expected: str) -> Any:
    FAMILY[case_id] = family
    return pytest.param(base, mutation, list(expected), id=case_id)


CASES = [
    case(
        "oci-name-cyrillic-lookalike",
        "OCI",
        apps,
        renamed("wh\u043eami"),
        (
            "ociContainers.wh\u043eami: must be a valid NixOS container name: 1-63 lowercase letters, digits or "
            "'-', not starting or ending with '-', e.g. 'forgejo' (got: 'wh\u043eami')"
        ),
    ),
    case(
        "oci-image-space-then-flag",
        "OCI",
        apps,
        put((f"{W}.image", "docker.io/traefik/whoami:v1 --privileged")),
        (
            "ociContainers.whoami.image: must be an image reference: "
            "[registry/]repository[:tag][@sha256:digest], the repository in lowercase, e.g. "
            "'docker.io/traefik/whoami:v1.10.3' (got: 'docker.io/traefik/whoami:v1 --privileged')"
        ),
    ),
    case(
        "oci-image-is-a-flag",
        "OCI",
        apps,
        put((f"{W}.image", "--privileged")),
        (
            "ociContainers.whoami.image: must be an image reference: "
            "[registry/]repository[:tag][@sha256:digest], the repository in lowercase, e.g. "
            "'docker.io/traefik/whoami:v1.10.3' (got: '--privileged')"
        ),
    ),
    case(
        "oci-image-digest-not-hex",
        "OCI",
        apps,
        put((f"{W}.image", "docker.io/traefik/whoami@sha256:xyz")),
        (
            "ociContainers.whoami.image: must be an image reference: "
            "[registry/]repository[:tag][@sha256:digest], the repository in lowercase, e.g. "
            "'docker.io/traefik/whoami:v1.10.3' (got: 'docker.io/traefik/whoami@sha256:xyz')"
        ),
    ),
    case(
        "oci-image-empty-tag",
        "OCI",
        apps,
        put((f"{W}.image", "docker.io/traefik/whoami:")),
        (
            "ociContainers.whoami.image: must be an image reference: "
            "[registry/]repository[:tag][@sha256:digest], the repository in lowercase, e.g. "
            "'docker.io/traefik/whoami:v1.10.3' (got: 'docker.io/traefik/whoami:')"
        ),
    ),
    case(
        "oci-host-port-zero",
        "OCI",
        apps,
        put((f"{W}.ports[0].hostPort", 0)),
        "ociContainers.whoami.ports[0].hostPort: must be greater than or equal to 1 (got: 0)",
    ),
    case(
        "oci-host-port-65536",
        "OCI",
        apps,
        put((f"{W}.ports[0].hostPort", 65536)),
        "ociContainers.whoami.ports[0].hostPort: must be less than or equal to 65535 (got: 65536)",
    ),
    case(
        "oci-cmd-newline",
        "OCI",
        apps,
        put((f"{W}.cmd", ["--port=8080\n--name=x"])),
        (
            "ociContainers.whoami.cmd[0]: must be one line of text without NUL characters (got: "
            "'--port=8080\\n--name=x')"
        ),
    ),
    case(
        "oci-env-name-with-equals",
        "OCI",
        apps,
        put((f"{W}.environment", {"A=B": "x"})),
        (
            "ociContainers.whoami.environment.A=B: must be a shell variable name: letters, digits and '_', "
            "not starting with a digit (got: 'A=B')"
        ),
    ),
    case(
        "oci-volume-colon-in-host-path",
        "OCI",
        apps,
        put((f"{W}.volumes", [{"path": "/data", "hostPath": "/etc/shadow:/x"}])),
        (
            "ociContainers.whoami.volumes[0].hostPath: may contain only letters, digits and . _ - @ + / "
            "(NixOS hands it to systemd-nspawn and tmpfiles unquoted), e.g. '/srv/my-app' (got: "
            "'/etc/shadow:/x')"
        ),
    ),
    case(
        "oci-volume-socket-double-slash",
        "OCI",
        apps,
        put((f"{W}.volumes", [{"path": "/s", "hostPath": "//run/podman/podman.sock"}])),
        (
            "ociContainers.whoami.volumes[0].hostPath: must be normalised, e.g. '/run/podman/podman.sock' "
            "(got: '//run/podman/podman.sock')"
        ),
    ),
    case(
        "oci-volume-podman-trailing-slash",
        "OCI",
        apps,
        put((f"{W}.volumes", [{"path": "/s", "hostPath": "/run/podman/"}])),
        "ociContainers.whoami.volumes[0].hostPath: must be normalised, e.g. '/run/podman' (got: '/run/podman/')",
    ),
    case(
        "oci-address-leading-zero",
        "OCI",
        apps,
        put((f"{W}.address", "10.80.0.010")),
        "ociContainers.whoami.address: must be an IPv4 address, e.g. '192.168.100.11' (got: '10.80.0.010')",
    ),
    case(
        "oci-address-ipv6",
        "OCI",
        apps,
        put((f"{W}.address", "fd00::10")),
        "ociContainers.whoami.address: must be an IPv4 address, e.g. '192.168.100.11' (got: 'fd00::10')",
    ),
    case(
        "oci-memory-zero",
        "OCI",
        apps,
        put((f"{W}.resources.memory", "0")),
        (
            "ociContainers.whoami.resources.memory: is 0 bytes, a limit no app runs under: leave "
            "resources.memory out for no limit, or give the limit you mean, e.g. 512m (got: '0')"
        ),
    ),
    case(
        "oci-memory-zero-with-unit",
        "OCI",
        apps,
        put((f"{W}.resources.memory", "0m")),
        (
            "ociContainers.whoami.resources.memory: is 0 bytes, a limit no app runs under: leave "
            "resources.memory out for no limit, or give the limit you mean, e.g. 512m (got: '0m')"
        ),
    ),
    case(
        "oci-cpus-beyond-1024",
        "OCI",
        apps,
        put((f"{W}.resources.cpus", 100000)),
        "ociContainers.whoami.resources.cpus: must be less than or equal to 1024 (got: 100000)",
    ),
    case(
        "oci-second-app-state-dir-inside",
        "OCI",
        apps,
        second_app(stateDir="/var/lib/whoami/web"),
        (
            "ociContainers.web.stateDir: reaches /var/lib/whoami, the state directory of "
            "ociContainers.whoami (got: '/var/lib/whoami/web')"
        ),
        (
            "ociContainers.whoami.stateDir: reaches /var/lib/whoami/web, the state directory of "
            "ociContainers.web (got: '/var/lib/whoami')"
        ),
    ),
    case(
        "oci-second-app-route-other-case",
        "OCI",
        apps,
        second_app(routes=[{"hostname": "WHOAMI.example.org", "port": 8080}]),
        (
            "ociContainers.whoami.routes[0].hostname: is already routed by "
            "ociContainers.web.routes[0].hostname; a hostname has exactly one route (got: "
            "'whoami.example.org')"
        ),
    ),
    case(
        "oci-user-name-capitals",
        "OCI",
        apps,
        put((f"{W}.user.name", "WhoAmI")),
        (
            "ociContainers.whoami.user.name: must be a user or group name: lowercase letter or '_' first, "
            "then letters, digits, '_' or '-', at most 31 characters, e.g. 'forgejo' (got: 'WhoAmI')"
        ),
    ),
    case(
        "podman-subnet-public",
        "OCI",
        apps,
        put(("network.podman.subnet", "1.1.1.0/24"), (f"{W}.address", "1.1.1.10")),
        (
            "network.podman.subnet: is a public range of the internet: the host would route it to its "
            "containers and lose those addresses (a resolver, a mirror, a peer) for itself and for them "
            "(got: '1.1.1.0/24')"
        ),
        "  Hint: use a private range such as 10.80.0.0/24",
    ),
    case(
        "site-target-ipv6-long-and-short",
        "sites",
        site,
        put(
            (f"{HM}.host.target.destination", "root@[2001:db8::1]"),
            (f"{HS}.host.target.destination", "root@[2001:db8:0:0::1]"),
        ),
        (
            "hosts.storage.host.target: is host seminar's target too "
            "(ssh://[2001:db8::1]:22/etc/nixos/nixedge): the two hosts would overwrite each other's modules "
            "(got: 'ssh://[2001:db8::1]:22/etc/nixos/nixedge')"
        ),
    ),
    case(
        "site-target-ipv6-bare-and-bracketed",
        "sites",
        site,
        put(
            (f"{HM}.host.target.destination", "root@2001:db8::1"),
            (f"{HS}.host.target.destination", "root@[2001:DB8::1]"),
        ),
        (
            "hosts.storage.host.target: is host seminar's target too "
            "(ssh://[2001:db8::1]:22/etc/nixos/nixedge): the two hosts would overwrite each other's modules "
            "(got: 'ssh://[2001:db8::1]:22/etc/nixos/nixedge')"
        ),
    ),
    case(
        "site-target-ipv4-leading-zero",
        "sites",
        site,
        put((f"{HM}.host.target.destination", "root@10.0.0.1"), (f"{HS}.host.target.destination", "root@10.0.0.01")),
        (
            "hosts.storage.host.target.destination: has a number with a leading zero, which ssh reads as "
            "octal (10.0.0.01 is 10.0.0.1 to it): write 10.0.0.1, or the address you mean without leading "
            "zeros (got: 'root@10.0.0.01')"
        ),
    ),
    case(
        "site-target-ipv4-octal-elsewhere",
        "sites",
        site,
        put((f"{HS}.host.target.destination", "root@10.0.0.010")),
        (
            "hosts.storage.host.target.destination: has a number with a leading zero, which ssh reads as "
            "octal (10.0.0.010 is 10.0.0.8 to it): write 10.0.0.8, or the address you mean without leading "
            "zeros (got: 'root@10.0.0.010')"
        ),
    ),
    case(
        "site-target-ipv4-not-octal",
        "sites",
        site,
        put((f"{HS}.host.target.destination", "ssh://root@10.0.0.08:2222")),
        (
            "hosts.storage.host.target.destination: has a number with a leading zero, which ssh reads as "
            "octal (and 8 or 9 after a 0 is no number to it): write the address you mean without leading "
            "zeros (got: 'ssh://root@10.0.0.08:2222')"
        ),
    ),
    case(
        "site-two-hosts-one-machine",
        "sites",
        site,
        put(
            (f"{HS}.host.target.destination", "root@seminar"), (f"{HS}.host.target.path", "/etc/nixos/nixedge-storage")
        ),
        (
            "hosts.storage.host.target: is host seminar's machine too (ssh://seminar:22): a host of a site "
            "is one machine, and two hosts' containers, addresses and tunnels would clash on it (got: "
            "'ssh://seminar:22/etc/nixos/nixedge-storage')"
        ),
        "  Hint: put these containers under host seminar, or point this host at its own machine",
    ),
    case(
        "site-two-hosts-one-machine-other-spelling",
        "sites",
        site,
        put((f"{HS}.host.target.destination", "deploy@SEMINAR."), (f"{HS}.host.target.path", "/srv/nixedge")),
        (
            "hosts.storage.host.target: is host seminar's machine too (ssh://seminar:22): a host of a site "
            "is one machine, and two hosts' containers, addresses and tunnels would clash on it (got: "
            "'ssh://seminar:22/srv/nixedge')"
        ),
        "  Hint: put these containers under host seminar, or point this host at its own machine",
    ),
    case(
        "site-target-dot-segment",
        "sites",
        site,
        put((f"{HS}.host.target.destination", "root@seminar"), (f"{HS}.host.target.path", "/etc/nixos/./nixedge")),
        "hosts.storage.host.target.path: must not contain '.' or '..' segments (got: '/etc/nixos/./nixedge')",
    ),
    case(
        "site-host-key-cyrillic",
        "sites",
        site,
        rename_host("storage", "st\u043erage"),
        (
            "hosts.st\u043erage.host.name: must be a host name: lowercase letters, digits and '-', e.g. 'seminar' "
            "(got: 'st\u043erage')"
        ),
    ),
    case(
        "site-host-key-trailing-dot",
        "sites",
        site,
        rename_host("storage", "storage."),
        (
            "hosts.storage..host.name: must be a host name: lowercase letters, digits and '-', e.g. "
            "'seminar' (got: 'storage.')"
        ),
    ),
    case(
        "site-destination-newline-option",
        "sites",
        site,
        put((f"{HS}.host.target.destination", "root@storage\nProxyCommand x")),
        (
            "hosts.storage.host.target.destination: must be one word without spaces, not starting with '-' "
            "(got: 'root@storage\\nProxyCommand x')"
        ),
    ),
    case(
        "site-rollout-canary-capitals",
        "sites",
        site,
        put(("rollout", {"canary": "Storage"})),
        "rollout.canary[0]: must be a host name: lowercase letters, digits and '-', e.g. 'seminar' (got: 'Storage')",
    ),
    case(
        "site-target-port-in-quotes",
        "sites",
        site,
        put((f"{HS}.host.target.port", "22")),
        "hosts.storage.host.target.port: must be a number, not text in quotes: write 22 without quotes (got: '22')",
    ),
    case(
        "grant-a-boolean-port",
        "host access",
        apps,
        put((f"{U}.hostFirewall", {"allowedTcpPorts": [True]})),
        "containers.uptime.hostFirewall.allowedTcpPorts[0]: must be a whole number (got: True)",
    ),
    case(
        "grant-ssh-as-float",
        "host access",
        apps,
        put((f"{U}.hostFirewall", {"allowedTcpPorts": [22.0]})),
        "containers.uptime.hostFirewall.allowedTcpPorts[0]: must be a whole number (got: 22.0)",
    ),
    case(
        "origin-postgresql-of-a-host-network-server",
        "host access",
        homelab,
        put((f"{G}.routes[0].port", 5432)),
        (
            "origins.grafana.routes[0].port: is the host's PostgreSQL (127.0.0.1:5432), which holds the "
            "containers' databases: a route would publish it (got: 5432)"
        ),
        "  Hint: route to the app that uses the database, never to the database",
    ),
    case(
        "origin-postgresql-on-another-loopback",
        "host access",
        homelab,
        put((f"{G}.address", "127.0.0.2"), (f"{G}.routes[0].port", 5432)),
        (
            "origins.grafana.routes[0].port: is the host's PostgreSQL (127.0.0.2:5432), which holds the "
            "containers' databases: a route would publish it (got: 5432)"
        ),
        "  Hint: route to the app that uses the database, never to the database",
    ),
    case(
        "forward-postgresql-port-of-a-host-network-server",
        "host access",
        homelab,
        put(("containers.vpn.forwardPorts", [{"hostPort": 5432, "containerPort": 5432}])),
        (
            "containers.vpn.forwardPorts[0].hostPort: is the port of the host's PostgreSQL (5432), which the "
            "host runs for containers' databases: the two would fight over it (got: 5432)"
        ),
        "  Hint: use another host port, e.g. 15432",
    ),
    case(
        "subnet-public",
        "host access",
        apps,
        put(("network.subnet", "8.8.8.0/24"), (f"{U}.hostAddress", "8.8.8.10"), (f"{U}.localAddress", "8.8.8.11")),
        (
            "network.subnet: is a public range of the internet: the host would route it to its containers "
            "and lose those addresses (a resolver, a mirror, a peer) for itself and for them (got: "
            "'8.8.8.0/24')"
        ),
        "  Hint: use a private range such as 10.231.0.0/24 or 192.168.100.0/24",
    ),
    case(
        "subnet-host-bits",
        "host access",
        apps,
        put(("network.subnet", "10.50.0.1/24")),
        (
            "network.subnet: must be an IPv4 network such as '192.168.100.0/24' (10.50.0.1/24 has host bits "
            "set) (got: '10.50.0.1/24')"
        ),
    ),
    case(
        "origin-guest-metadata-address",
        "host access",
        homelab,
        put((f"{H}.address", "169.254.169.254")),
        "origins.homeassistant.address: is outside network.subnet 10.40.0.0/24 (got: '169.254.169.254')",
    ),
    case(
        "bind-etc-shadow-double-slash",
        "paths",
        apps,
        put((f"{U}.bindMounts", [{"path": "/x", "hostPath": "/etc//shadow"}])),
        "containers.uptime.bindMounts[0].hostPath: must be normalised, e.g. '/etc/shadow' (got: '/etc//shadow')",
    ),
    case(
        "bind-host-path-colon",
        "paths",
        apps,
        put((f"{U}.bindMounts", [{"path": "/x", "hostPath": "/etc/shadow:/y"}])),
        (
            "containers.uptime.bindMounts[0].hostPath: may contain only letters, digits and . _ - @ + / "
            "(NixOS hands it to systemd-nspawn and tmpfiles unquoted), e.g. '/srv/my-app' (got: "
            "'/etc/shadow:/y')"
        ),
    ),
    case(
        "bind-host-path-trailing-space",
        "paths",
        apps,
        put((f"{U}.bindMounts", [{"path": "/x", "hostPath": "/srv/data "}])),
        (
            "containers.uptime.bindMounts[0].hostPath: may contain only letters, digits and . _ - @ + / "
            "(NixOS hands it to systemd-nspawn and tmpfiles unquoted), e.g. '/srv/my-app' (got: '/srv/data ')"
        ),
    ),
    case(
        "bind-host-path-huge",
        "paths",
        apps,
        put((f"{U}.bindMounts", [{"path": "/x", "hostPath": "/srv/" + "a" * 5000}])),
        (
            "containers.uptime.bindMounts[0].hostPath: is too long: Linux takes at most 255 bytes per name "
            "and 4095 in all (got: "
            "'/srv/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...)"
        ),
    ),
    case(
        "bind-other-apps-state-child",
        "paths",
        apps,
        put((f"{U}.bindMounts", [{"path": "/w", "hostPath": "/var/lib/whoami/db"}])),
        (
            "containers.uptime.bindMounts[0].hostPath: reaches /var/lib/whoami, the state directory of "
            "ociContainers.whoami (got: '/var/lib/whoami/db')"
        ),
    ),
    case(
        "state-dir-holds-another-apps",
        "paths",
        apps,
        put((f"{U}.stateDir", "/srv/apps"), (f"{W}.stateDir", "/srv/apps/whoami")),
        (
            "containers.uptime.stateDir: reaches /srv/apps/whoami, the state directory of "
            "ociContainers.whoami (got: '/srv/apps')"
        ),
        (
            "ociContainers.whoami.stateDir: reaches /srv/apps, the state directory of containers.uptime "
            "(got: '/srv/apps/whoami')"
        ),
    ),
    case(
        "secrets-dir-inside-a-state-dir",
        "paths",
        apps,
        put(("host.secretsDir", "/var/lib/uptime-kuma/secrets")),
        (
            "containers.uptime.stateDir: reaches host.secretsDir (/var/lib/uptime-kuma/secrets): the "
            "container could read the tunnel credentials (got: '/var/lib/uptime-kuma')"
        ),
    ),
    case(
        "state-dir-inside-the-target",
        "paths",
        apps,
        put((f"{U}.stateDir", "/etc/nixos/nixedge/x")),
        (
            "containers.uptime.stateDir: is a sensitive host path; use a directory of its own such as "
            "/var/lib/<app> (got: '/etc/nixos/nixedge/x')"
        ),
    ),
    case(
        "secret-path-trailing-slash",
        "paths",
        apps,
        put(("secrets.whoami-env.path", "/run/secrets/")),
        "secrets.whoami-env.path: must be normalised, e.g. '/run/secrets' (got: '/run/secrets/')",
    ),
    case(
        "rec-aaaa-capitals",
        "edge",
        apps,
        put((REC, [{"name": "v6.example.org", "type": "AAAA", "content": "2001:DB8::1"}])),
        (
            "tunnel.dnsRecords[0].content: must be written in its one printed form: write 2001:db8::1 (got: "
            "'2001:DB8::1')"
        ),
    ),
    case(
        "rec-aaaa-two-spellings",
        "edge",
        apps,
        put(
            (
                REC,
                [
                    {"name": "x.example.org", "type": "AAAA", "content": "2001:db8::1"},
                    {"name": "x.example.org", "type": "AAAA", "content": "2001:db8:0::1"},
                ],
            )
        ),
        (
            "tunnel.dnsRecords[1].content: must be written in its one printed form: write 2001:db8::1 (got: "
            "'2001:db8:0::1')"
        ),
    ),
    case(
        "rec-a-unspecified",
        "edge",
        apps,
        put((REC, [{"name": "x.example.org", "type": "A", "content": "0.0.0.0"}])),
        (
            "tunnel.dnsRecords[0].content: is no address of a host (unspecified, multicast or broadcast): "
            "clients would reach nothing (got: '0.0.0.0')"
        ),
    ),
    case(
        "rec-a-multicast",
        "edge",
        apps,
        put((REC, [{"name": "x.example.org", "type": "A", "content": "224.0.0.1"}])),
        (
            "tunnel.dnsRecords[0].content: is no address of a host (unspecified, multicast or broadcast): "
            "clients would reach nothing (got: '224.0.0.1')"
        ),
    ),
    case(
        "rec-a-broadcast",
        "edge",
        apps,
        put((REC, [{"name": "x.example.org", "type": "A", "content": "255.255.255.255"}])),
        (
            "tunnel.dnsRecords[0].content: is no address of a host (unspecified, multicast or broadcast): "
            "clients would reach nothing (got: '255.255.255.255')"
        ),
    ),
    case(
        "rec-aaaa-ipv4-mapped",
        "edge",
        apps,
        put((REC, [{"name": "x.example.org", "type": "AAAA", "content": "::ffff:10.0.0.1"}])),
        (
            "tunnel.dnsRecords[0].content: is an IPv4 address in IPv6 form: publish it as a record of type "
            "A, content 10.0.0.1 (got: '::ffff:10.0.0.1')"
        ),
    ),
    case(
        "rec-a-twice-other-case",
        "edge",
        apps,
        put(
            (
                REC,
                [
                    {"name": "x.example.org", "type": "A", "content": "203.0.113.7"},
                    {"name": "X.example.org", "type": "A", "content": "203.0.113.7"},
                ],
            )
        ),
        "tunnel.dnsRecords[1]: repeats tunnel.dnsRecords[0] (A 203.0.113.7) (got: 'x.example.org')",
    ),
    case(
        "route-hostname-zero-width-space",
        "edge",
        apps,
        put((f"{R}[0].hostname", "sta\u200btus.example.org")),
        (
            "containers.uptime.routes[0].hostname: is not ASCII; its IDNA (ASCII) form is "
            "'status.example.org': write that, which is what DNS holds (got: 'sta\\u200btus.example.org')"
        ),
    ),
    case(
        "route-hostname-with-port",
        "edge",
        apps,
        put((f"{R}[0].hostname", "status.example.org:443")),
        (
            "containers.uptime.routes[0].hostname: must be a DNS host name with at least two labels, e.g. "
            "'forgejo.example.org' (got: 'status.example.org:443')"
        ),
    ),
    case(
        "route-hostname-zone-as-suffix",
        "edge",
        apps,
        put((f"{R}[0].hostname", "status.notexample.org")),
        (
            "containers.uptime.routes[0].hostname: is not in any zone of tunnel.zones (example.org) (got: "
            "'status.notexample.org')"
        ),
    ),
    case(
        "zone-twice-other-case",
        "edge",
        apps,
        put(("tunnel.zones[1]", {"name": "Example.org"})),
        "tunnel.zones[1].name: is listed twice (got: 'example.org')",
    ),
    case(
        "tunnel-name-a-path",
        "edge",
        apps,
        put(("tunnel.name", "../apps")),
        "tunnel.name: may only hold letters, digits, '.', '_' and '-' (got: '../apps')",
    ),
    case(
        "oci-cmd-password-flag",
        "secrets",
        apps,
        put((f"{W}.cmd", ["--password=hunter2"])),
        (
            "ociContainers.whoami.cmd[0]: is a literal secret: it would be written to the world-readable Nix "
            "store (got: '<hidden>')"
        ),
        (
            "  Hint: put it in an environment file declared under the site's `secrets:` and list it in "
            "environmentFiles, or mount a file the app reads"
        ),
    ),
    case(
        "oci-cmd-token-then-value",
        "secrets",
        apps,
        put((f"{W}.cmd", ["--port=8080", "--token", "hunter2"])),
        (
            "ociContainers.whoami.cmd[2]: follows --token: is a literal secret: it would be written to the "
            "world-readable Nix store (got: '<hidden>')"
        ),
        (
            "  Hint: put it in an environment file declared under the site's `secrets:` and list it in "
            "environmentFiles, or mount a file the app reads"
        ),
    ),
    case(
        "nixos-extra-flag-setenv-secret",
        "secrets",
        apps,
        put((f"{U}.extraFlags", ["--setenv=API_TOKEN=hunter2"])),
        (
            "containers.uptime.extraFlags[0]: is a literal secret: it would be written to the world-readable "
            "Nix store (got: '<hidden>')"
        ),
        (
            "  Hint: declare it under the site's `secrets:` (a file on the host), list it in the container's "
            "`secrets` and point the service at its path"
        ),
    ),
    case(
        "nixos-list-of-tokens",
        "secrets",
        apps,
        put((f"{U}.nixos.services.x.tokens", ["hunter2"])),
        (
            "containers.uptime.nixos.services.x.tokens[0]: is a literal secret: it would be written to the "
            "world-readable Nix store (got: '<hidden>')"
        ),
        (
            "  Hint: declare it under the site's `secrets:` (a file on the host) and write `{_secret: NAME}` "
            "here instead, with NAME in the container's `secrets` (see docs/secrets.md)"
        ),
    ),
    case(
        "target-is-the-hosts-configuration",
        "paths",
        apps,
        put(("host.target.path", "/etc/nixos")),
        (
            "host.target.path: is the host's own configuration directory (configuration.nix is there): "
            "nixedge's modules, and the files it prunes, belong in a directory of their own inside it (got: "
            "'/etc/nixos')"
        ),
        "  Hint: keep the default, /etc/nixos/nixedge",
    ),
    case(
        "secrets-dir-in-the-hosts-configuration",
        "paths",
        apps,
        put(("host.secretsDir", "/etc/nixos/secrets")),
        (
            "host.secretsDir: is in /etc/nixos, which a host whose configuration is a flake copies into the "
            "world-readable Nix store whole: every user of the host could read the tunnel credentials (got: "
            "'/etc/nixos/secrets')"
        ),
        "  Hint: keep the default, /var/lib/nixedge/secrets",
    ),
    case(
        "state-dir-world-writable",
        "paths",
        apps,
        put((f"{U}.stateDirMode", "0777")),
        (
            "containers.uptime.stateDirMode: lets every user of the host write to the app's state directory: "
            "another user could plant or change files the app reads (got: '0777')"
        ),
        "  Hint: use 0750 or 0700",
    ),
    case(
        "oci-state-dir-writable-by-others",
        "paths",
        apps,
        put((f"{W}.stateDirMode", "0757")),
        (
            "ociContainers.whoami.stateDirMode: lets every user of the host write to the app's state "
            "directory: another user could plant or change files the app reads (got: '0757')"
        ),
        "  Hint: use 0750 or 0700",
    ),
    case(
        "oci-root-app-state-dir-world-writable",
        "paths",
        apps,
        put((f"{W}.stateDirMode", "0777"), (f"{W}.user", DELETE)),
        (
            "ociContainers.whoami.stateDirMode: lets every user of the host write to the app's state "
            "directory: another user could plant or change files the app reads (got: '0777')"
        ),
        "  Hint: use 0750 or 0700",
    ),
    case(
        "catch-all-to-cloud-metadata",
        "edge",
        apps,
        put(("tunnel.catchAll", "http://169.254.169.254/latest/meta-data/")),
        (
            "tunnel.catchAll: reaches a link-local, multicast or reserved address, no service of yours: "
            "every request no route matches would go there (at 169.254.169.254 clouds serve a host's "
            "credentials) (got: 'http://169.254.169.254/latest/meta-data/')"
        ),
        "  Hint: use http_status:404, or the URL of a service of your own",
    ),
    case(
        "catch-all-to-ipv6-link-local",
        "edge",
        apps,
        put(("tunnel.catchAll", "http://[fe80::1]:8080")),
        (
            "tunnel.catchAll: reaches a link-local, multicast or reserved address, no service of yours: "
            "every request no route matches would go there (at 169.254.169.254 clouds serve a host's "
            "credentials) (got: 'http://[fe80::1]:8080')"
        ),
        "  Hint: use http_status:404, or the URL of a service of your own",
    ),
    case(
        "catch-all-with-credentials",
        "edge",
        apps,
        put(("tunnel.catchAll", "http://user:pass@10.50.0.11:3001")),
        (
            "tunnel.catchAll: must be 'http_status:<code>' or an http(s):// URL that gets unmatched "
            "requests, e.g. 'http_status:404' (got: 'http://user:<hidden>@10.50.0.11:3001')"
        ),
    ),
    case(
        "catch-all-port-zero",
        "edge",
        apps,
        put(("tunnel.catchAll", "http://127.0.0.1:0")),
        (
            "tunnel.catchAll: must have a port from 1 to 65535, or none; cloudflared refuses it at start "
            "(got: 'http://127.0.0.1:0')"
        ),
    ),
    case(
        "oci-volume-libvirt-socket",
        "OCI",
        apps,
        put((f"{W}.volumes", [{"path": "/var/run/libvirt/libvirt-sock"}])),
        (
            "ociContainers.whoami.volumes[0].path: is a sensitive host path; mounting it gives the container "
            "power over the host (/var/run/libvirt/libvirt-sock is /run/libvirt/libvirt-sock on a NixOS "
            "host) (got: '/var/run/libvirt/libvirt-sock')"
        ),
        "  Hint: mount a narrower path, or set ociContainers.whoami.volumes[0].allowSensitive: true",
    ),
    case(
        "bind-incus-socket",
        "paths",
        apps,
        put((f"{U}.bindMounts", [{"path": "/incus", "hostPath": "/var/lib/incus/unix.socket"}])),
        (
            "containers.uptime.bindMounts[0].hostPath: is a sensitive host path; mounting it gives the "
            "container power over the host (got: '/var/lib/incus/unix.socket')"
        ),
        "  Hint: mount a narrower path, or set containers.uptime.bindMounts[0].allowSensitive: true",
    ),
    case(
        "oci-env-db-pass",
        "secrets",
        apps,
        put((f"{W}.environment.DB_PASS", "hunter2")),
        (
            "ociContainers.whoami.environment.DB_PASS: is a literal secret: it would be written to the "
            "world-readable Nix store (got: '<hidden>')"
        ),
        "  Hint: put it in an environment file declared under the site's `secrets:` and list it in environmentFiles",
    ),
    case(
        "nixos-settings-words-run-together",
        "secrets",
        apps,
        put((f"{U}.nixos.services.uptime-kuma.settings.ADMINTOKEN", "hunter2")),
        (
            "containers.uptime.nixos.services.uptime-kuma.settings.ADMINTOKEN: is a literal secret: it would "
            "be written to the world-readable Nix store (got: '<hidden>')"
        ),
        (
            "  Hint: declare it under the site's `secrets:` (a file on the host) and write `{_secret: NAME}` "
            "here instead, with NAME in the container's `secrets` (see docs/secrets.md)"
        ),
    ),
    case(
        "site-host-key-a-number",  # a traceback before (sorting int and str keys): data from Python, not YAML
        "sites",
        site,
        rename_host("storage", 1),  # type: ignore[arg-type]
        'hosts.1.host.name: must be text: write "1" in quotes (YAML reads 1 as a number) (got: 1)',
    ),
    case(
        "target-without-transport",  # pydantic's words before: "Unable to extract tag using discriminator"
        "sites",
        site,
        put((f"{HS}.host.target", {})),
        (
            "hosts.storage.host.target.transport: is required: it says which kind this is, ssh (a NixOS host "
            "reached over SSH) or local (a directory of the machine that runs Pulumi)"
        ),
    ),
    case(
        "target-transport-in-capitals",
        "sites",
        site,
        put((f"{HS}.host.target.transport", "SSH")),
        (
            "hosts.storage.host.target.transport: must be ssh (a NixOS host reached over SSH) or local (a "
            "directory of the machine that runs Pulumi) (got: 'SSH')"
        ),
    ),
    case(
        "grant-second-port-is-ssh",
        "host access",
        apps,
        put((f"{U}.hostFirewall", {"allowedTcpPorts": [9100, 22]})),
        (
            "containers.uptime.hostFirewall.allowedTcpPorts[1]: is the host's SSH port (22): the grant lets "
            "the workload reach the host's sshd, where a compromised app could try the host's logins and "
            "keys (got: 22)"
        ),
        (
            "  Hint: remove it; if the app must reach the host over SSH, set "
            "containers.uptime.hostFirewall.allowHostSsh: true"
        ),
    ),
    case(
        "bind-second-mount-sensitive",
        "paths",
        apps,
        put((f"{U}.bindMounts", [{"path": "/a", "hostPath": "/srv/a"}, {"path": "/b", "hostPath": "/etc/shadow"}])),
        (
            "containers.uptime.bindMounts[1].hostPath: is a sensitive host path; mounting it gives the "
            "container power over the host (got: '/etc/shadow')"
        ),
        "  Hint: mount a narrower path, or set containers.uptime.bindMounts[1].allowSensitive: true",
    ),
    case(
        "route-second-privileged",
        "edge",
        apps,
        put((f"{U}.routes[1]", {"hostname": "b.example.org", "port": 80})),
        "containers.uptime.routes[1].port: is a privileged port (< 1024); services listen on 1024 or above (got: 80)",
        "  Hint: use e.g. 8080, or set containers.uptime.allowPrivilegedPorts: true",
    ),
    case(
        "oci-second-port-is-ssh",
        "OCI",
        apps,
        put((f"{W}.ports[1]", {"hostPort": 22, "containerPort": 22})),
        (
            "ociContainers.whoami.ports[1].hostPort: is the host's SSH port (22): publishing it would lock "
            "out the host's administrators (got: 22)"
        ),
        "  Hint: publish another port, e.g. hostPort: 2222",
    ),
    case(
        "oci-second-volume-podman-socket",
        "OCI",
        apps,
        put(
            (
                f"{W}.volumes",
                [{"path": "/a", "hostPath": "/srv/a"}, {"path": "/s", "hostPath": "/run/podman/podman.sock"}],
            )
        ),
        (
            "ociContainers.whoami.volumes[1].hostPath: reaches Podman's API socket (/run/podman): Podman "
            "runs as root, so a workload that sees it is root on the host (got: '/run/podman/podman.sock')"
        ),
    ),
]

# Accepted before this branch (and rendered, or planned, as written).
WAS_ACCEPTED = {
    "oci-memory-zero": "OCI",
    "oci-memory-zero-with-unit": "OCI",
    "podman-subnet-public": "OCI",
    "site-target-ipv6-long-and-short": "sites",
    "site-target-ipv6-bare-and-bracketed": "sites",
    "site-target-ipv4-leading-zero": "sites",
    "site-target-ipv4-octal-elsewhere": "sites",
    "site-target-ipv4-not-octal": "sites",
    "site-two-hosts-one-machine": "sites",
    "site-two-hosts-one-machine-other-spelling": "sites",
    "origin-postgresql-of-a-host-network-server": "host access",
    "origin-postgresql-on-another-loopback": "host access",
    "forward-postgresql-port-of-a-host-network-server": "host access",
    "subnet-public": "host access",
    "rec-aaaa-capitals": "edge",
    "rec-aaaa-two-spellings": "edge",
    "rec-a-unspecified": "edge",
    "rec-a-multicast": "edge",
    "rec-a-broadcast": "edge",
    "rec-aaaa-ipv4-mapped": "edge",
    "oci-cmd-password-flag": "secrets",
    "oci-cmd-token-then-value": "secrets",
    "nixos-extra-flag-setenv-secret": "secrets",
    "nixos-list-of-tokens": "secrets",
    "target-is-the-hosts-configuration": "paths",
    "secrets-dir-in-the-hosts-configuration": "paths",
    "state-dir-world-writable": "paths",
    "oci-state-dir-writable-by-others": "paths",
    "oci-root-app-state-dir-world-writable": "paths",
    "catch-all-to-cloud-metadata": "edge",
    "catch-all-to-ipv6-link-local": "edge",
    "oci-volume-libvirt-socket": "OCI",
    "bind-incus-socket": "paths",
    "oci-env-db-pass": "secrets",
    "nixos-settings-words-run-together": "secrets",
}


@pytest.mark.parametrize(("base", "mutation", "expected"), CASES)
def test_refused_with_its_exact_message(base: Callable[[], Any], mutation: Mutation, expected: list[str]) -> None:
    assert report(base, mutation) == expected


def test_cases_are_unique_and_in_families() -> None:
    assert len({p.id for p in CASES}) == len(CASES)
    assert set(FAMILY.values()) == set(FAMILIES)
    assert {k: FAMILY[k] for k in WAS_ACCEPTED} == WAS_ACCEPTED
    assert min(Counter(FAMILY.values()).values()) >= 4


# -- rightly accepted: what each renders --------------------------------------------------


def _render(base: Callable[[], Any], mutation: Mutation) -> dict[str, str]:
    data = base()
    mutation(data)
    return render(site_from_data(data, "site.yaml"))


def test_an_environment_value_with_nix_interpolation_renders_as_text() -> None:
    files = _render(apps, put((f"{W}.environment.X", "${pkgs.hello}")))
    assert '      X = "\\${pkgs.hello}";\n' in files["oci-containers/whoami.nix"]


def test_one_port_number_for_tcp_and_udp_publishes_both() -> None:
    files = _render(apps, put((f"{W}.ports[1]", {"hostPort": 8081, "containerPort": 8080, "protocol": "udp"})))
    text = files["oci-containers/whoami.nix"]
    assert '"127.0.0.1:8081:8080/tcp"' in text and '"127.0.0.1:8081:8080/udp"' in text


def test_no_oci_apps_render_no_podman() -> None:
    files = _render(apps, put(("ociContainers", {})))
    assert sorted(files) == ["cloudflared.nix", "containers/uptime.nix", "default.nix", "network.nix"]
    assert "podman" not in "".join(files.values()).lower()


def test_a_grant_of_no_ports_opens_nothing() -> None:
    files = _render(apps, put((f"{U}.hostFirewall", {"allowedTcpPorts": [], "allowedUdpPorts": []})))
    assert 'interfaces."ve-uptime"' not in files["network.nix"]


def test_a_hostname_in_capitals_is_routed_in_lowercase() -> None:
    data = apps()
    put((f"{R}[0].hostname", "Status.Example.org"))(data)
    assert site_from_data(data, "site.yaml").routes[0].hostname == "status.example.org"


def test_two_names_of_one_secret_file_mount_it_once() -> None:
    mutation = put(
        ("secrets.other", {"provider": "sops-nix", "path": "/run/secrets/whoami-env"}),
        (f"{U}.secrets", ["whoami-env", "other"]),
    )
    text = _render(apps, mutation)["containers/uptime.nix"]
    assert text.count('"/run/secrets/whoami-env" = {') == 1


def test_two_hosts_on_other_ssh_ports_of_one_name_are_two_machines() -> None:
    """Port 2222 of a machine is another sshd, such as a VM's behind a forward."""
    data = site()
    put((f"{HS}.host.target.destination", "root@seminar"), (f"{HS}.host.target.port", 2222))(data)
    resolved = hosts_from_data(data, "site.yaml", project_dir="/srv/project")
    assert [(h.host, h.target.get("port")) for h in resolved.hosts] == [("seminar", None), ("storage", 2222)]


def test_a_record_with_a_private_address_is_published_as_written() -> None:
    """Split-horizon setups publish LAN addresses on purpose."""
    data = apps()
    put((REC, [{"name": "lan.example.org", "type": "A", "content": "10.0.0.1"}]))(data)
    (record,) = site_from_data(data, "site.yaml").tunnel.dns_records  # type: ignore[union-attr]
    assert (record.type, record.content) == ("A", "10.0.0.1")


# -- the stack file as text, through `nixedge check` --------------------------------------

APPS = (Path(__file__).resolve().parents[1] / "stacks" / "Pulumi.apps.yaml").read_text()
OCI = "    ociContainers:\n      whoami:\n"
PORT = "            port: 3001\n"
SETTINGS = '                PORT: "3001"\n'
ENV = "          WHOAMI_NAME: apps\n"
STATE = "        stateDir: /var/lib/uptime-kuma\n"
SITE = "  nixedge:site:\n"


def check(tmp_path: Path, old: str, new: str, *flags: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`nixedge check` of stacks/Pulumi.apps.yaml with `old` replaced: (exit code, stdout and stderr)."""
    assert old in APPS
    path = tmp_path / "Pulumi.hunt.yaml"
    path.write_text(APPS.replace(old, new, 1))
    code = main(["check", "--config", str(path), *flags])
    out, err = capsys.readouterr()
    return code, (out + err).replace(str(path), "FILE")


YAML_CASES = [
    pytest.param(
        OCI,
        OCI.replace("      whoami:\n", "      base: &b\n        image: docker.io/library/nginx:1.27\n")
        + "      web:\n        <<: *b\n        address: 10.80.0.30\n      whoami:\n",
        [
            (
                "ociContainers.web.<<: is a YAML merge key (quoted or not, to Pulumi); YAML readers differ on what "
                "a merge keeps"
            ),
            "  Hint: write the merged keys out (an alias of a whole value is fine)",
        ],
        id="yaml-merge-key-for-a-second-app",
    ),
    pytest.param(
        OCI,
        "    ociContainers:\n      web: *w\n      whoami: &w\n",
        ["ociContainers.web: uses the alias *w, which no anchor defines"],
        id="yaml-alias-before-its-anchor",
    ),
    pytest.param(
        OCI,
        OCI + "        image: docker.io/library/nginx:1.27\n      whoami:\n",
        [
            (
                "ociContainers.whoami: is defined twice (lines 52 and 54): Pulumi refuses the file, YAML 1.1 "
                "readers keep the last one"
            ),
            "  Hint: keep one of them",
        ],
        id="yaml-second-app-of-one-name",
    ),
    pytest.param(
        PORT,
        "            port: \uff13\uff10\uff10\uff11\n",
        [
            (
                "containers.uptime.routes[0].port: must be a number in the digits 0-9: write 3001 without quotes "
                "(got: '\uff13\uff10\uff10\uff11') (line 43)"
            )
        ],
        id="port-in-fullwidth-digits",
    ),
    pytest.param(
        SITE,
        "  nixedge:sites:\n    host: {}\n" + SITE,
        [
            "config.nixedge:sites: is not a key nixedge reads; did you mean nixedge:site?",
            "  Hint: put the site's keys under nixedge:site, or delete this key",
        ],
        id="config-misspelt-site-beside-the-site",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "expected"), YAML_CASES)
def test_yaml_refused_with_its_exact_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, expected: list[str]
) -> None:
    code, output = check(tmp_path, old, new, capsys=capsys)
    lines = output.splitlines()
    assert (code, lines[1:-1]) == (2, [f"  {line}" for line in expected])


def test_a_hex_port_both_readers_take_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = check(tmp_path, PORT, "            port: 0xBB9\n", capsys=capsys)
    assert code == 0 and "status.example.org  http://10.50.0.11:3001" in output


# -- no secret in any message --------------------------------------------------------------

SECRET = "hunter2-Zq9"
NIXOS = APPS[APPS.index("        nixos:\n") : APPS.index("    ociContainers:\n")]
S = f"{U}.nixos.services.uptime-kuma.settings"


def added(anchor: str, text: str, secret: str, key: str, case_id: str) -> Any:
    """A case: `text` written after `anchor`; `secret` must not show, `key` must."""
    return pytest.param(anchor, anchor + text, secret, key, id=case_id)


# (old, new, the secret's text, the key the message still names)
ECHO_CASES = [
    added(STATE, f"        settigns:\n          ADMIN_TOKEN: {SECRET}\n", SECRET, f"{U}.settigns",
          "misspelt-key-holding-a-secret"),
    added(STATE, f"        settigns:\n          DATABASE_URL: postgres://u:{SECRET}@db/x\n", SECRET, f"{U}.settigns",
          "misspelt-key-holding-a-url-with-a-password"),
    added(ENV, f"        environmnet:\n          DB_PASSWORD: {SECRET}\n", SECRET, f"{W}.environmnet",
          "misspelt-oci-environment"),
    added(STATE, f"        ADMIN_TOKEN: {SECRET}\n", SECRET, f"{U}.ADMIN_TOKEN", "secret-at-the-wrong-level"),
    added(ENV, "          API_TOKEN: 86753091\n", "86753091", f"{W}.environment.API_TOKEN",
          "secret-number-where-text-goes"),
    added(ENV, f"          API_TOKEN: [{SECRET}]\n", SECRET, f"{W}.environment.API_TOKEN",
          "secret-in-a-list-where-text-goes"),
    added(ENV, "          API_TOKEN: " + SECRET * 12000 + "\n", SECRET, f"{W}.environment.API_TOKEN",
          "secret-over-max-arg-strlen"),
    added(SETTINGS, "                API_TOKEN: 0755123\n", "755123", f"{S}.API_TOKEN", "secret-read-as-octal"),
    added(SETTINGS, f"                API_TOKEN: !!str {SECRET}\n", SECRET, f"{S}.API_TOKEN", "secret-with-a-tag"),
    added(SETTINGS, "                API_KEY: 12:34:56\n", "12:34:56", f"{S}.API_KEY", "secret-read-as-base-60"),
    added(SETTINGS, "                API_KEY: 8_675_309\n", "8675309", f"{S}.API_KEY", "secret-with-underscores"),
    added(SETTINGS, "                SECRET: 2031-07-15\n", "2031-07-15", f"{S}.SECRET", "secret-read-as-a-date"),
    added(SETTINGS, "                API_TOKEN: 99999999999999999999\n", "99999999999999999999", f"{S}.API_TOKEN",
          "secret-beyond-64-bits"),
    added(SETTINGS, "                API_TOKEN: 8675309.0\n", "8675309", f"{S}.API_TOKEN", "secret-as-a-whole-float"),
    added(SETTINGS, f'                API_TOKEN: "\\n{SECRET}\\nmore"\n', SECRET, f"{S}.API_TOKEN",
          "secret-the-engine-rewrites"),
    added(SETTINGS, f'                API_TOKEN: "{SECRET}\\0"\n', SECRET, f"{U}.nixos", "secret-with-a-nul"),
    added(SETTINGS, f"               ADMIN_TOKEN: {SECRET}\n", SECRET, "an indentation mistake",
          "secret-on-a-misindented-line"),
    pytest.param(SITE, f"  nixedge:ADMIN_TOKEN: {SECRET}\n" + SITE, SECRET, "config.nixedge:ADMIN_TOKEN",
                 id="secret-as-a-project-key"),
    pytest.param(SITE, f"  cloudflare:apiToken: {SECRET}\n" + SITE, SECRET, "config.cloudflare:apiToken",
                 id="secret-of-a-provider-in-plain-text"),
    added(STATE, f"        routes:\n          hostname: x.example.org\n          token: {SECRET}\n", SECRET,
          f"{U}.routes", "mapping-where-a-list-goes"),
    pytest.param(NIXOS, f'        nixos: "ADMIN_TOKEN={SECRET}"\n', SECRET, f"{U}.nixos",
                 id="text-where-nixos-data-goes"),
    pytest.param('cmd: ["--port=8080", "--name=apps"]', f'cmd: ["--port=8080", "--password={SECRET}\\n"]', SECRET,
                 f"{W}.cmd[1]", id="secret-flag-with-a-newline"),
    added("    tunnel:\n      name: apps\n", f"      catchAll: http://u:{SECRET}@10.50.0.11:3001\n", SECRET,
          "tunnel.catchAll", "password-in-a-url"),
]  # fmt: skip


@pytest.mark.parametrize("flags", [(), ("--json",)], ids=["text", "json"])
@pytest.mark.parametrize(("old", "new", "secret", "key"), ECHO_CASES)
def test_check_never_shows_a_secret(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    secret: str,
    key: str,
    flags: tuple[str, ...],
) -> None:
    code, output = check(tmp_path, old, new, *flags, capsys=capsys)
    assert code == 2, output
    assert secret not in output and key in output, output


@pytest.mark.parametrize(
    ("written", "message"),
    [
        pytest.param(
            f"  nixedge:ADMIN_TOKEN: {SECRET}\n",
            "config.nixedge:ADMIN_TOKEN: is not a key nixedge reads (it reads only nixedge:site); its value would be "
            "ignored",
            id="project-key",
        ),
        pytest.param(
            f"  cloudflare:apiToken: {SECRET}\n",
            "config.cloudflare:apiToken: is a secret in plain text in the stack file, which is committed and reviewed",
            id="provider-key",
        ),
    ],
)
def test_preview_and_up_refuse_what_check_refuses(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str, message: str
) -> None:
    """Review equals deploy: the engine's run (components/stackfile/agree.py) reads the
    stack file through the same room and stops with check's message."""
    code, output = check(tmp_path, SITE, written + SITE, capsys=capsys)
    assert code == 2 and f"  {message}\n" in output and SECRET not in output
    monkeypatch.setattr(agree, "stack_path", lambda stack: tmp_path / "Pulumi.hunt.yaml")
    with pytest.raises(ConfigError) as info:
        agree.engine_site("hunt", json.dumps({"host": {}}), "engine", compare=True)
    assert f"  {message}\n" in str(info.value) and SECRET not in str(info.value)


def test_a_value_read_otherwise_by_the_engine_is_named_without_the_secret() -> None:
    written = StackFile({"c": {"API_TOKEN": "a-Zq9"}, "port": 1}, {("c", "API_TOKEN"): 7})
    found = agree.disagreement(written, {"c": {"API_TOKEN": "b-Zq9"}, "port": 1}, "FILE", "src", "the engine")
    assert found is not None and "Zq9" not in str(found) and "c.API_TOKEN: (line 7 of FILE)" in str(found)
    plain = agree.disagreement(written, {"c": {"API_TOKEN": "a-Zq9"}, "port": 2}, "FILE", "src", "the engine")
    assert plain is not None and "is 1 to `check` (what was reviewed) but 2 to the engine" in str(plain)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(2**63, "9223372036854775808"), (5e-324, "5e-324")],
    ids=["integer-beyond-64-bits", "subnormal-float"],
)
def test_a_nix_value_nix_cannot_hold_is_named_without_the_secret(value: object, shown: str) -> None:
    """Data that reaches the model without YAML (the engine's JSON) takes the same rule."""
    for key, hidden in (("API_TOKEN", True), ("PORT", False)):
        data = apps()
        put((f"{U}.nixos.services.x.{key}", value))(data)
        with pytest.raises(ConfigError) as info:
            site_from_data(data, "site.yaml")
        assert (shown in str(info.value)) is not hidden and f"services.x.{key}:" in str(info.value)


def test_every_kind_of_workload_gets_one_hint_for_a_grant_beside_trust_all() -> None:
    data = apps()
    put(("network.trustAllContainers", True), (f"{U}.hostFirewall", {"allowedTcpPorts": [9100]}))(data)
    lines = report(lambda: data, lambda d: None)
    hints = [line for line in lines if line.startswith("  Hint:")]
    assert hints == [f"  Hint: {TRUSTED_GRANT_HINT}"] * 2, lines
    assert len(lines) == 4


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("DB_PASS", True), ("SMTP_PASS", True), ("ADMINTOKEN", True), ("SECRETKEY", True), ("clientSecret", True),
        ("TOKEN_TTL", False), ("token_expiry", False), ("PASSWORD_MIN_LENGTH", False), ("API_KEY_ID", False),
        ("SECRET_NAME", False), ("BYPASS_AUTH", False), ("keys", False), ("passthru", False),
    ],
)  # fmt: skip
def test_secret_like_reads_keys_as_env_files_write_them(key: str, secret: bool) -> None:
    """Words run together and `PASS` name a secret; a last word about one (a TTL, a
    length, an id) does not, so `TOKEN_TTL: 3600` is no literal secret."""
    assert secret_like(key) is secret


def test_a_setting_about_a_secret_is_no_secret() -> None:
    files = _render(apps, put((f"{W}.environment.TOKEN_TTL", "3600")))
    assert '      TOKEN_TTL = "3600";\n' in files["oci-containers/whoami.nix"]


@pytest.mark.parametrize(
    ("address", "warned"), [("0.0.0.0", True), ("192.168.1.5", True), ("127.0.0.2", False)], ids=["any", "lan", "lo"]
)
def test_a_port_published_beyond_loopback_is_warned_about(address: str, warned: bool) -> None:
    """Accepted (a DNS server app publishes on purpose), but said: Podman's rules come
    before the NixOS firewall."""
    data = apps()
    put((f"{W}.ports[0].hostAddress", address))(data)
    warning = (
        f"{W}.ports[0].hostAddress: publishes port 8081 on {address}: Podman's rules come before the NixOS "
        "firewall, so every network that reaches that address reaches the app"
    )
    assert (warning in site_from_data(data, "site.yaml").warnings) is warned


def test_a_huge_value_is_refused_in_linear_time() -> None:
    """The password-in-a-URL pattern once scanned each start in a run of letters to its
    end: a 1 MB stateDir took minutes (tests/test_bad_inputs_engine.py's case timed out);
    with the scheme bounded it is a fraction of a second. A long scheme still hides it."""
    from components.model.secret_keys import echoed

    assert echoed("containers.a.stateDir", "/" + "a" * 1_000_000) == "/" + "a" * 1_000_000
    assert echoed("x.url", "b" * 100 + "://user:hunter2@host") == "b" * 100 + "://user:<hidden>@host"
