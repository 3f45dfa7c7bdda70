"""Hostile and mistaken stack files by family (issue 21): OCI apps, sites of several
hosts, host access, paths and the edge. Each is a small change to a valid site that an
attacker or a careless operator could make, refused by `check` (the model,
`site_from_data` or `hosts_from_data` for sites) with its exact lines.

Beside these: tests/test_tables.py (a case per entry of every table, through `check`),
tests/test_bad_guards.py (the guards hand-made bugs slipped past) and guard's
tests/test_oci_guard.py and tests/test_model_targets.py. `test_every_issue_example_is_a_case`
finds each example the issue lists among the case ids of those files.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from components.errors import ConfigError
from components.model import site_from_data
from components.model.hosts import hosts_from_data
from tests.model_cases import apps_site as apps
from tests.model_cases import multiservice_site
from tests.paths import REPO
from tests.site_mutations import Mutation, as_storage_host, put, seed_site
from tests.site_mutations import seminar_host as one_host

A = "containers.atticd"
W = "ociContainers.whoami"
VPN = "containers.vpn"
G = "origins.grafana"
REC = "tunnel.dnsRecords"
ID1 = "0123456789abcdef" * 2
ID2 = "fedcba9876543210" * 2
Z1 = "c3" * 16
Z2 = "d4" * 16
UUID = "6ff42ae2-765d-4adf-8112-31c55c1551ef"
PROJECT = Path("/srv/project")
FAMILIES = ("OCI", "sites", "host access", "paths", "edge")


def seminar_host() -> dict[str, Any]:
    data = one_host()
    data["tunnel"]["accountId"] = "a1" * 16
    data["tunnel"]["zones"][0]["zoneId"] = Z1
    return data


def storage_host() -> dict[str, Any]:
    """A second host of the site: its own target, tunnel and route."""
    return as_storage_host(seminar_host())


def site() -> dict[str, Any]:
    return {"hosts": {"seminar": seminar_host(), "storage": storage_host()}}


def both(key: str, value: Any) -> Mutation:
    """`key` set to `value` on both hosts of the site."""
    return put((f"hosts.seminar.{key}", value), (f"hosts.storage.{key}", copy.deepcopy(value)))


def rec(name: str, rtype: str, content: str) -> dict[str, str]:
    return {"name": name, "type": rtype, "content": content}


def renamed(new: str) -> Mutation:
    return lambda data: data["ociContainers"].__setitem__(new, data["ociContainers"].pop("whoami"))


FAMILY: dict[str, str] = {}  # case id -> its family


def case(case_id: str, family: str, base: Callable[[], Any], mutation: Mutation, *expected: str) -> Any:
    FAMILY[case_id] = family
    return pytest.param(base, mutation, list(expected), id=case_id)


def report(base: Callable[[], Any], mutation: Mutation) -> list[str]:
    data = base()
    mutation(data)
    with pytest.raises(ConfigError) as info:
        if isinstance(data, dict) and "hosts" in data:
            hosts_from_data(data, "site.yaml", project_dir=str(PROJECT))
        else:
            site_from_data(data, "site.yaml")
    lines = str(info.value).splitlines()
    assert lines[-1] == "site.yaml is invalid; nothing was changed."
    return [line[2:] for line in lines[1:-1]]


CASES = [
    # -- OCI -----------------------------------------------------------------------------
    case(
        "oci-env-file-nixedge-secrets",
        "OCI",
        apps,
        put(("secrets.whoami-env.path", "/var/lib/nixedge/secrets/cloudflared-apps.json")),
        (
            "ociContainers.whoami.environmentFiles[0]: reaches host.secretsDir "
            "(/var/lib/nixedge/secrets): the container could read the tunnel credentials (got: "
            "'/var/lib/nixedge/secrets/cloudflared-apps.json')"
        ),
        (
            "secrets.whoami-env.path: is a sensitive host path; mounting it gives the container power "
            "over the host (got: '/var/lib/nixedge/secrets/cloudflared-apps.json')"
        ),
        "  Hint: name the one file the container reads, e.g. /run/secrets/<name> or /etc/<app>.env",
    ),
    case(
        "oci-user-root-uid",
        "OCI",
        apps,
        put((f"{W}.user.uid", 0)),
        "ociContainers.whoami.user.uid: must be greater than or equal to 1 (got: 0)",
    ),
    case(
        "oci-user-nobody",
        "OCI",
        apps,
        put((f"{W}.user.name", "nobody")),
        (
            "ociContainers.whoami.user.name: is reserved by the system; give the service a user of its "
            "own, e.g. 'forgejo' (got: 'nobody')"
        ),
    ),
    case(
        "oci-user-uid-65535",
        "OCI",
        apps,
        put((f"{W}.user.uid", 65535)),
        (
            "ociContainers.whoami.user.uid: is 65535, the error value of 16-bit uid_t, which tools read "
            "as 'no id' (got: 65535)"
        ),
        "  Hint: pick a free system id below 1000, such as 991",
    ),
    case(
        "oci-user-dynamic-range",
        "OCI",
        apps,
        put((f"{W}.user.uid", 61184)),
        "ociContainers.whoami.user.uid: is in 61184-65519, the ids of systemd's DynamicUser (got: 61184)",
        "  Hint: pick a free system id below 1000, such as 991",
    ),
    case(
        "oci-user-group-kvm",
        "OCI",
        apps,
        put((f"{W}.user.group", "kvm")),
        (
            "ociContainers.whoami.user.group: is an account every NixOS host has; the service would "
            "merge with it and share its powers (got: 'kvm')"
        ),
        "  Hint: give the service an account of its own, e.g. 'whoami'",
    ),
    case(
        "oci-user-group-docker",
        "OCI",
        apps,
        put((f"{W}.user.group", "docker")),
        (
            "ociContainers.whoami.user.group: names Podman's group on the host (it owns Podman's socket): "
            "the service would run containers as root (got: 'docker')"
        ),
        "  Hint: give the service an account of its own, e.g. 'whoami'",
    ),
    case(
        "oci-user-gid-disk",
        "OCI",
        apps,
        put((f"{W}.user.gid", 6)),
        "ociContainers.whoami.user.gid: is 6, the gid of disk, an account every NixOS host has (got: 6)",
        "  Hint: pick a free system id below 1000, such as 991",
    ),
    case(
        "oci-user-messagebus",
        "OCI",
        apps,
        put((f"{W}.user.name", "messagebus")),
        (
            "ociContainers.whoami.user.name: is an account every NixOS host has; the service would "
            "merge with it and share its powers (got: 'messagebus')"
        ),
        "  Hint: give the service an account of its own, e.g. 'whoami'",
    ),
    case(
        "oci-image-oci-transport",
        "OCI",
        apps,
        put((f"{W}.image", "oci:/srv/images/whoami")),
        (
            "ociContainers.whoami.image: is a Podman transport (oci:), which reads the image from the "
            "host, not a registry; name the image in its registry, e.g. "
            "'docker.io/traefik/whoami:v1.10.3' (got: 'oci:/srv/images/whoami')"
        ),
    ),
    case(
        "oci-image-docker-daemon",
        "OCI",
        apps,
        put((f"{W}.image", "docker-daemon:whoami:latest")),
        (
            "ociContainers.whoami.image: is a Podman transport (docker-daemon:), which reads the image "
            "from the host, not a registry; name the image in its registry, e.g. "
            "'docker.io/traefik/whoami:v1.10.3' (got: 'docker-daemon:whoami:latest')"
        ),
    ),
    case(
        "oci-image-tarball",
        "OCI",
        apps,
        put((f"{W}.image", "tarball:/tmp/x.tar")),
        (
            "ociContainers.whoami.image: is a Podman transport (tarball:), which reads the image from "
            "the host, not a registry; name the image in its registry, e.g. "
            "'docker.io/traefik/whoami:v1.10.3' (got: 'tarball:/tmp/x.tar')"
        ),
    ),
    case(
        "oci-image-docker-transport-prefix",
        "OCI",
        apps,
        put((f"{W}.image", "docker://docker.io/traefik/whoami:v1.10.3")),
        (
            "ociContainers.whoami.image: is a Podman transport (docker:), which reads the image from "
            "the host, not a registry; name the image in its registry, e.g. "
            "'docker.io/traefik/whoami:v1.10.3' (got: 'docker://docker.io/traefik/whoami:v1.10.3')"
        ),
    ),
    case(
        "oci-name-auto-update",
        "OCI",
        apps,
        lambda d: d["ociContainers"].__setitem__("auto-update", d["ociContainers"].pop("whoami")),
        (
            "ociContainers.auto-update: would be unit podman-auto-update.service, which is Podman's "
            "own; the app would replace it (got: 'auto-update')"
        ),
        "  Hint: name it after the app, e.g. auto-update-app",
    ),
    case(
        "oci-name-clean-transient",
        "OCI",
        apps,
        lambda d: d["ociContainers"].__setitem__("clean-transient", d["ociContainers"].pop("whoami")),
        (
            "ociContainers.clean-transient: would be unit podman-clean-transient.service, which is Podman's "
            "own; the app would replace it (got: 'clean-transient')"
        ),
        "  Hint: name it after the app, e.g. clean-transient-app",
    ),
    case(
        "oci-volume-run-podman-allow",
        "OCI",
        apps,
        put((f"{W}.volumes", [{"path": "/s", "hostPath": "/run/podman", "allowSensitive": True}])),
        (
            "ociContainers.whoami.volumes[0].hostPath: reaches Podman's API socket (/run/podman): "
            "Podman runs as root, so a workload that sees it is root on the host (got: '/run/podman')"
        ),
    ),
    case(
        "oci-volume-cni",
        "OCI",
        apps,
        put((f"{W}.volumes", [{"path": "/s", "hostPath": "/var/lib/cni"}])),
        (
            "ociContainers.whoami.volumes[0].hostPath: reaches the container networks' state "
            "(/var/lib/cni): Podman runs as root, so a workload that sees it is root on the host (got: "
            "'/var/lib/cni')"
        ),
    ),
    case(
        "oci-volume-etc-containers-file",
        "OCI",
        apps,
        put((f"{W}.volumes", [{"path": "/s", "hostPath": "/etc/containers/registries.conf"}])),
        (
            "ociContainers.whoami.volumes[0].hostPath: reaches Podman's policy, registries and storage "
            "configuration (/etc/containers): Podman runs as root, so a workload that sees it is root "
            "on the host (got: '/etc/containers/registries.conf')"
        ),
    ),
    case(
        "oci-volume-over-nix",
        "OCI",
        apps,
        put((f"{W}.volumes", [{"path": "/nix", "hostPath": "/srv/x"}])),
        (
            "ociContainers.whoami.volumes[0].path: is a path the container's own NixOS provides; "
            "mounting over it replaces its system (got: '/nix')"
        ),
        "  Hint: mount it somewhere of its own, e.g. /srv/<name> or /var/lib/<app>",
    ),
    case(
        "podman-subnet-in-default",
        "OCI",
        apps,
        put(("network.podman.subnet", "10.88.7.0/24")),
        (
            "network.podman.subnet: overlaps Podman's default network 10.88.0.0/16 (network `podman`): "
            "`podman network create` refuses it as already used, and no OCI app would start (got: "
            "'10.88.7.0/24')"
        ),
        "  Hint: use a range of its own, e.g. 10.80.0.0/24",
        "ociContainers.whoami.address: is outside network.podman.subnet 10.88.7.0/24 (got: '10.80.0.10')",
    ),
    case(
        "podman-subnet-loopback",
        "OCI",
        apps,
        put(("network.podman.subnet", "127.1.0.0/24")),
        (
            "network.podman.subnet: is in the loopback range 127.0.0.0/8: those addresses never leave "
            "the host (got: '127.1.0.0/24')"
        ),
        "  Hint: use a private range such as 10.80.0.0/24",
        "ociContainers.whoami.address: is outside network.podman.subnet 127.1.0.0/24 (got: '10.80.0.10')",
    ),
    case(
        "podman-subnet-overlaps-veths",
        "OCI",
        apps,
        put(("network.podman.subnet", "10.50.0.0/25")),
        (
            "network.podman.subnet: overlaps network.subnet 10.50.0.0/24, the NixOS containers' veth "
            "addresses (got: '10.50.0.0/25')"
        ),
        "  Hint: use a range of its own, e.g. 10.80.0.0/24",
        "ociContainers.whoami.address: is outside network.podman.subnet 10.50.0.0/25 (got: '10.80.0.10')",
    ),
    # -- sites ---------------------------------------------------------------------------
    case(
        "hosts-empty",
        "sites",
        lambda: {"hosts": {}},
        put(),
        "hosts: must be a mapping of host name -> that host's site (got: {})",
    ),
    case(
        "hosts-list",
        "sites",
        lambda: {"hosts": []},
        put(),
        "hosts: must be a mapping of host name -> that host's site (got: [])",
    ),
    case(
        "hosts-null",
        "sites",
        lambda: {"hosts": None},
        put(),
        "hosts: must be a mapping of host name -> that host's site (got: None)",
    ),
    case(
        "host-entry-not-a-mapping",
        "sites",
        site,
        put(("hosts.storage", "root@storage")),
        (
            "hosts.storage: must be a mapping with host, network and containers, like a one-host site "
            "(got: 'root@storage')"
        ),
    ),
    case(
        "host-name-differs-from-key",
        "sites",
        site,
        put(("hosts.storage.host.name", "beta")),
        "hosts.storage.host.name: must be the name the host is listed under (storage) (got: 'beta')",
        "  Hint: leave host.name out inside a site: the key under hosts names the host",
    ),
    case(
        "key-beside-hosts",
        "sites",
        site,
        put(("containers", {})),
        "containers: is not a known key beside hosts",
        "  Hint: move it under hosts.<name>",
    ),
    case(
        "two-hosts-same-tunnel-name",
        "sites",
        site,
        put(("hosts.storage.tunnel.name", "seminar")),
        (
            "hosts.storage.tunnel.name: is host seminar's tunnel name too: each host runs its own "
            "tunnel, which reaches only that host's containers (got: 'seminar')"
        ),
        "  Hint: name it after the host, e.g. storage",
    ),
    case(
        "two-hosts-same-hostname",
        "sites",
        site,
        put(("hosts.storage.containers.files.routes[0].hostname", "forgejo.ncaq.net")),
        (
            "hosts.storage.containers.files.routes[0].hostname: is routed by host seminar too "
            "(hosts.seminar.containers.forgejo.routes[0]): a hostname is routed once in the site (got: "
            "'forgejo.ncaq.net')"
        ),
        "  Hint: keep the route on the host whose container serves it",
    ),
    case(
        "local-target-tilde",
        "sites",
        seed_site,
        put(("host.target", {"transport": "local", "path": "~/nixedge"})),
        (
            "host.target.path: must not contain '~': nothing expands it, so it would be a directory "
            "named '~'; write the full path (got: '~/nixedge')"
        ),
    ),
    case(
        "ssh-target-path-tilde",
        "sites",
        seed_site,
        put(("host.target.path", "~/nixedge")),
        "host.target.path: must be an absolute path, e.g. '/var/lib/forgejo' (got: '~/nixedge')",
    ),
    case(
        "two-hosts-target-case",
        "sites",
        site,
        put(("hosts.storage.host.target.destination", "root@SEMINAR")),
        (
            "hosts.storage.host.target: is host seminar's target too "
            "(ssh://seminar:22/etc/nixos/nixedge): the two hosts would overwrite each other's modules "
            "(got: 'ssh://seminar:22/etc/nixos/nixedge')"
        ),
    ),
    case(
        "two-hosts-target-port-22",
        "sites",
        site,
        put(("hosts.storage.host.target", {"transport": "ssh", "destination": "root@seminar", "port": 22})),
        (
            "hosts.storage.host.target: is host seminar's target too "
            "(ssh://seminar:22/etc/nixos/nixedge): the two hosts would overwrite each other's modules "
            "(got: 'ssh://seminar:22/etc/nixos/nixedge')"
        ),
    ),
    case(
        "two-hosts-target-trailing-slash",
        "sites",
        site,
        put(
            (
                "hosts.storage.host.target",
                {"transport": "ssh", "destination": "root@seminar", "path": "/etc/nixos/nixedge/"},
            ),
        ),
        ("hosts.storage.host.target.path: must be normalised, e.g. '/etc/nixos/nixedge' (got: '/etc/nixos/nixedge/')"),
    ),
    case(
        "two-hosts-target-nested",
        "sites",
        site,
        put(
            (
                "hosts.storage.host.target",
                {"transport": "ssh", "destination": "root@seminar", "path": "/etc/nixos/nixedge/storage"},
            ),
        ),
        (
            "hosts.storage.host.target: lies inside host seminar's target "
            "(ssh://seminar:22/etc/nixos/nixedge): that host's modules directory would hold this one's "
            "(got: 'ssh://seminar:22/etc/nixos/nixedge/storage')"
        ),
    ),
    case(
        "two-hosts-target-no-user",
        "sites",
        site,
        put(("hosts.storage.host.target", {"transport": "ssh", "destination": "seminar"})),
        (
            "hosts.storage.host.target: is host seminar's target too "
            "(ssh://seminar:22/etc/nixos/nixedge): the two hosts would overwrite each other's modules "
            "(got: 'ssh://seminar:22/etc/nixos/nixedge')"
        ),
    ),
    case(
        "two-hosts-local-dot-slash",
        "sites",
        site,
        put(
            ("hosts.seminar.host.target", {"transport": "local", "path": "./out"}),
            ("hosts.storage.host.target", {"transport": "local", "path": "out"}),
        ),
        (
            "hosts.storage.host.target: is host seminar's target too (local:/srv/project/out): the two "
            "hosts would overwrite each other's modules (got: 'local:/srv/project/out')"
        ),
    ),
    case(
        "two-hosts-local-double-slash",
        "sites",
        site,
        put(
            ("hosts.seminar.host.target", {"transport": "local", "path": "out/a"}),
            ("hosts.storage.host.target", {"transport": "local", "path": "out//a"}),
        ),
        (
            "hosts.storage.host.target: is host seminar's target too (local:/srv/project/out/a): the "
            "two hosts would overwrite each other's modules (got: 'local:/srv/project/out/a')"
        ),
    ),
    # -- host access ---------------------------------------------------------------------
    case(
        "oci-publishes-ssh-port",
        "host access",
        apps,
        put((f"{W}.ports", [{"hostPort": 22, "containerPort": 8080}])),
        (
            "ociContainers.whoami.ports[0].hostPort: is the host's SSH port (22): publishing it would "
            "lock out the host's administrators (got: 22)"
        ),
        "  Hint: publish another port, e.g. hostPort: 2222",
    ),
    case(
        "oci-publishes-forwarded-port",
        "host access",
        apps,
        put((f"{W}.ports", [{"hostPort": 8081, "containerPort": 8080}, {"hostPort": 8081, "containerPort": 9090}])),
        (
            "ociContainers.whoami.ports[1].hostPort: is already taken (tcp) by "
            "ociContainers.whoami.ports[0].hostPort (got: 8081)"
        ),
    ),
    case(
        "oci-grant-with-trust-all",
        "host access",
        apps,
        put(("network.trustAllContainers", True), (f"{W}.hostFirewall", {"allowedTcpPorts": [5432]})),
        (
            "ociContainers.whoami.hostFirewall: grants host ports, but network.trustAllContainers "
            "already lets every container reach every host port (got: [5432])"
        ),
        "  Hint: set network.trustAllContainers: false to grant ports per container, or remove the grant",
    ),
    case(
        "oci-grant-port-zero",
        "host access",
        apps,
        put((f"{W}.hostFirewall", {"allowedTcpPorts": [0]})),
        ("ociContainers.whoami.hostFirewall.allowedTcpPorts[0]: must be greater than or equal to 1 (got: 0)"),
    ),
    case(
        "host-origin-on-ssh-port",
        "host access",
        multiservice_site,
        put((f"{G}.routes[0].port", 22)),
        ("origins.grafana.routes[0].port: is a privileged port (< 1024); services listen on 1024 or above (got: 22)"),
        "  Hint: use e.g. 8080, or set origins.grafana.allowPrivilegedPorts: true",
    ),
    case(
        "forward-on-ssh-target-port",
        "host access",
        multiservice_site,
        put(("host.target.port", 2200), (f"{VPN}.forwardPorts", [{"hostPort": 2200, "allowHostSsh": True}])),
        (
            "containers.vpn.forwardPorts[0].hostPort: is the port nixedge deploys over (host.target: "
            "ssh to port 2200): allowHostSsh cannot give it away, or the next deploy could not reach "
            "the host (got: 2200)"
        ),
        ("  Hint: forward another port; if ~/.ssh/config connects elsewhere, set host.target.port to that port"),
    ),
    case(
        "second-forward-on-ssh",
        "host access",
        multiservice_site,
        put((f"{VPN}.forwardPorts", [{"hostPort": 51820, "protocol": "udp"}, {"hostPort": 22}])),
        (
            "containers.vpn.forwardPorts[1].hostPort: is the host's SSH port (22): the forward sends "
            "every SSH connection to the host into the container, which locks out the host's "
            "administrators and nixedge (it deploys over SSH) (got: 22)"
        ),
        (
            "  Hint: forward another port, e.g. hostPort: 2222; or, if the host's sshd listens elsewhere, "
            "set containers.vpn.forwardPorts[1].allowHostSsh: true"
        ),
    ),
    # -- paths ---------------------------------------------------------------------------
    case(
        "oci-volume-postgresql-data",
        "paths",
        apps,
        put((f"{W}.volumes", [{"path": "/pg", "hostPath": "/var/lib/postgresql", "readOnly": False}])),
        (
            "ociContainers.whoami.volumes[0].hostPath: is a sensitive host path; mounting it gives the "
            "container power over the host (got: '/var/lib/postgresql')"
        ),
        "  Hint: mount a narrower path, or set ociContainers.whoami.volumes[0].allowSensitive: true",
    ),
    case(
        "oci-volume-sops-age-key",
        "paths",
        apps,
        put((f"{W}.volumes", [{"path": "/key", "hostPath": "/var/lib/sops-nix/key.txt"}])),
        (
            "ociContainers.whoami.volumes[0].hostPath: is a sensitive host path; mounting it gives the "
            "container power over the host (got: '/var/lib/sops-nix/key.txt')"
        ),
        "  Hint: mount a narrower path, or set ociContainers.whoami.volumes[0].allowSensitive: true",
    ),
    case(
        "oci-volume-secrets-for-users",
        "paths",
        apps,
        put((f"{W}.volumes", [{"path": "/pw", "hostPath": "/run/secrets-for-users"}])),
        (
            "ociContainers.whoami.volumes[0].hostPath: is a sensitive host path; mounting it gives the "
            "container power over the host (got: '/run/secrets-for-users')"
        ),
        "  Hint: mount a narrower path, or set ociContainers.whoami.volumes[0].allowSensitive: true",
    ),
    case(
        "oci-volume-dynamic-user-state",
        "paths",
        apps,
        put((f"{W}.volumes", [{"path": "/st", "hostPath": "/var/lib/private"}])),
        (
            "ociContainers.whoami.volumes[0].hostPath: is a sensitive host path; mounting it gives the "
            "container power over the host (got: '/var/lib/private')"
        ),
        "  Hint: mount a narrower path, or set ociContainers.whoami.volumes[0].allowSensitive: true",
    ),
    case(
        "oci-volume-tailscale-state",
        "paths",
        apps,
        put((f"{W}.volumes", [{"path": "/ts", "hostPath": "/var/lib/tailscale"}])),
        (
            "ociContainers.whoami.volumes[0].hostPath: is a sensitive host path; mounting it gives the "
            "container power over the host (got: '/var/lib/tailscale')"
        ),
        "  Hint: mount a narrower path, or set ociContainers.whoami.volumes[0].allowSensitive: true",
    ),
    case(
        "oci-volume-tailscale-socket",
        "paths",
        apps,
        put((f"{W}.volumes", [{"path": "/ts", "hostPath": "/var/run/tailscale/tailscaled.sock"}])),
        (
            "ociContainers.whoami.volumes[0].hostPath: is a sensitive host path; mounting it gives the "
            "container power over the host (/var/run/tailscale/tailscaled.sock is "
            "/run/tailscale/tailscaled.sock on a NixOS host) (got: "
            "'/var/run/tailscale/tailscaled.sock')"
        ),
        "  Hint: mount a narrower path, or set ociContainers.whoami.volumes[0].allowSensitive: true",
    ),
    case(
        "oci-volume-etc-ssl",
        "paths",
        apps,
        put((f"{W}.volumes", [{"path": "/ssl", "hostPath": "/etc/ssl"}])),
        (
            "ociContainers.whoami.volumes[0].hostPath: is a directory of /etc on a NixOS host, not one "
            "file: a container may read a single file there (got: '/etc/ssl')"
        ),
        "  Hint: mount the one file of it the container reads",
    ),
    case(
        "oci-state-dir-private",
        "paths",
        apps,
        put((f"{W}.stateDir", "/var/lib/private/whoami")),
        (
            "ociContainers.whoami.stateDir: is a sensitive host path; use a directory of its own such "
            "as /var/lib/<app> (got: '/var/lib/private/whoami')"
        ),
    ),
    case(
        "oci-state-dir-postgresql",
        "paths",
        apps,
        put((f"{W}.stateDir", "/var/lib/postgresql")),
        (
            "ociContainers.whoami.stateDir: is a sensitive host path; use a directory of its own such "
            "as /var/lib/<app> (got: '/var/lib/postgresql')"
        ),
    ),
    case(
        "nixos-state-dir-postgresql-not-the-server",
        "paths",
        seed_site,
        put((f"{A}.stateDir", "/var/lib/postgresql/16")),
        (
            "containers.atticd.stateDir: is a sensitive host path; use a directory of its own such as "
            "/var/lib/<app> (got: '/var/lib/postgresql/16')"
        ),
    ),
    case(
        "nixos-bind-postgresql-data-writable",
        "paths",
        seed_site,
        put((f"{A}.bindMounts", [{"path": "/pg", "hostPath": "/var/lib/postgresql", "readOnly": False}])),
        (
            "containers.atticd.bindMounts[0].hostPath: is a sensitive host path; mounting it gives the "
            "container power over the host (got: '/var/lib/postgresql')"
        ),
        "  Hint: mount a narrower path, or set containers.atticd.bindMounts[0].allowSensitive: true",
    ),
    case(
        "nixos-bind-var-lib-private-child",
        "paths",
        seed_site,
        put((f"{A}.bindMounts", [{"path": "/st", "hostPath": "/var/lib/private/forgejo"}])),
        (
            "containers.atticd.bindMounts[0].hostPath: is a sensitive host path; mounting it gives the "
            "container power over the host (got: '/var/lib/private/forgejo')"
        ),
        "  Hint: mount a narrower path, or set containers.atticd.bindMounts[0].allowSensitive: true",
    ),
    case(
        "nixos-bind-var-cache-private",
        "paths",
        seed_site,
        put((f"{A}.bindMounts", [{"path": "/c", "hostPath": "/var/cache/private"}])),
        (
            "containers.atticd.bindMounts[0].hostPath: is a sensitive host path; mounting it gives the "
            "container power over the host (got: '/var/cache/private')"
        ),
        "  Hint: mount a narrower path, or set containers.atticd.bindMounts[0].allowSensitive: true",
    ),
    case(
        "nixos-bind-etc-pki",
        "paths",
        seed_site,
        put((f"{A}.bindMounts", [{"path": "/pki", "hostPath": "/etc/pki"}])),
        (
            "containers.atticd.bindMounts[0].hostPath: is a directory of /etc on a NixOS host, not one "
            "file: a container may read a single file there (got: '/etc/pki')"
        ),
        "  Hint: mount the one file of it the container reads",
    ),
    case(
        "nixos-bind-etc-ssl-certs-trailing-slash",
        "paths",
        seed_site,
        put((f"{A}.bindMounts", [{"path": "/certs", "hostPath": "/etc/ssl/certs/"}])),
        (
            "containers.atticd.bindMounts[0].hostPath: must be normalised, e.g. '/etc/ssl/certs' (got: "
            "'/etc/ssl/certs/')"
        ),
    ),
    case(
        "env-file-sops-age-key",
        "paths",
        seed_site,
        put((f"{A}.environmentFile", "/var/lib/sops-nix/key.txt")),
        (
            "containers.atticd.environmentFile: is a sensitive host path; mounting it gives the "
            "container power over the host (got: '/var/lib/sops-nix/key.txt')"
        ),
        "  Hint: name the one file the container reads, e.g. /run/secrets/<name> or /etc/<app>.env",
    ),
    case(
        "env-file-secrets-for-users",
        "paths",
        seed_site,
        put((f"{A}.environmentFile", "/run/secrets-for-users/root-password")),
        (
            "containers.atticd.environmentFile: is a sensitive host path; mounting it gives the "
            "container power over the host (got: '/run/secrets-for-users/root-password')"
        ),
        "  Hint: name the one file the container reads, e.g. /run/secrets/<name> or /etc/<app>.env",
    ),
    case(
        "env-file-tailscale-state",
        "paths",
        seed_site,
        put((f"{A}.environmentFile", "/var/lib/tailscale/tailscaled.state")),
        (
            "containers.atticd.environmentFile: is a sensitive host path; mounting it gives the "
            "container power over the host (got: '/var/lib/tailscale/tailscaled.state')"
        ),
        "  Hint: name the one file the container reads, e.g. /run/secrets/<name> or /etc/<app>.env",
    ),
    case(
        "secret-path-secrets-for-users",
        "paths",
        seed_site,
        put(("secrets", {"k": {"provider": "sops-nix", "path": "/run/secrets-for-users/pw"}}), (f"{A}.secrets", ["k"])),
        (
            "secrets.k.path: is a sensitive host path; mounting it gives the container power over the "
            "host (got: '/run/secrets-for-users/pw')"
        ),
        "  Hint: name the one file the container reads, e.g. /run/secrets/<name> or /etc/<app>.env",
    ),
    case(
        "secret-path-secrets-for-users-d",
        "paths",
        seed_site,
        put(
            ("secrets", {"k": {"provider": "sops-nix", "path": "/run/secrets-for-users.d/1/pw"}}),
            (f"{A}.secrets", ["k"]),
        ),
        (
            "secrets.k.path: is a sensitive host path; mounting it gives the container power over the "
            "host (got: '/run/secrets-for-users.d/1/pw')"
        ),
        "  Hint: name the one file the container reads, e.g. /run/secrets/<name> or /etc/<app>.env",
    ),
    case(
        "secrets-dir-var-lock",
        "paths",
        seed_site,
        put(("host.secretsDir", "/var/lock")),
        (
            "host.secretsDir: is a system directory, not one of nixedge's own (/var/lock is /run/lock "
            "on a NixOS host) (got: '/var/lock')"
        ),
        "  Hint: keep the default, /var/lib/nixedge/secrets",
    ),
    case(
        "secrets-dir-var-run",
        "paths",
        seed_site,
        put(("host.secretsDir", "/var/run")),
        (
            "host.secretsDir: is a system directory, not one of nixedge's own (/var/run is /run on a "
            "NixOS host) (got: '/var/run')"
        ),
        "  Hint: keep the default, /var/lib/nixedge/secrets",
    ),
    case(
        "secrets-dir-var-lock-child",
        "paths",
        seed_site,
        put(("host.secretsDir", "/var/lock/nixedge")),
        (
            "host.secretsDir: is in /run/lock, where every user of the host may plant files before "
            "nixedge writes (/var/lock/nixedge is /run/lock/nixedge on a NixOS host) (got: "
            "'/var/lock/nixedge')"
        ),
        "  Hint: keep the default, /var/lib/nixedge/secrets",
    ),
    case(
        "secrets-dir-run-lock-child",
        "paths",
        seed_site,
        put(("host.secretsDir", "/run/lock/nixedge")),
        (
            "host.secretsDir: is in /run/lock, where every user of the host may plant files before "
            "nixedge writes (got: '/run/lock/nixedge')"
        ),
        "  Hint: keep the default, /var/lib/nixedge/secrets",
    ),
    case(
        "secrets-dir-var-tmp",
        "paths",
        seed_site,
        put(("host.secretsDir", "/var/tmp/nixedge")),
        (
            "host.secretsDir: is in /var/tmp, where every user of the host may plant files before "
            "nixedge writes (got: '/var/tmp/nixedge')"
        ),
        "  Hint: keep the default, /var/lib/nixedge/secrets",
    ),
    case(
        "secrets-dir-dev-shm",
        "paths",
        seed_site,
        put(("host.secretsDir", "/dev/shm/nixedge")),
        (
            "host.secretsDir: is in /dev/shm, where every user of the host may plant files before "
            "nixedge writes (got: '/dev/shm/nixedge')"
        ),
        "  Hint: keep the default, /var/lib/nixedge/secrets",
    ),
    case(
        "device-sg0",
        "paths",
        multiservice_site,
        put((f"{VPN}.allowedDevices", [{"node": "/dev/sg0", "modifier": "rw"}])),
        (
            "containers.vpn.allowedDevices[0].node: is a SCSI device of the host taking raw commands; "
            "it can rewrite a disk (got: '/dev/sg0')"
        ),
        "  Hint: bind-mount a file system the host mounts instead",
    ),
    case(
        "device-msr",
        "paths",
        multiservice_site,
        put((f"{VPN}.allowedDevices", [{"node": "/dev/cpu/0/msr", "modifier": "rw"}])),
        (
            "containers.vpn.allowedDevices[0].node: is a CPU of the host (msr, cpuid, microcode); "
            "writing it changes its kernel (got: '/dev/cpu/0/msr')"
        ),
    ),
    case(
        "device-watchdog",
        "paths",
        multiservice_site,
        put((f"{VPN}.allowedDevices", [{"node": "/dev/watchdog", "modifier": "rw"}])),
        (
            "containers.vpn.allowedDevices[0].node: is the host's watchdog: a container holding it can "
            "reboot the host (got: '/dev/watchdog')"
        ),
    ),
    case(
        "device-uinput",
        "paths",
        multiservice_site,
        put((f"{VPN}.allowedDevices", [{"node": "/dev/uinput", "modifier": "rw"}])),
        (
            "containers.vpn.allowedDevices[0].node: is an input device or console of the host: through "
            "it a container types into the host's sessions (got: '/dev/uinput')"
        ),
    ),
    case(
        "device-zram0",
        "paths",
        multiservice_site,
        put((f"{VPN}.allowedDevices", [{"node": "/dev/zram0", "modifier": "rw"}])),
        (
            "containers.vpn.allowedDevices[0].node: is a RAM disk of the host, often its swap; a "
            "container with it controls it (got: '/dev/zram0')"
        ),
        "  Hint: bind-mount a file system the host mounts instead",
    ),
    case(
        "device-hidraw",
        "paths",
        multiservice_site,
        put((f"{VPN}.allowedDevices", [{"node": "/dev/hidraw0", "modifier": "r"}])),
        (
            "containers.vpn.allowedDevices[0].node: is not a device nixedge lets a container have; "
            "allowed: /dev/net/tun, /dev/fuse, /dev/kvm, /dev/vhost-net, /dev/dri/card*, "
            "/dev/dri/renderD*, /dev/ttyUSB*, /dev/ttyACM*, /dev/serial/by-id/*, /dev/video*, "
            "/dev/snd/*, /dev/bus/usb/*/*, /dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom "
            "(got: '/dev/hidraw0')"
        ),
    ),
    case(
        "device-second-entry",
        "paths",
        multiservice_site,
        put(
            (
                f"{VPN}.allowedDevices",
                [{"node": "/dev/net/tun", "modifier": "rw"}, {"node": "/dev/watchdog0", "modifier": "w"}],
            ),
        ),
        (
            "containers.vpn.allowedDevices[1].node: is the host's watchdog: a container holding it can "
            "reboot the host (got: '/dev/watchdog0')"
        ),
    ),
    # -- edge ----------------------------------------------------------------------------
    case(
        "cname-to-itself",
        "edge",
        multiservice_site,
        put((REC, [rec("alias.example.org", "CNAME", "alias.example.org")])),
        (
            "tunnel.dnsRecords[0].content: points alias.example.org at itself: a resolver following it "
            "never gets an address (got: 'alias.example.org')"
        ),
    ),
    case(
        "cname-to-itself-trailing-dot",
        "edge",
        multiservice_site,
        put((REC, [rec("alias.example.org", "CNAME", "alias.example.org.")])),
        (
            "tunnel.dnsRecords[0].content: points alias.example.org at itself: a resolver following it "
            "never gets an address (got: 'alias.example.org.')"
        ),
    ),
    case(
        "cname-to-itself-other-case",
        "edge",
        multiservice_site,
        put((REC, [rec("alias.example.org", "CNAME", "ALIAS.Example.org")])),
        (
            "tunnel.dnsRecords[0].content: points alias.example.org at itself: a resolver following it "
            "never gets an address (got: 'ALIAS.Example.org')"
        ),
    ),
    case(
        "aaaa-link-local-scope",
        "edge",
        multiservice_site,
        put((REC, [rec("v6.example.org", "AAAA", "fe80::1%eth0")])),
        (
            "tunnel.dnsRecords[0].content: must be an IPv6 address without a %scope: a zone index means "
            "nothing outside its machine (got: 'fe80::1%eth0')"
        ),
    ),
    case(
        "aaaa-numeric-scope",
        "edge",
        multiservice_site,
        put((REC, [rec("v6.example.org", "AAAA", "fe80::1%2")])),
        (
            "tunnel.dnsRecords[0].content: must be an IPv6 address without a %scope: a zone index means "
            "nothing outside its machine (got: 'fe80::1%2')"
        ),
    ),
    case(
        "aaaa-global-with-scope",
        "edge",
        multiservice_site,
        put((REC, [rec("v6.example.org", "AAAA", "2001:db8::1%wg0")])),
        (
            "tunnel.dnsRecords[0].content: must be an IPv6 address without a %scope: a zone index means "
            "nothing outside its machine (got: '2001:db8::1%wg0')"
        ),
    ),
    case(
        "import-id-twice",
        "edge",
        multiservice_site,
        put(("tunnel.dnsImports", {"git.example.org": ID1, "vpn.example.org": ID1})),
        (
            "tunnel.dnsImports['vpn.example.org']: adopts the record "
            "tunnel.dnsImports['git.example.org'] adopts: an import id adopts one record of the stack "
            "(got: '0123456789abcdef0123456789abcdef')"
        ),
    ),
    case(
        "import-id-twice-other-spelling",
        "edge",
        multiservice_site,
        put(("tunnel.dnsImports", {"git.example.org": f"{Z1}/{ID1}", "vpn.example.org": ID1})),
        (
            "tunnel.dnsImports['vpn.example.org']: adopts the record "
            "tunnel.dnsImports['git.example.org'] adopts: an import id adopts one record of the stack "
            "(got: '0123456789abcdef0123456789abcdef')"
        ),
    ),
    case(
        "import-from-another-zone",
        "edge",
        multiservice_site,
        put(("tunnel.zones[0].zoneId", Z1), ("tunnel.dnsImports", {"git.example.org": f"{Z2}/{ID1}"})),
        (
            "tunnel.dnsImports['git.example.org']: names zone id d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4, but "
            "git.example.org is in zone example.org, whose id is c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3: the "
            "import would adopt a record of another zone (got: "
            "'d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4/0123456789abcdef0123456789abcdef')"
        ),
        "  Hint: use c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3/<record id>, or the record id alone",
    ),
    case(
        "import-from-another-zone-record",
        "edge",
        multiservice_site,
        put(("tunnel.zones[0].zoneId", Z1), ("tunnel.dnsImports", {"vpn.example.org": f"{Z2}/{ID2}"})),
        (
            "tunnel.dnsImports['vpn.example.org']: names zone id d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4, but "
            "vpn.example.org is in zone example.org, whose id is c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3: the "
            "import would adopt a record of another zone (got: "
            "'d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4/fedcba9876543210fedcba9876543210')"
        ),
        "  Hint: use c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3/<record id>, or the record id alone",
    ),
    case(
        "zone-id-for-two-zones",
        "edge",
        multiservice_site,
        put(("tunnel.zones", [{"name": "example.org", "zoneId": Z1}, {"name": "example.net", "zoneId": Z1}])),
        (
            "tunnel.zones[1].zoneId: is the id of zone example.org too: a zone id names one zone (got: "
            "'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3')"
        ),
    ),
    case(
        "zone-id-for-three-zones",
        "edge",
        multiservice_site,
        put(
            (
                "tunnel.zones",
                [
                    {"name": "example.org", "zoneId": Z1},
                    {"name": "example.net", "zoneId": Z2},
                    {"name": "example.com", "zoneId": Z1},
                ],
            ),
        ),
        (
            "tunnel.zones[2].zoneId: is the id of zone example.org too: a zone id names one zone (got: "
            "'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3')"
        ),
    ),
    case(
        "uuid-tunnel-name-local",
        "edge",
        seed_site,
        put(("tunnel.name", UUID)),
        (
            "tunnel.name: has the shape of a tunnel id: `cloudflared tunnel run` reads it as the id of "
            "another tunnel, not as this tunnel's name (got: '6ff42ae2-765d-4adf-8112-31c55c1551ef')"
        ),
        "  Hint: name the tunnel after the host, e.g. 'seminar'",
    ),
    case(
        "uuid-tunnel-name-upper-local",
        "edge",
        seed_site,
        put(("tunnel.name", UUID.upper())),
        (
            "tunnel.name: has the shape of a tunnel id: `cloudflared tunnel run` reads it as the id of "
            "another tunnel, not as this tunnel's name (got: '6FF42AE2-765D-4ADF-8112-31C55C1551EF')"
        ),
        "  Hint: name the tunnel after the host, e.g. 'seminar'",
    ),
    case(
        "same-record-on-two-hosts",
        "edge",
        site,
        both("tunnel.dnsRecords", [rec("vpn.ncaq.net", "A", "203.0.113.7")]),
        (
            "hosts.storage.tunnel.dnsRecords: has vpn.ncaq.net (A 203.0.113.7), and host seminar has "
            "vpn.ncaq.net (A 203.0.113.7) too: one record cannot be managed by two stacks (got: "
            "'vpn.ncaq.net')"
        ),
    ),
    case(
        "cname-and-a-on-two-hosts",
        "edge",
        site,
        put(
            ("hosts.seminar.tunnel.dnsRecords", [rec("www.ncaq.net", "A", "203.0.113.7")]),
            ("hosts.storage.tunnel.dnsRecords", [rec("www.ncaq.net", "CNAME", "files.ncaq.net")]),
        ),
        (
            "hosts.storage.tunnel.dnsRecords: has www.ncaq.net (CNAME files.ncaq.net), and host seminar "
            "has www.ncaq.net (A 203.0.113.7) too: a CNAME must be the only record of its name (got: "
            "'www.ncaq.net')"
        ),
    ),
    case(
        "a-and-cname-on-two-hosts",
        "edge",
        site,
        put(
            ("hosts.seminar.tunnel.dnsRecords", [rec("www.ncaq.net", "CNAME", "forgejo.ncaq.net")]),
            ("hosts.storage.tunnel.dnsRecords", [rec("www.ncaq.net", "A", "203.0.113.7")]),
        ),
        (
            "hosts.storage.tunnel.dnsRecords: has www.ncaq.net (A 203.0.113.7), and host seminar has "
            "www.ncaq.net (CNAME forgejo.ncaq.net) too: a CNAME must be the only record of its name "
            "(got: 'www.ncaq.net')"
        ),
    ),
    case(
        "import-id-on-two-hosts",
        "edge",
        site,
        put(
            ("hosts.seminar.tunnel.dnsImports", {"forgejo.ncaq.net": ID1}),
            ("hosts.storage.tunnel.dnsImports", {"files.ncaq.net": ID1}),
        ),
        (
            "hosts.storage.tunnel.dnsImports['files.ncaq.net']: adopts the record host seminar adopts "
            "(hosts.seminar.tunnel.dnsImports['forgejo.ncaq.net']): one record cannot be managed by two "
            "stacks (got: '0123456789abcdef0123456789abcdef')"
        ),
    ),
    case(
        "import-id-on-two-hosts-zone-form",
        "edge",
        site,
        put(
            ("hosts.seminar.tunnel.dnsImports", {"forgejo.ncaq.net": ID1}),
            ("hosts.storage.tunnel.dnsImports", {"files.ncaq.net": f"{Z1}/{ID1}"}),
        ),
        (
            "hosts.storage.tunnel.dnsImports['files.ncaq.net']: adopts the record host seminar adopts "
            "(hosts.seminar.tunnel.dnsImports['forgejo.ncaq.net']): one record cannot be managed by two "
            "stacks (got: 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3/0123456789abcdef0123456789abcdef')"
        ),
    ),
    case(
        "zone-id-for-two-zones-on-two-hosts",
        "edge",
        site,
        put(
            ("hosts.storage.tunnel.zones", [{"name": "ncaq.org", "zoneId": Z1}]),
            ("hosts.storage.containers.files.routes[0].hostname", "files.ncaq.org"),
        ),
        (
            "hosts.storage.tunnel.zones[0].zoneId: is host seminar's id of zone ncaq.net too: a zone id "
            "names one zone (got: 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3')"
        ),
    ),
    case(
        "zone-with-two-ids-on-two-hosts",
        "edge",
        site,
        put(("hosts.storage.tunnel.zones[0].zoneId", Z2)),
        (
            "hosts.storage.tunnel.zones[0].zoneId: differs from host seminar's id of zone ncaq.net "
            "(c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3): a zone has one id (got: "
            "'d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4')"
        ),
    ),
    case(
        "dns-record-on-another-hosts-route",
        "edge",
        site,
        put(("hosts.seminar.tunnel.dnsRecords", [rec("files.ncaq.net", "A", "203.0.113.7")])),
        (
            "hosts.seminar.tunnel.dnsRecords: names files.ncaq.net, which host storage routes "
            "(hosts.storage.containers.files.routes[0]): a CNAME must be the only record of its name "
            "(got: 'files.ncaq.net')"
        ),
    ),
    case(
        "uuid-tunnel-name-on-second-host",
        "edge",
        site,
        put(("hosts.storage.tunnel.name", UUID)),
        (
            "hosts.storage.tunnel.name: has the shape of a tunnel id: `cloudflared tunnel run` reads it "
            "as the id of another tunnel, not as this tunnel's name (got: "
            "'6ff42ae2-765d-4adf-8112-31c55c1551ef')"
        ),
        "  Hint: name the tunnel after the host, e.g. 'seminar'",
    ),
]


@pytest.mark.parametrize(("base", "mutation", "expected"), CASES)
def test_refused_with_its_exact_message(base: Callable[[], Any], mutation: Mutation, expected: list[str]) -> None:
    assert report(base, mutation) == expected


def test_cases_by_family() -> None:
    ids = [p.id for p in CASES]
    assert len(ids) == len(set(ids)) == len(FAMILY)
    counts = Counter(FAMILY.values())
    assert set(counts) == set(FAMILIES)
    assert sum(counts.values()) >= 100
    assert min(counts.values()) >= 7, counts


# -- what the edge rules let through --------------------------------------------------------


@pytest.mark.parametrize(
    "mutation",
    [
        put((REC, [rec("alias.example.org", "CNAME", "git.example.org")])),
        put((REC, [rec("v6.example.org", "AAAA", "2001:db8::7")])),
        put(("tunnel.dnsImports", {"git.example.org": ID1, "vpn.example.org": ID2})),
        put(("tunnel.zones[0].zoneId", Z1), ("tunnel.dnsImports", {"git.example.org": f"{Z1}/{ID1}"})),
        put(("tunnel.zones", [{"name": "example.org", "zoneId": Z1}, {"name": "example.net", "zoneId": Z2}])),
        put(("tunnel.ingress", "remote"), ("tunnel.name", UUID)),  # a remote tunnel runs by its token
    ],
    ids=[
        "cname-elsewhere",
        "aaaa-without-scope",
        "two-import-ids",
        "import-in-its-zone",
        "two-zone-ids",
        "uuid-remote",
    ],
)
def test_what_the_edge_rules_let_through(mutation: Mutation) -> None:
    data = multiservice_site()
    mutation(data)
    assert site_from_data(data, "site.yaml").tunnel is not None


def test_records_and_imports_apart_on_two_hosts_pass() -> None:
    data = site()
    put(
        ("hosts.seminar.tunnel.dnsRecords", [rec("www.ncaq.net", "A", "203.0.113.7")]),
        ("hosts.storage.tunnel.dnsRecords", [rec("www.ncaq.net", "A", "203.0.113.8")]),  # round robin
        ("hosts.seminar.tunnel.dnsImports", {"forgejo.ncaq.net": ID1}),
        ("hosts.storage.tunnel.dnsImports", {"files.ncaq.net": ID2}),
    )(data)
    assert hosts_from_data(data, "site.yaml", project_dir=str(PROJECT)).names == ("seminar", "storage")


def test_the_postgresql_server_keeps_its_data_directory() -> None:
    """The one writer nixpkgs' postgresql.nix has in mind: the server container."""
    data = multiservice_site()
    assert data["containers"]["postgres"]["stateDir"] == "/var/lib/postgresql"
    mounts = site_from_data(data, "site.yaml").container("postgres").mounts
    assert ("/var/lib/postgresql", "/var/lib/postgresql", False) in {(m.path, m.host_path, m.read_only) for m in mounts}


def test_a_host_key_that_is_a_number_is_named_as_pulumi_reads_it() -> None:
    """1 == True in a lookup: the message once said Pulumi reads the key 1 as 'true'."""
    from components.stackfile.stack_yaml import Refused, read_yaml

    with pytest.raises(Refused) as info:
        read_yaml(b"config:\n  nixedge:site:\n    hosts:\n      1: {}\n      0: {}\n      true: {}\n")
    assert [(r.parts[-1], r.message) for r in info.value.refusals] == [
        (text, f"is a key that is not text: Pulumi turns it into the text {text!r}") for text in ("1", "0", "true")
    ]


# -- every example of the issue is a case ---------------------------------------------------


def _ids(module: str) -> set[str]:
    import importlib

    return {p.id for p in importlib.import_module(module).CASES}


ISSUE_EXAMPLES = {
    # OCI: Podman's control plane, users, transports, the address plan, files, units
    "/run/podman/podman.sock mounted": ("tests.test_oci_guard", "podman-socket"),
    "/var/run/docker.sock mounted": ("tests.test_oci_guard", "docker-socket-via-var-run"),
    "/var/lib/containers mounted": ("tests.test_oci_guard", "podman-storage-even-with-allow-sensitive"),
    "/run/containers/0/auth.json read": ("tests.test_oci_guard", "registry-credentials-as-environment-file"),
    "OCI user with group podman": ("tests.test_oci_guard", "group-podman"),
    "OCI user postgres/71": ("tests.test_oci_guard", "postgres-71"),
    "OCI user sshd": ("tests.test_oci_guard", "sshd"),
    "OCI user wheel": ("tests.test_oci_guard", "wheel"),
    "OCI gid 1": ("tests.test_oci_guard", "gid-1"),
    "OCI uid 30001": ("tests.test_oci_guard", "uid-30001"),
    "OCI user systemd-journal": ("tests.test_oci_guard", "systemd-journal"),
    "image dir:tmp": ("tests.test_oci_guard", "dir"),
    "image oci-archive:": ("tests.test_oci_guard", "oci-archive"),
    "image docker-archive:": ("tests.test_oci_guard", "docker-archive"),
    "podman subnet 169.254.0.0/16": ("tests.test_oci_guard", "podman-link-local"),
    "podman subnet 224.0.0.0/24": ("tests.test_oci_guard", "podman-multicast"),
    "podman subnet 0.0.0.0/24": ("tests.test_oci_guard", "podman-this-host"),
    "podman subnet 128.0.0.0/1": ("tests.test_oci_guard", "podman-too-wide"),
    "podman subnet 10.88.50.0/24 (old apps stack)": ("tests.test_oci_guard", "podman-default-network-old-apps-stack"),
    "podman subnet 10.88.0.0/24 (the old hint)": ("tests.test_oci_guard", "podman-default-network-old-hint"),
    "environmentFiles: another app's state": ("tests.test_oci_guard", "environment-file-in-another-apps-state"),
    "environmentFiles: the tunnel credentials": ("tests.test_oci_guard", "environment-file-tunnel-credentials"),
    "OCI name auto-update": ("tests.test_oci_guard", "podman-unit-auto-update"),
    "OCI name restart": ("tests.test_oci_guard", "podman-unit-restart"),
    "OCI name prune": ("tests.test_oci_guard", "podman-unit-prune"),
    "overlapping privateUsers ranges": ("tests.test_oci_guard", "private-users-ranges-overlap"),
    "dependsOn loop across OCI and NixOS": ("tests.test_oci_guard", "loop-across-kinds"),
    "cpus: 0.001": ("tests.test_oci_guard", "cpus-below-the-kernels-quota"),
    "state dir mode 0000 for a non-root app": ("tests.test_oci_guard", "state-dir-mode-0000"),
    "template unit name": ("tests.test_oci_guard", "template-unit"),
    "route on 127.0.0.1:5432 next to the host's PostgreSQL": ("tests.test_oci_guard", "route-to-the-hosts-postgresql"),
    "nixos.imports with a string path": ("tests.test_oci_guard", "nixos-imports-a-host-path"),
    # sites: one target under two spellings
    "targets ./x and x": ("tests.test_bad_families", "two-hosts-local-dot-slash"),
    "targets x//y and x/y": ("tests.test_bad_families", "two-hosts-local-double-slash"),
    "target with a trailing slash": ("tests.test_bad_families", "two-hosts-target-trailing-slash"),
    "targets root@ALPHA and root@alpha": ("tests.test_bad_families", "two-hosts-target-case"),
    "targets with port 22 and none": ("tests.test_bad_families", "two-hosts-target-port-22"),
    "nested targets": ("tests.test_bad_families", "two-hosts-target-nested"),
    "local target path with ~": ("tests.test_bad_families", "local-target-tilde"),
    "hosts: {}": ("tests.test_bad_families", "hosts-empty"),
    # host access
    "allowHostSsh on the host's own SSH target port": ("tests.test_bad_families", "forward-on-ssh-target-port"),
    # paths: the denylist's gaps
    "the host's PostgreSQL data, writable": ("tests.test_bad_families", "nixos-bind-postgresql-data-writable"),
    "/var/lib/sops-nix": ("tests.test_bad_families", "env-file-sops-age-key"),
    "/run/secrets-for-users": ("tests.test_bad_families", "oci-volume-secrets-for-users"),
    "/var/lib/private": ("tests.test_bad_families", "oci-volume-dynamic-user-state"),
    "/var/lib/tailscale": ("tests.test_bad_families", "oci-volume-tailscale-state"),
    "a directory of /etc taken as one file": ("tests.test_bad_families", "oci-volume-etc-ssl"),
    "device /dev/sg0": ("tests.test_bad_families", "device-sg0"),
    "device /dev/cpu/0/msr": ("tests.test_bad_families", "device-msr"),
    "device /dev/watchdog": ("tests.test_bad_families", "device-watchdog"),
    "device /dev/uinput": ("tests.test_bad_families", "device-uinput"),
    "device /dev/zram0": ("tests.test_bad_families", "device-zram0"),
    "/var/lock as secretsDir": ("tests.test_bad_families", "secrets-dir-var-lock"),
    "/var/run as secretsDir": ("tests.test_bad_families", "secrets-dir-var-run"),
    # edge
    "the same DNS record on two hosts": ("tests.test_bad_families", "same-record-on-two-hosts"),
    "one import id used twice": ("tests.test_bad_families", "import-id-twice"),
    "an import id from another zone": ("tests.test_bad_families", "import-from-another-zone"),
    "one zone id for two zone names": ("tests.test_bad_families", "zone-id-for-two-zones"),
    "a CNAME to itself": ("tests.test_bad_families", "cname-to-itself"),
    "an AAAA with a %scope": ("tests.test_bad_families", "aaaa-link-local-scope"),
    "a UUID-shaped tunnel name with local ingress": ("tests.test_bad_families", "uuid-tunnel-name-local"),
    "dnsRecords naming another host's route": ("tests.test_bad_families", "dns-record-on-another-hosts-route"),
}
# The examples that are not one config change but a test of their own.
ISSUE_EXAMPLE_TESTS = {
    "trustAllContainers with an OCI app keeps ve-+":
        "tests/test_oci_guard.py::test_trust_all_containers_keeps_the_veths_next_to_podmans_bridge",
    "an environment value over MAX_ARG_STRLEN":
        "tests/test_oci_guard.py::test_an_environment_value_over_max_arg_strlen_is_refused",
    "a unit name over 255 characters": "tests/test_oci_guard.py::test_a_unit_name_over_255_characters_is_refused",
    "two hosts writing one target": "tests/test_model_targets.py",
    "a host key 1": "tests/test_bad_families.py::test_a_host_key_that_is_a_number_is_named_as_pulumi_reads_it",
}  # fmt: skip


@pytest.mark.parametrize(("example", "where"), sorted(ISSUE_EXAMPLES.items()))
def test_every_issue_example_is_a_case(example: str, where: tuple[str, str]) -> None:
    module, case_id = where
    assert case_id in _ids(module), example


@pytest.mark.parametrize(("example", "where"), sorted(ISSUE_EXAMPLE_TESTS.items()))
def test_every_issue_example_without_a_case_has_a_test(example: str, where: str) -> None:
    path, _, name = where.partition("::")
    text = (REPO / path).read_text()
    assert not name or f"def {name}(" in text, example
