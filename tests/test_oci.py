"""OCI containers (issue 16): stacks/Pulumi.apps.yaml runs whoami from its image under
Podman next to a NixOS container. This file proves:

- the render equals tests/golden/apps/ byte for byte (regenerate with
  `UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_oci.py`; that run fails), every
  file parses, and the modules evaluate against tests/nix/stub.nix to what the stack
  config means: the image, uid:gid, the address on nixedge's Podman network, the volumes,
  the secret's path as an environment file, the limits, the unit order and the grant;
- routes, origin checks and claims point at the OCI container as at a NixOS container;
- bad inputs are refused by `check` with the key named, in exact words.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import pytest

from components.commands.check import summary
from components.host.wire import claim_key
from components.model import ResolvedSite, site_from_data
from components.model.claims import claims, origin_checks
from components.nixos.render import render
from components.stackfile import read_stack_file
from tests.nixeval import eval_modules, parse_files, write_tree
from tests.paths import REPO, TESTS
from tests.site_mutations import DELETE, Mutation, put, report_lines
from tests.test_diff import _diff, _edit, _git, repo  # noqa: F401 (repo: a fixture, used by name)

GOLDEN = TESTS / "golden" / "apps"
W = "ociContainers.whoami"
IMAGE_MESSAGE = (
    "must be an image reference: [registry/]repository[:tag][@sha256:digest], the repository in lowercase, "
    "e.g. 'docker.io/traefik/whoami:v1.10.3'"
)
LEAVE = "must be an image reference such as 'docker.io/library/nginx:1.27' and must not hold"
SHARE_HINT = "Hint: to share this user on purpose, set user.shared: true in both containers"


def base() -> dict[str, Any]:
    return copy.deepcopy(read_stack_file(REPO / "stacks" / "Pulumi.apps.yaml"))


@pytest.fixture(scope="module")
def site() -> ResolvedSite:
    return site_from_data(base(), "apps")


@pytest.fixture(scope="module")
def files(site: ResolvedSite) -> dict[str, str]:
    return render(site)


def test_render_matches_golden_files(files: dict[str, str]) -> None:
    if os.environ.get("UPDATE_GOLDEN"):
        for rel, text in files.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_text(text, encoding="utf-8")
        pytest.fail(f"UPDATE_GOLDEN is set: rewrote {len(files)} files in {GOLDEN}; rerun without it")
    golden = {p.relative_to(GOLDEN).as_posix(): p.read_text(encoding="utf-8") for p in GOLDEN.rglob("*.nix")}
    assert golden == files


def test_modules_evaluate_to_what_the_config_means(tmp_path: Any, files: dict[str, str]) -> None:
    paths = write_tree(tmp_path, files)
    parse_files(paths)
    by_rel = dict(zip((p.relative_to(tmp_path).as_posix() for p in paths), eval_modules(paths, tmp_path), strict=True))
    app = by_rel["oci-containers/whoami.nix"]
    oci = app["virtualisation"]["oci-containers"]["containers"]["whoami"]
    assert oci["image"] == "docker.io/traefik/whoami:v1.10.3"
    assert oci["user"] == "2101:2101"
    assert oci["environmentFiles"] == ["/run/secrets/whoami-env"]
    assert oci["volumes"] == ["/var/lib/whoami:/data"]
    assert oci["ports"] == ["127.0.0.1:8081:8080/tcp"]
    assert oci["extraOptions"] == ["--network=nixedge:ip=10.80.0.10", "--memory=256m", "--cpus=0.5"]
    assert app["users"]["users"]["whoami"]["uid"] == 2101 and app["users"]["groups"]["whoami"]["gid"] == 2101
    unit = app["systemd"]["services"]["podman-whoami"]
    assert unit["after"] == unit["requires"] == ["nixedge-podman-network.service"]
    rule = "iptables -A nixos-fw -i nixedge0 -s 10.80.0.10 -p udp --dport 53 -j nixos-fw-accept\n"
    assert app["networking"]["firewall"]["extraCommands"] == rule
    network = by_rel["network.nix"]
    assert network["virtualisation"]["podman"]["enable"] is True
    assert network["virtualisation"]["oci-containers"]["backend"] == "podman"
    script = network["systemd"]["services"]["nixedge-podman-network"]["script"]
    assert "--subnet=10.80.0.0/24 --gateway=10.80.0.1 --interface-name=nixedge0" in script
    assert by_rel["default.nix"]["imports"] == [
        "./cloudflared.nix",
        "./containers/uptime.nix",
        "./network.nix",
        "./oci-containers/whoami.nix",
    ]


def test_nftables_grant_is_an_input_rule() -> None:
    data = base()
    data["host"]["firewallBackend"] = "nftables"
    text = render(site_from_data(data, "apps"))["oci-containers/whoami.nix"]
    assert "networking.firewall.extraInputRules = ''\n" in text
    assert '    iifname "nixedge0" ip saddr 10.80.0.10 udp dport 53 accept\n' in text


def test_routes_checks_and_claims_point_at_the_oci_container(site: ResolvedSite) -> None:
    assert [(r.hostname, r.service, r.kind) for r in site.routes] == [
        ("status.example.org", "http://10.50.0.11:3001", "container"),
        ("whoami.example.org", "http://10.80.0.10:8080", "oci"),
    ]
    assert [i.service for i in site.ingress][-2:] == ["http://10.80.0.10:8080", "http_status:404"]
    check = origin_checks(site)[-1]
    assert (check.container, check.address, check.port, check.files) == (
        "whoami",
        "10.80.0.10",
        8080,
        ("oci-containers/whoami.nix",),
    )
    held = {claim_key(c): c.holder for c in claims(site)["oci-containers/whoami.nix"]}
    assert held["address 10.80.0.10"] == "whoami" and held["hostPort tcp/8081"] == "whoami"
    assert held["uid 2101"] == "whoami" and held["path /var/lib/whoami"] == "whoami"


def test_check_lists_the_oci_container(site: ResolvedSite) -> None:
    text = summary(site)
    assert "Podman network nixedge 10.80.0.0/24: 1 OCI container(s)" in text
    assert "whoami         docker.io/traefik/whoami:v1.10.3  10.80.0.10  whoami  2101  2101" in text
    assert "whoami.example.org  http://10.80.0.10:8080  whoami (oci)" in text


def test_an_address_left_out_is_allocated_on_the_podman_network() -> None:
    data = base()
    del data["ociContainers"]["whoami"]["address"]
    (o,) = site_from_data(data, "apps").oci_containers
    assert o.address_allocated and o.address.startswith("10.80.0.") and o.address not in ("10.80.0.1",)
    assert site_from_data(copy.deepcopy(data), "apps").oci_containers[0].address == o.address  # stable


@pytest.mark.parametrize(
    ("image", "warning"),
    [
        (
            "docker.io/traefik/whoami",
            "names no tag, so Podman runs `latest`, whatever that is at the next pull; pin a tag or a digest",
        ),
        ("docker.io/traefik/whoami:latest", "is tagged `latest`, which moves; pin a version tag or a digest"),
    ],
)
def test_unpinned_images_are_warned_about(image: str, warning: str) -> None:
    data = base()
    data["ociContainers"]["whoami"]["image"] = image
    assert site_from_data(data, "apps").warnings == (f"{W}.image: {warning}",)


def test_a_digest_pins_without_a_tag() -> None:
    data = base()
    data["ociContainers"]["whoami"]["image"] = "ghcr.io/traefik/whoami@sha256:" + "0a" * 32
    assert site_from_data(data, "apps").warnings == ()


CASES = [
    pytest.param(
        put((f"{W}.image", "Docker.io/Traefik/Whoami:v1")),
        [f"{W}.image: {IMAGE_MESSAGE} (got: 'Docker.io/Traefik/Whoami:v1')"],
        id="image-uppercase",
    ),
    pytest.param(
        put((f"{W}.image", "nginx 1.27")), [f"{W}.image: {IMAGE_MESSAGE} (got: 'nginx 1.27')"], id="image-space"
    ),
    pytest.param(
        put((f"{W}.image", "nginx:1.27:2")), [f"{W}.image: {IMAGE_MESSAGE} (got: 'nginx:1.27:2')"], id="image-two-tags"
    ),
    pytest.param(
        put((f"{W}.image", 'nginx";evil="')), [f"{W}.image: {LEAVE} a quote (got: 'nginx\";evil=\"')"], id="image-quote"
    ),
    pytest.param(
        put((f"{W}.image", "nginx:${pkgs.x}")),
        [f"{W}.image: {LEAVE} `${{` (got: 'nginx:${{pkgs.x}}')"],
        id="image-interpolation",
    ),
    pytest.param(
        put((f"{W}.image", "nginx:1.27\nx")),
        [f"{W}.image: {LEAVE} a newline (got: 'nginx:1.27\\nx')"],
        id="image-newline",
    ),
    pytest.param(
        put((f"{W}.cmd[0]", "a\nb")),
        [f"{W}.cmd[0]: must be one line of text without NUL characters (got: 'a\\nb')"],
        id="cmd-newline",
    ),
    pytest.param(
        put((f"{W}.address", "10.50.0.11")),
        [f"{W}.address: is already used by containers.uptime.localAddress (got: '10.50.0.11')"],
        id="address-of-a-nixos-container",
    ),
    pytest.param(
        put((f"{W}.address", "10.80.0.1")),
        [f"{W}.address: is already used by network.podman (its gateway, the host's side) (got: '10.80.0.1')"],
        id="address-gateway",
    ),
    pytest.param(
        put(("network.podman.subnet", "10.50.0.0/25"), (f"{W}.address", "10.50.0.100")),
        [
            (
                "network.podman.subnet: overlaps network.subnet 10.50.0.0/24, the NixOS containers' veth addresses "
                "(got: '10.50.0.0/25')"
            ),
            "  Hint: use a range of its own, e.g. 10.80.0.0/24",
        ],
        id="podman-subnet-overlaps-veths",
    ),
    pytest.param(
        put(("network.podman", DELETE)),
        [
            "network.podman: is missing: ociContainers run on a Podman network that nixedge declares",
            "  Hint: add network: {podman: {subnet: 10.80.0.0/24}}, a range apart from network.subnet",
        ],
        id="podman-network-missing",
    ),
    pytest.param(
        put(("containers.uptime.forwardPorts", [{"hostPort": 8081}])),
        [f"{W}.ports[0].hostPort: is already taken (tcp) by containers.uptime.forwardPorts[0].hostPort (got: 8081)"],
        id="port-forwarded-by-a-nixos-container",
    ),
    pytest.param(
        put((f"{W}.ports[0].hostPort", 22)),
        [
            (
                f"{W}.ports[0].hostPort: is the host's SSH port (22): publishing it would lock out the host's "
                "administrators (got: 22)"
            ),
            "  Hint: publish another port, e.g. hostPort: 2222",
        ],
        id="port-host-ssh",
    ),
    pytest.param(
        put((f"{W}.user.uid", 2001)),
        [f"{W}.user.uid: is already used by containers.uptime.user.uid; each container needs its own uid (got: 2001)"],
        id="user-uid-of-another-container",
    ),
    pytest.param(
        put((f"{W}.volumes", [{"path": "/host-etc", "hostPath": "/etc"}])),
        [
            (
                f"{W}.volumes[0].hostPath: is a sensitive host path; mounting it gives the container power "
                "over the host (got: '/etc')"
            ),
            f"  Hint: mount a narrower path, or set {W}.volumes[0].allowSensitive: true",
        ],
        id="volume-sensitive",
    ),
    pytest.param(
        put((f"{W}.volumes", [{"path": "/uptime", "hostPath": "/var/lib/uptime-kuma"}])),
        [
            (
                f"{W}.volumes[0].hostPath: reaches /var/lib/uptime-kuma, the state directory of containers.uptime "
                "(got: '/var/lib/uptime-kuma')"
            )
        ],
        id="volume-another-containers-state",
    ),
    pytest.param(
        put((f"{W}.stateDir", "/nix/whoami")),
        [
            (
                f"{W}.stateDir: is a sensitive host path; use a directory of its own such as /var/lib/<app> "
                "(got: '/nix/whoami')"
            )
        ],
        id="state-dir-sensitive",
    ),
    pytest.param(
        put((f"{W}.environmentFiles[0]", "nope")),
        [f"{W}.environmentFiles[0]: names no secret of the site's secrets (whoami-env) (got: 'nope')"],
        id="environment-file-unknown",
    ),
    pytest.param(
        put((f"{W}.dependsOn", ["whoami"])),
        [f"{W}.dependsOn[0]: names no other OCI container (none) (got: 'whoami')"],
        id="depends-on-itself",
    ),
    pytest.param(
        put(("network.trustAllContainers", True)),
        [
            (
                f"{W}.hostFirewall: grants host ports, but network.trustAllContainers already lets every container "
                "reach every host port (got: [53])"
            ),
            "  Hint: set network.trustAllContainers: false to grant ports per container, or remove the grant",
        ],
        id="grant-with-trust-all",
    ),
    pytest.param(
        put((f"{W}.routes[0].hostname", "status.example.org")),
        [
            (
                f"{W}.routes[0].hostname: is already routed by containers.uptime.routes[0].hostname; a hostname has "
                "exactly one route (got: 'status.example.org')"
            )
        ],
        id="route-hostname-taken",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), CASES)
def test_bad_inputs_are_refused_with_the_key_named(mutation: Mutation, expected: list[str]) -> None:
    assert report_lines(base, mutation, "apps") == expected


def test_diff_shows_an_added_oci_container_and_an_image_change(
    repo: Path,  # noqa: F811 (the fixture of tests/test_diff.py)
    capsys: pytest.CaptureFixture[str],
) -> None:
    whoami = base()["ociContainers"]["whoami"]
    whoami.pop("environmentFiles")
    whoami["routes"][0]["hostname"] = "whoami.ncaq.net"

    def add(data: dict[str, Any]) -> None:
        data["network"]["podman"] = {"subnet": "10.80.0.0/24"}
        data["network"]["trustAllContainers"] = False
        data["ociContainers"] = {"whoami": whoami}

    _edit(repo, add)
    code, out, _ = _diff(repo, capsys)
    assert code == 1
    assert "+++ b/oci-containers/whoami.nix" in out and "  + oci-containers/whoami.nix" in out
    assert "  + whoami: OCI image docker.io/traefik/whoami:v1.10.3, address 10.80.0.10" in out
    assert "  + whoami.ncaq.net: http://10.80.0.10:8080" in out
    _git(repo, "commit", "--quiet", "-am", "whoami")
    _edit(repo, lambda data: data["ociContainers"]["whoami"].update(image="docker.io/traefik/whoami:v1.11.0"))
    code, out, _ = _diff(repo, capsys)
    assert code == 1
    assert '-    image = "docker.io/traefik/whoami:v1.10.3";\n+    image = "docker.io/traefik/whoami:v1.11.0";' in out
    assert "Nix modules: 1 change(s)\n  ~ oci-containers/whoami.nix\n" in out
    assert (
        "  ~ whoami: OCI image docker.io/traefik/whoami:v1.10.3, address 10.80.0.10 -> "
        "OCI image docker.io/traefik/whoami:v1.11.0, address 10.80.0.10"
    ) in out


def test_the_worked_example_quotes_the_render_and_the_stack(files: dict[str, str]) -> None:
    """Every ```nix excerpt of docs/oci-apps.md is in the render, every ```yaml one in the stack file."""
    doc = (REPO / "docs" / "oci-apps.md").read_text(encoding="utf-8")
    stack = (REPO / "stacks" / "Pulumi.apps.yaml").read_text(encoding="utf-8")
    nix = re.findall(r"^```nix\n(.*?)^```$", doc, re.MULTILINE | re.DOTALL)
    yml = re.findall(r"^```yaml\n(.*?)^```$", doc, re.MULTILINE | re.DOTALL)
    assert len(nix) == 4 and len(yml) == 3
    assert [block for block in nix if not any(block in text for text in files.values())] == []
    assert [block for block in yml if block not in stack] == []
