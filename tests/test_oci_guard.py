"""OCI apps under the guard the NixOS containers have (issue 21), through the workload
registry (components/model/workloads.py). Every case is a stack file an attacker or a
careless operator could write from stacks/Pulumi.apps.yaml; `check` refuses each with
the key named, in exact words. Each rule is also tried on its second instance (a second
OCI app, a NixOS container, another spelling), where bugs hide.

Families: Podman's control plane; OCI users under the system-account rules; image
transports; the address plan (Podman's network); files Podman reads on the host; unit
names; addresses and ports shared by two apps; start order across kinds; limits that
cannot run; the host's PostgreSQL; the module system's keys in `nixos` data.
"""

from __future__ import annotations

from typing import Any

import pytest

from components.model import podman, site_from_data
from components.model.checks.isolation import MODULE_SYSTEM_KEYS
from components.nixos.render import render
from tests.model_cases import SECOND_APP as SECOND
from tests.model_cases import apps_site as base
from tests.site_mutations import DELETE, Mutation, put, report_lines

W = "ociContainers.whoami"
U = "containers.uptime"
SOCKET = "Podman's API socket (/run/podman)"
ROOT = "Podman runs as root, so a workload that sees it is root on the host"
MERGE = "is an account every NixOS host has; the service would merge with it and share its powers"
OWN = "  Hint: give the service an account of its own, e.g. 'whoami'"
FREE_ID = "  Hint: pick a free system id below 1000, such as 991"
TRANSPORT = (
    "is a Podman transport ({0}:), which reads the image from the host, not a registry; name the image in its "
    "registry, e.g. 'docker.io/traefik/whoami:v1.10.3'"
)
DEFAULT_NET = (
    "network.podman.subnet: overlaps Podman's default network 10.88.0.0/16 (network `podman`): `podman network "
    "create` refuses it as already used, and no OCI app would start (got: '{0}')"
)
RANGE_HINT = "  Hint: use a private range such as 10.80.0.0/24"
LOOP = "is part of a start-order loop ({0}); systemd breaks it by dropping a job (got: '{1}')"
MODULE_KEY = "is a key of the NixOS module system, not an option: `nixos` holds option values as data"
NO_RWX = "does not give the owner ({0}, uid {1}) read, write and search: the app could not use its own state directory"


def rename(old: str, new: str) -> Mutation:
    return lambda data: data["ociContainers"].__setitem__(new, data["ociContainers"].pop(old))


def no_address(*pairs: tuple[str, Any]) -> Mutation:
    return put(*pairs, (f"{W}.address", DELETE))


def pg_client(*pairs: tuple[str, Any]) -> Mutation:
    return put((f"{U}.postgresql", {}), *pairs)


CONTROL_PLANE = [
    pytest.param(
        put((f"{W}.volumes", [{"path": "/run/podman.sock", "hostPath": "/run/podman/podman.sock"}])),
        [f"{W}.volumes[0].hostPath: reaches {SOCKET}: {ROOT} (got: '/run/podman/podman.sock')"],
        id="podman-socket",
    ),
    pytest.param(
        put((f"{W}.volumes", [{"path": "/var/run/docker.sock"}])),
        [
            (
                f"{W}.volumes[0].path: reaches Podman's Docker-compatible socket (/run/docker.sock): {ROOT} "
                "(/var/run/docker.sock is /run/docker.sock on a NixOS host) (got: '/var/run/docker.sock')"
            )
        ],
        id="docker-socket-via-var-run",
    ),
    pytest.param(
        put((f"{W}.volumes", [{"path": "/c", "hostPath": "/var/lib/containers", "allowSensitive": True}])),
        [
            (
                f"{W}.volumes[0].hostPath: reaches Podman's image and container storage (/var/lib/containers): "
                f"{ROOT} (got: '/var/lib/containers')"
            )
        ],
        id="podman-storage-even-with-allow-sensitive",
    ),
    pytest.param(
        put((f"{U}.bindMounts", [{"path": "/s", "hostPath": "/run/podman/podman.sock"}])),
        [f"{U}.bindMounts[0].hostPath: reaches {SOCKET}: {ROOT} (got: '/run/podman/podman.sock')"],
        id="podman-socket-into-a-nixos-container",
    ),
    pytest.param(
        put(
            ("secrets.auth", {"provider": "sops-nix", "path": "/run/containers/0/auth.json"}),
            (f"{W}.environmentFiles", ["auth"]),
        ),
        [
            (
                "secrets.auth.path: reaches Podman's runtime state and registry credentials (auth.json) "
                f"(/run/containers): {ROOT} (got: '/run/containers/0/auth.json')"
            ),
            "  Hint: name the one file the container reads, e.g. /run/secrets/<name> or /etc/<app>.env",
        ],
        id="registry-credentials-as-environment-file",
    ),
    pytest.param(
        put((f"{W}.volumes", [{"path": "/p", "hostPath": "/etc/containers/policy.json"}])),
        [
            (
                f"{W}.volumes[0].hostPath: reaches Podman's policy, registries and storage configuration "
                f"(/etc/containers): {ROOT} (got: '/etc/containers/policy.json')"
            )
        ],
        id="podman-policy",
    ),
]

ACCOUNTS = [
    pytest.param(
        put((f"{W}.user.group", "podman")),
        [
            (
                f"{W}.user.group: names Podman's group on the host (it owns Podman's socket): the service would run "
                "containers as root (got: 'podman')"
            ),
            OWN,
        ],
        id="group-podman",
    ),
    pytest.param(
        put((f"{W}.user", {"name": "postgres", "uid": 71, "gid": 71})),
        [
            (
                f"{W}.user.name: is the host's PostgreSQL account (nixpkgs postgresql.nix); only app postgresql may "
                "take it (got: 'postgres')"
            ),
            OWN,
            f"{W}.user.uid: is 71, the id of the host's PostgreSQL account (ids.uids.postgres) (got: 71)",
            FREE_ID,
            f"{W}.user.gid: is 71, the id of the host's PostgreSQL account (ids.gids.postgres) (got: 71)",
            FREE_ID,
        ],
        id="postgres-71",
    ),
    pytest.param(put((f"{W}.user.name", "sshd")), [f"{W}.user.name: {MERGE} (got: 'sshd')", OWN], id="sshd"),
    pytest.param(put((f"{W}.user.group", "wheel")), [f"{W}.user.group: {MERGE} (got: 'wheel')", OWN], id="wheel"),
    pytest.param(
        put((f"{W}.user.gid", 1)),
        [f"{W}.user.gid: is 1, the gid of wheel, an account every NixOS host has (got: 1)", FREE_ID],
        id="gid-1",
    ),
    pytest.param(
        put((f"{W}.user.uid", 30001)),
        [f"{W}.user.uid: is in 30000-31000, the ids of NixOS's build users (nixbld) (got: 30001)", FREE_ID],
        id="uid-30001",
    ),
    pytest.param(
        put((f"{W}.user.group", "systemd-journal")),
        [f"{W}.user.group: {MERGE} (got: 'systemd-journal')", OWN],
        id="systemd-journal",
    ),
    pytest.param(
        put(("ociContainers.web", {**SECOND, "user": {"name": "web", "uid": 2102, "gid": 2102, "group": "podman"}})),
        [
            (
                "ociContainers.web.user.group: names Podman's group on the host (it owns Podman's socket): the service "
                "would run containers as root (got: 'podman')"
            ),
            "  Hint: give the service an account of its own, e.g. 'web'",
        ],
        id="second-app-group-podman",
    ),
]

IMAGES = [
    pytest.param(put((f"{W}.image", "dir:tmp")), [f"{W}.image: {TRANSPORT.format('dir')} (got: 'dir:tmp')"], id="dir"),
    pytest.param(
        put((f"{W}.image", "oci-archive:/tmp/x.tar")),
        [f"{W}.image: {TRANSPORT.format('oci-archive')} (got: 'oci-archive:/tmp/x.tar')"],
        id="oci-archive",
    ),
    pytest.param(
        put((f"{W}.image", "docker-archive:x")),
        [f"{W}.image: {TRANSPORT.format('docker-archive')} (got: 'docker-archive:x')"],
        id="docker-archive",
    ),
    pytest.param(
        put((f"{W}.image", "containers-storage:x")),
        [f"{W}.image: {TRANSPORT.format('containers-storage')} (got: 'containers-storage:x')"],
        id="containers-storage",
    ),
    pytest.param(
        put((f"{W}.image", "nginx:1.27")),
        [
            (
                f"{W}.image: must name its registry, e.g. 'docker.io/library/nginx:1.27': a short name is resolved by "
                "the host's registries.conf, and Podman reads some as a transport (dir:, oci-archive:) "
                "(got: 'nginx:1.27')"
            )
        ],
        id="short-name",
    ),
    pytest.param(
        put(("ociContainers.web", {**SECOND, "image": "dir:tmp"})),
        [f"ociContainers.web.image: {TRANSPORT.format('dir')} (got: 'dir:tmp')"],
        id="second-app-dir",
    ),
]

ADDRESS_PLAN = [
    pytest.param(
        no_address(("network.podman.subnet", "169.254.0.0/16")),
        [
            (
                "network.podman.subnet: is in the link-local range 169.254.0.0/16, which hosts use for their own "
                "links (and clouds for metadata) (got: '169.254.0.0/16')"
            ),
            RANGE_HINT,
        ],
        id="podman-link-local",
    ),
    pytest.param(
        no_address(("network.podman.subnet", "224.0.0.0/24")),
        [
            (
                "network.podman.subnet: is in the multicast range 224.0.0.0/4: a veth address must be unicast "
                "(got: '224.0.0.0/24')"
            ),
            RANGE_HINT,
        ],
        id="podman-multicast",
    ),
    pytest.param(
        no_address(("network.podman.subnet", "0.0.0.0/24")),
        [
            (
                "network.podman.subnet: is in 0.0.0.0/8, which means 'this host' and is never a valid address "
                "(got: '0.0.0.0/24')"
            ),
            RANGE_HINT,
        ],
        id="podman-this-host",
    ),
    pytest.param(
        no_address(("network.podman.subnet", "128.0.0.0/1")),
        [
            (
                "network.podman.subnet: is too wide: a /1 is larger than a /16 (65,536 addresses) and overlaps the "
                "host's other networks (got: '128.0.0.0/1')"
            ),
            "  Hint: containers need two addresses each: use a /24, e.g. 10.80.0.0/24",
        ],
        id="podman-too-wide",
    ),
    pytest.param(
        no_address(("network.podman.subnet", "10.88.50.0/24")),
        [DEFAULT_NET.format("10.88.50.0/24"), "  Hint: use a range of its own, e.g. 10.80.0.0/24"],
        id="podman-default-network-old-apps-stack",
    ),
    pytest.param(
        no_address(("network.podman.subnet", "10.88.0.0/24")),
        [DEFAULT_NET.format("10.88.0.0/24"), "  Hint: use a range of its own, e.g. 10.80.0.0/24"],
        id="podman-default-network-old-hint",
    ),
    pytest.param(
        put(
            ("network.subnet", "10.88.100.0/24"),
            (f"{U}.hostAddress", "10.88.100.10"),
            (f"{U}.localAddress", "10.88.100.11"),
        ),
        [
            (
                "network.subnet: overlaps Podman's default network 10.88.0.0/16, which Podman keeps on a host with OCI "
                "apps: the host would route the same addresses to two bridges (got: '10.88.100.0/24')"
            ),
            "  Hint: use a private range such as 10.231.0.0/24 or 192.168.100.0/24",
        ],
        id="veths-on-podman-default-network",
    ),
]

FILES = [
    pytest.param(
        put(
            ("secrets.st", {"provider": "sops-nix", "path": "/var/lib/uptime-kuma/kuma.db"}),
            (f"{W}.environmentFiles", ["st"]),
        ),
        [
            (
                f"{W}.environmentFiles[0]: reaches /var/lib/uptime-kuma, the state directory of containers.uptime "
                "(got: '/var/lib/uptime-kuma/kuma.db')"
            )
        ],
        id="environment-file-in-another-apps-state",
    ),
    pytest.param(
        put(
            ("host.secretsDir", "/var/lib/cf"),
            ("secrets.cf", {"provider": "sops-nix", "path": "/var/lib/cf/apps.json"}),
            (f"{W}.environmentFiles", ["cf"]),
        ),
        [
            (
                f"{W}.environmentFiles[0]: reaches host.secretsDir (/var/lib/cf): the container could read the tunnel "
                "credentials (got: '/var/lib/cf/apps.json')"
            )
        ],
        id="environment-file-tunnel-credentials",
    ),
    pytest.param(
        put(
            ("ociContainers.web", {**SECOND, "environmentFiles": ["st"]}),
            ("secrets.st", {"provider": "sops-nix", "path": "/var/lib/whoami/token"}),
        ),
        [
            (
                "ociContainers.web.environmentFiles[0]: reaches /var/lib/whoami, the state directory of "
                "ociContainers.whoami (got: '/var/lib/whoami/token')"
            )
        ],
        id="second-app-reads-the-first-apps-state",
    ),
    pytest.param(
        put((f"{W}.stateDirMode", "0000")),
        [f"{W}.stateDirMode: {NO_RWX.format('whoami', 2101)} (got: '0000')", "  Hint: use 0750 or 0700"],
        id="state-dir-mode-0000",
    ),
    pytest.param(
        put((f"{U}.stateDirMode", "0050")),
        [f"{U}.stateDirMode: {NO_RWX.format('uptime-kuma', 2001)} (got: '0050')", "  Hint: use 0750 or 0700"],
        id="state-dir-mode-nixos-container",
    ),
]

NAMES_AND_PORTS = [
    pytest.param(
        rename("whoami", name),
        [
            (
                f"ociContainers.{name}: would be unit podman-{name}.service, which is Podman's own; the app would "
                f"replace it (got: '{name}')"
            ),
            f"  Hint: name it after the app, e.g. {name}-app",
        ],
        id=f"podman-unit-{name}",
    )
    for name in ("auto-update", "restart", "prune", "clean-transient")
] + [
    pytest.param(
        put(("ociContainers.web", {**SECOND, "address": "10.80.0.10"})),
        [f"{W}.address: is already used by ociContainers.web.address (got: '10.80.0.10')"],
        id="two-apps-one-address",
    ),
    pytest.param(
        put(("ociContainers.web", {**SECOND, "ports": [{"hostPort": 8081}]})),
        [f"{W}.ports[0].hostPort: is already taken (tcp) by ociContainers.web.ports[0].hostPort (got: 8081)"],
        id="two-apps-one-host-port",
    ),
    pytest.param(
        put(("ociContainers.web", {**SECOND, "ports": [{"hostPort": 8081, "hostAddress": "0.0.0.0"}]})),
        [f"{W}.ports[0].hostPort: is already taken (tcp) by ociContainers.web.ports[0].hostPort (got: 8081)"],
        id="two-apps-one-host-port-other-address",
    ),
    pytest.param(
        put((f"{W}.after", ["getty@.service"])),
        [
            (
                f"{W}.after[0]: is a template unit without one instance: a container can start after "
                "'getty@tty1.service', never after 'getty@.service', which systemd cannot start (got: 'getty@.service')"
            )
        ],
        id="template-unit",
    ),
    pytest.param(
        put((f"{U}.requires", ["@x.service"])),
        [
            (
                f"{U}.requires[0]: is a template unit without one instance: a container can start after "
                "'getty@tty1.service', never after 'getty@.service', which systemd cannot start (got: '@x.service')"
            )
        ],
        id="template-unit-without-prefix-nixos",
    ),
]

ORDER_AND_LIMITS = [
    pytest.param(
        put((f"{W}.after", ["container@uptime.service"]), (f"{U}.after", ["podman-whoami.service"])),
        [
            f"{U}.after[0]: "
            + LOOP.format("containers.uptime -> ociContainers.whoami -> containers.uptime", "podman-whoami.service")
        ],
        id="loop-across-kinds",
    ),
    pytest.param(
        put(
            ("ociContainers.web", {**SECOND, "dependsOn": ["whoami"]}),
            (f"{W}.requires", ["container@uptime.service"]),
            (f"{U}.after", ["podman-web.service"]),
        ),
        [
            f"{U}.after[0]: "
            + LOOP.format(
                "containers.uptime -> ociContainers.web -> ociContainers.whoami -> containers.uptime",
                "podman-web.service",
            )
        ],
        id="loop-through-depends-on",
    ),
    pytest.param(
        put((f"{W}.after", ["podman-whoami.service"])),
        [f"{W}.after[0]: orders {W} after itself; systemd drops such a job (got: 'podman-whoami.service')"],
        id="oci-after-itself",
    ),
    pytest.param(
        put((f"{W}.resources.cpus", 0.001)),
        [
            (
                f"{W}.resources.cpus: is below 0.01 CPUs: the kernel's smallest CPU quota is 1 ms per 100 ms, so "
                "Podman cannot start the app with it; e.g. 0.5 (got: 0.001)"
            )
        ],
        id="cpus-below-the-kernels-quota",
    ),
]

HOST_SERVICES = [
    pytest.param(
        pg_client((f"{W}.ports[0].hostPort", 5432)),
        [
            (
                f"{W}.ports[0].hostPort: is the port of the host's PostgreSQL (5432), which the host runs for "
                "containers' databases: the two would fight over it (got: 5432)"
            ),
            "  Hint: use another host port, e.g. 15432",
        ],
        id="published-on-the-hosts-postgresql-port",
    ),
    pytest.param(
        pg_client(
            (
                "origins.db",
                {
                    "kind": "host",
                    "address": "127.0.0.1",
                    "routes": [{"hostname": "db.example.org", "port": 5432, "protocol": "tcp"}],
                },
            )
        ),
        [
            (
                "origins.db.routes[0].port: is the host's PostgreSQL (127.0.0.1:5432), which holds the containers' "
                "databases: a route would publish it (got: 5432)"
            ),
            "  Hint: route to the app that uses the database, never to the database",
        ],
        id="route-to-the-hosts-postgresql",
    ),
    pytest.param(
        put((f"{U}.nixos.imports", ["/etc/x.nix"])),
        [
            f"{U}.nixos.imports: {MODULE_KEY} (got: ['/etc/x.nix'])",
            f"  Hint: further modules go in {U}.imports, by reference to a file of the project or a flake",
        ],
        id="nixos-imports-a-host-path",
    ),
    *(
        pytest.param(
            put((f"{U}.nixos.{key}", value)),
            [
                f"{U}.nixos.{key}: {MODULE_KEY} (got: {shown})",
                f"  Hint: further modules go in {U}.imports, by reference to a file of the project or a flake",
            ],
            id=f"nixos-{key}",
        )
        # A mapping is shown with its values hidden (it may hold a secret under any key),
        # and so is anything under `key`, which reads like a secret.
        for key, value, shown in (
            ("disabledModules", ["a.nix"], "['a.nix']"),
            ("_module", {"args": {"pkgs": "x"}}, "{'args': {'pkgs': '<hidden>'}}"),
            ("_class", "nixos", "'nixos'"),
            ("_file", "x", "'x'"),
            ("options", {"x": 1}, "{'x': '<hidden>'}"),
            ("config", {"x": 1}, "{'x': '<hidden>'}"),
            ("require", ["a.nix"], "['a.nix']"),
            ("key", ["x"], "['<hidden>']"),  # a list: a string here is also refused as a literal secret
        )
    ),
    pytest.param(
        put(
            (f"{U}.privateUsers", 524288),
            (
                "containers.b",
                {
                    "app": "generic",
                    "user": {"name": "b", "uid": 2003, "gid": 2003},
                    "stateVersion": "25.05",
                    "privateUsers": 524288 + 65535,
                },
            ),
        ),
        [
            (
                f"{U}.privateUsers: overlaps the range of containers.b.privateUsers (589823-655358): the two "
                "containers would share host uids, so root in one owns the other's files (got: 524288)"
            ),
            "  Hint: use pick, or a multiple of 65536 past the others, e.g. 655360",
        ],
        id="private-users-ranges-overlap",
    ),
    pytest.param(
        put((f"{U}.privateUsers", 524288), (f"{W}.user.uid", 524290)),
        [
            (
                f"{W}.user.uid: is inside the id range of {U}.privateUsers: a user of that container would own its "
                "files (got: 524290)"
            ),
            FREE_ID,
        ],
        id="oci-uid-inside-a-private-users-range",
    ),
]

CASES = CONTROL_PLANE + ACCOUNTS + IMAGES + ADDRESS_PLAN + FILES + NAMES_AND_PORTS + ORDER_AND_LIMITS + HOST_SERVICES


@pytest.mark.parametrize(("mutation", "expected"), CASES)
def test_invalid_workload(mutation: Mutation, expected: list[str]) -> None:
    assert report_lines(base, mutation, "apps") == expected


def test_case_ids_are_unique() -> None:
    assert len({p.id for p in CASES}) == len(CASES)


def test_an_environment_value_over_max_arg_strlen_is_refused() -> None:
    lines = report_lines(base, put((f"{W}.environment.BIG", "x" * 131072)), "apps")
    assert len(lines) == 1 and lines[0].startswith(
        f"{W}.environment.BIG: is 131072 bytes: one environment string must stay under 131072 bytes "
        "(MAX_ARG_STRLEN), or Podman cannot start the app; put large values in a file and mount it (got: 'xxx"
    ), lines
    data = base()
    data["ociContainers"]["whoami"]["environment"]["BIG"] = "x" * 131000
    assert site_from_data(data, "apps").oci_containers[0].environment[0][0] == "BIG"  # just under: accepted


def test_a_unit_name_over_255_characters_is_refused() -> None:
    unit = "a" * 248 + ".service"  # 256
    lines = report_lines(base, put((f"{W}.after", [unit])), "apps")
    assert len(lines) == 1 and lines[0].startswith(
        f"{W}.after[0]: is 256 characters long; systemd takes unit names of at most 255 (got: 'aaa"
    ), lines
    data = base()
    data["ociContainers"]["whoami"]["after"] = ["a" * 247 + ".service", "getty@tty1.service"]
    assert site_from_data(data, "apps").oci_containers[0].after[-2:] == ("a" * 247 + ".service", "getty@tty1.service")


@pytest.mark.parametrize(("backend", "pattern"), [("iptables", "ve-+"), ("nftables", "ve-*")])
def test_trust_all_containers_keeps_the_veths_next_to_podmans_bridge(backend: str, pattern: str) -> None:
    data = base()
    data["host"]["firewallBackend"] = backend
    data["network"]["trustAllContainers"] = True
    data["ociContainers"]["whoami"].pop("hostFirewall")
    text = render(site_from_data(data, "apps"))["network.nix"]
    assert f'  networking.firewall.trustedInterfaces = [\n    "{pattern}"\n    "nixedge0"\n  ];\n' in text
    assert text.count("trustedInterfaces") == 1


def test_a_subnet_in_podmans_pools_is_warned_about() -> None:
    data = base()
    data["network"]["podman"]["subnet"] = "10.89.3.0/24"
    data["ociContainers"]["whoami"]["address"] = "10.89.3.10"
    assert site_from_data(data, "apps").warnings == (
        (
            "network.podman.subnet: is in 10.89.0.0/16, where `podman network create` picks a subnet when given none: "
            "a network made later by hand may take it first; 10.80.0.0/24 is outside Podman's ranges"
        ),
    )


def test_an_oci_app_without_a_user_renders_without_one() -> None:
    data = base()
    del data["ociContainers"]["whoami"]["user"]
    files = render(site_from_data(data, "apps"))
    text = files["oci-containers/whoami.nix"]
    assert "user = " not in text and "users.users" not in text
    assert '"d /var/lib/whoami 0750 root root -"' in text


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        pytest.param(
            put(("origins.whoami", {"kind": "host", "address": "127.0.0.1", "routes": [{"hostname": "x.example.org",
                                                                                       "port": 3000}]})),
            "origins.whoami: has the name of ociContainers.whoami",
            id="origin-named-like-oci-app",
        ),
        pytest.param(
            put(("ociContainers.uptime", {**SECOND})),
            "ociContainers.uptime: has the name of containers.uptime",
            id="oci-app-named-like-container",
        ),
    ],
)  # fmt: skip
def test_one_namespace_for_every_kind(mutation: Mutation, expected: str) -> None:
    assert report_lines(base, mutation, "apps")[0].startswith(
        f"{expected}; the names of containers, ociContainers and origins are one namespace"
    )


LINK_LOCAL = "which hosts use for their own links (and clouds for metadata)"


@pytest.mark.parametrize(
    ("address", "what"),
    [
        ("169.254.169.254", f"the link-local range 169.254.0.0/16, {LINK_LOCAL}"),
        ("224.0.0.1", "the multicast range 224.0.0.0/4: a veth address must be unicast"),
        ("0.0.0.1", "0.0.0.0/8, which means 'this host' and is never a valid address"),
        ("240.0.0.1", "the reserved range 240.0.0.0/4, which Linux does not route"),
    ],
)  # fmt: skip
def test_invalid_published_host_address(address: str, what: str) -> None:
    assert report_lines(base, put((f"{W}.ports[0].hostAddress", address)), "apps") == [
        f"{W}.ports[0].hostAddress: is in {what}: no address of the host to publish on (got: '{address}')",
        "  Hint: publish on 127.0.0.1 (the default) or an address of the host",
    ]


@pytest.mark.parametrize("address", ["0.0.0.0", "127.0.0.2", "192.168.1.5"])
def test_published_host_addresses_that_work(address: str) -> None:
    data = base()
    data["ociContainers"]["whoami"]["ports"][0]["hostAddress"] = address
    assert site_from_data(data, "apps").oci_containers[0].ports[0][0] == address


def test_an_oci_address_taken_by_a_guest_origin_is_refused() -> None:
    lines = report_lines(
        base,
        put(("origins.vm", {"kind": "guest", "address": "10.80.0.10", "routes": [{"hostname": "vm.example.org",
                                                                                   "port": 8080}]})),
        "apps",
    )  # fmt: skip
    assert f"{W}.address: is already used by origins.vm.address (got: '10.80.0.10')" in lines


def test_an_oci_app_named_like_the_host_is_refused() -> None:
    assert report_lines(base, rename("whoami", "apps"), "apps") == [
        (
            "ociContainers.apps: has the name of the host (host.name): the container takes its name as its host name, "
            "so both would answer to it (got: 'apps')"
        )
    ]


# -- every entry of the tables this guard adds has its own case ---------------------------------
# A path inside each entry of podman.CONTROL_PLANE, mounted as a volume of whoami.
CONTROL_PLANE_CASES = {
    "/run/podman": "/run/podman/podman.sock",
    "/run/docker.sock": "/run/docker.sock",
    "/var/lib/containers": "/var/lib/containers/storage/overlay",
    "/run/containers": "/run/containers/0/auth.json",
    "/etc/containers": "/etc/containers/registries.conf",
    "/var/lib/cni": "/var/lib/cni/networks",
    "/run/netavark.lock": "/run/netavark.lock",
}


def test_every_control_plane_entry_has_a_case() -> None:
    assert {tree for tree, _ in podman.CONTROL_PLANE} == set(CONTROL_PLANE_CASES)


@pytest.mark.parametrize(("tree", "path"), sorted(CONTROL_PLANE_CASES.items()))
def test_each_control_plane_entry_is_refused_even_with_allow_sensitive(tree: str, path: str) -> None:
    what = dict(podman.CONTROL_PLANE)[tree]
    volume = {"path": "/x", "hostPath": path, "allowSensitive": True}
    assert report_lines(base, put((f"{W}.volumes", [volume])), "apps") == [
        f"{W}.volumes[0].hostPath: reaches {what} ({tree}): {ROOT} (got: '{path}')"
    ]


OWN_UNIT_CASES = ("auto-update", "restart", "prune", "clean-transient")
TRANSPORT_CASES = ("dir", "docker", "docker-archive", "docker-daemon", "oci", "oci-archive", "containers-storage",
                   "ostree", "sif", "tarball")  # fmt: skip
ACCOUNT_CASES = ("podman", "docker")
MODULE_KEY_CASES = ("imports", "disabledModules", "_module", "_class", "_file", "options", "config", "require", "key")


def test_every_table_entry_has_a_case() -> None:
    assert set(OWN_UNIT_CASES) == podman.OWN_UNITS
    assert set(TRANSPORT_CASES) == podman.TRANSPORTS
    assert set(ACCOUNT_CASES) == podman.ACCOUNTS
    assert set(MODULE_KEY_CASES) == set(MODULE_SYSTEM_KEYS)


@pytest.mark.parametrize("transport", TRANSPORT_CASES)
def test_each_transport_is_refused(transport: str) -> None:
    image = f"{transport}:/var/tmp/image"
    assert report_lines(base, put((f"{W}.image", image)), "apps") == [
        f"{W}.image: {TRANSPORT.format(transport)} (got: '{image}')"
    ]


@pytest.mark.parametrize("name", ACCOUNT_CASES)
@pytest.mark.parametrize("field", ["name", "group"])
def test_each_podman_account_is_refused(name: str, field: str) -> None:
    assert report_lines(base, put((f"{W}.user.{field}", name)), "apps") == [
        (
            f"{W}.user.{field}: names Podman's group on the host (it owns Podman's socket): the service would run "
            f"containers as root (got: '{name}')"
        ),
        OWN,
    ]


def test_the_edges_of_the_limits_pass() -> None:
    """The last values that work: 0.01 CPUs, adjacent privateUsers ranges, mode 0700."""
    data = base()
    data["ociContainers"]["whoami"]["resources"]["cpus"] = 0.01
    data["ociContainers"]["whoami"]["stateDirMode"] = "0700"
    data["containers"]["uptime"]["privateUsers"] = 524288
    data["containers"]["b"] = {
        "app": "generic",
        "user": {"name": "b", "uid": 2003, "gid": 2003},
        "stateVersion": "25.05",
        "privateUsers": 524288 + 65536,
    }
    site = site_from_data(data, "apps")
    assert site.oci_containers[0].options[-1] == "--cpus=0.01"
    assert site.container("b").isolation.private_users == 589824
