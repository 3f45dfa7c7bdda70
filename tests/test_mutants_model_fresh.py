"""Tests written for the survivors of a fresh sample of the model's mutants (docs/testing.md,
"Mutation testing"), so that the tests hold for the whole package and not only for the
mutants of the first sample. Each asserts what a stack file's author or the model's caller
relies on: the exact options Podman gets, the resolved facts the renderer reads, and how
one deploy target lies to another.
"""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Any

import pytest

from components.errors import ConfigError, Issue
from components.model import site_from_data
from components.model.addresses import allocate
from components.model.checks.report import Report
from components.model.checks.secrets import substitute
from components.model.keys import MAX_DEPTH, too_deep
from components.model.paths import in_etc, resolve, sensitive
from components.model.site import Site
from components.model.targets import overlap, target_identity
from components.model.workloads import workloads
from tests.model_cases import SECOND_APP as WEB
from tests.model_cases import apps_site as apps
from tests.site_mutations import put, report_lines, seed_site

A = "containers.atticd"
W = "ociContainers.whoami"


# -- OCI apps: the options Podman gets and the order it starts them in (checks/oci.py) -----


@pytest.mark.parametrize(
    ("cpus", "option"),
    [(2, "--cpus=2"), (2.0, "--cpus=2"), (1024, "--cpus=1024"), (1.5, "--cpus=1.5"), (0.25, "--cpus=0.25")],
)
def test_a_cpu_limit_is_given_to_podman_in_its_shortest_form(cpus: float, option: str) -> None:
    """A whole number of CPUs reads `--cpus=2`, not `--cpus=2.0`, as the author wrote it.

    Kills checks.oci._options #7."""
    data = apps()
    data["ociContainers"]["whoami"]["resources"] = {"memory": "256m", "cpus": cpus}
    (o,) = site_from_data(data, "apps.yaml").oci_containers
    assert o.options[-2:] == ("--memory=256m", option)


def test_an_oci_app_keeps_the_apps_it_depends_on_in_the_order_written() -> None:
    """The renderer reads `depends_on` for Podman's `dependsOn`: the names, as written.

    Kills checks.oci.oci_container #47."""
    data = apps()
    data["ociContainers"]["web"] = WEB
    data["ociContainers"]["cache"] = {**WEB, "address": "10.80.0.21", "user": {"name": "c", "uid": 2103, "gid": 2103}}
    data["ociContainers"]["whoami"]["dependsOn"] = ["web", "cache"]
    site = site_from_data(data, "apps.yaml")
    by_name = {o.name: o for o in site.oci_containers}
    assert by_name["whoami"].depends_on == ("web", "cache")
    assert by_name["web"].depends_on == ()


# -- deploy targets: one inside another (targets.py) ---------------------------------------


def _local(path: str) -> Any:
    return target_identity({"transport": "local", "path": path})


@pytest.mark.parametrize("inner", ["/srv/nixedge", "/etc", "/x"])
def test_every_absolute_target_lies_inside_the_root_directory(inner: str) -> None:
    """`/` holds every other absolute path: a target there would hold the other's files.

    Kills targets._below #8."""
    assert overlap(_local(inner), _local("/")) == "inside"
    assert overlap(_local("/"), _local(inner)) == "holds"


def test_a_target_beside_another_with_a_common_prefix_is_apart() -> None:
    assert overlap(_local("/srv/nixedge2"), _local("/srv/nixedge")) is None
    assert overlap(_local("/srv/nixedge/a"), _local("/srv/nixedge/")) == "inside"


# -- addresses: the Podman network's size, containers without a network (checks/) ----------


@pytest.mark.parametrize("subnet", ["10.80.0.0/31", "10.80.0.0/32"])
def test_a_podman_subnet_below_a_slash_30_is_refused_by_its_type_with_its_size(subnet: str) -> None:
    """The type of a subnet refuses it, before checks/oci.py's own test of the size could
    (which is why checks.oci.podman_network #38 is equivalent)."""
    data = apps()
    data["network"]["podman"]["subnet"] = subnet
    data["ociContainers"]["whoami"].pop("address")
    assert report_lines(lambda: data, put(), "apps.yaml") == [
        (
            "network.podman.subnet: is too small: a container needs a host and a local address; use /30 or larger "
            f"(got: '{subnet}')"
        )
    ]


def test_a_container_without_a_network_gets_no_addresses_and_takes_none() -> None:
    """`network: none` is a private network: no veth pair, so no addresses allocated to it,
    and the slot its name hashes to stays free for the next container.

    Kills checks.addresses._container #18."""
    data = apps()
    offline = {"app": "generic", "user": {"name": "offline", "uid": 2003, "gid": 2003}, "stateVersion": "25.05"}
    data["containers"]["offline"] = {**offline, "network": "none"}
    site = site_from_data(data, "apps.yaml")
    c = site.container("offline")
    assert (c.host_address, c.local_address, c.addresses_allocated) == (None, None, False)
    data["containers"]["offline"] = offline
    alone = site_from_data(data, "apps.yaml").container("offline")
    assert alone.addresses_allocated and alone.host_address is not None


def test_addresses_outside_the_usable_slots_leave_every_usable_slot_free() -> None:
    """A /29 has two usable slots (.2/.3 and .4/.5): the network's and the broadcast's
    slots are never used, so addresses taken there do not make the network full.

    Kills addresses.allocate #32."""
    net = IPv4Network("10.0.0.0/29")
    got = allocate(["a", "b"], net, {"10.0.0.1", "10.0.0.6"})
    assert sorted(got.values()) == [("10.0.0.2", "10.0.0.3"), ("10.0.0.4", "10.0.0.5")]
    assert allocate(["a"], net, {"10.0.0.2", "10.0.0.5"}) == {}


# -- presets: the key only atticd reads (presets/base.py) ----------------------------------


def test_an_environment_file_of_a_generic_app_is_refused_with_its_path() -> None:
    """Kills presets.base.no_environment_file #7."""
    assert report_lines(apps, put(("containers.uptime.environmentFile", "/etc/uptime.env")), "apps.yaml") == [
        (
            "containers.uptime.environmentFile: is only used by app atticd; give a generic app's secrets file "
            "under nixos "
            "(got: '/etc/uptime.env')"
        )
    ]


# -- host paths: '.' segments and a leading '//' (paths.py) --------------------------------


@pytest.mark.parametrize("path", ["/srv/./nix", "/srv/.", "/./srv"])
def test_a_dot_segment_in_an_nspawn_flags_path_is_refused(path: str) -> None:
    """nspawn's flags are checked by checks/nspawn.py, not by a path type: `.` is
    refused there as `..` is (systemd-nspawn would take it literally).

    Kills paths.syntax_problem #27."""
    flag = f"--tmpfs={path}"
    assert report_lines(seed_site, put((f"{A}.extraFlags", [flag])), "seminar.yaml") == [
        f"{A}.extraFlags[0]: {path} must not contain '.' or '..' segments (got: '{flag}')"
    ]


@pytest.mark.parametrize(
    ("path", "real"),
    [("//etc/shadow", "/etc/shadow"), ("//var/run/secrets", "/run/secrets"), ("///srv//x/", "/srv/x")],
)
def test_a_path_with_a_leading_double_slash_resolves_as_one_slash(path: str, real: str) -> None:
    """POSIX keeps a leading `//` through normpath; Linux reads it as `/`, so a mount of
    `//etc` is as sensitive as one of `/etc`.

    Kills paths.resolve #5."""
    assert resolve(path) == real
    assert sensitive("//etc") and in_etc("//etc/nixos")


# -- the registry's facts (workloads.py) ---------------------------------------------------


def test_a_containers_bind_mounts_are_host_paths_it_sees_under_their_keys() -> None:
    """Every host path of a NixOS container, named by the key that gives it: a bind
    mount's hostPath (or its path without one), the state directory, the environment
    file, and the host's PostgreSQL socket.

    Kills workloads._nixos #5."""
    data = seed_site()
    data["containers"]["atticd"]["bindMounts"] = [
        {"path": "/cache", "hostPath": "/srv/cache", "readOnly": False},
        {"path": "/srv/models"},
    ]
    facts = {w.name: w for w in workloads(Site.model_validate(data))}
    assert [(p.key, p.path, p.writable, p.mounted) for p in facts["atticd"].host_paths] == [
        (f"{A}.bindMounts[0].hostPath", "/srv/cache", True, True),
        (f"{A}.bindMounts[1].path", "/srv/models", False, True),
        (f"{A}.stateDir", "/mnt/noa/atticd", True, True),
        (f"{A}.environmentFile", "/etc/atticd.env", False, True),
        (f"{A}.postgresql", "/run/postgresql", False, True),
    ]


# -- stored data: where a bad value sits, how deep data may nest (types.py, keys.py) -------


H = "<hidden>"


@pytest.mark.parametrize(
    ("nixos", "message", "shape"),
    [
        ({"a": [1, 2**63]}, "a[1]: 9223372036854775808 is outside Nix's 64-bit integers", {"a": [H, H]}),
        ({"a": [{"b": float("nan")}]}, "a[0].b: NaN and infinity have no Nix value", {"a": [{"b": H}]}),
        (
            {"a": [[0, [1, "x\x00"]]]},
            "a[0][1][1]: Nix strings cannot hold NUL characters or lone surrogates",
            {"a": [[H, [H, H]]]},
        ),
    ],
)
def test_a_bad_value_in_a_list_of_nixos_data_is_named_by_its_index(
    nixos: dict[str, Any], message: str, shape: dict[str, Any]
) -> None:
    """The value is shown with every leaf hidden (nixos may hold secrets), so the path
    to the bad one is all that points at it.

    Kills types._nix_data #45."""
    assert report_lines(seed_site, put((f"{A}.nixos", nixos)), "seminar.yaml") == [
        f"{A}.nixos: {message} (got: {shape!r})"
    ]


def _nested(depth: int) -> Any:
    data: Any = "leaf"
    for _ in range(depth):
        data = {"k": data}
    return data


def test_data_nested_exactly_max_depth_deep_is_accepted_and_one_more_level_is_not() -> None:
    """Kills keys.too_deep #3."""
    assert too_deep(_nested(MAX_DEPTH)) is None
    assert too_deep([_nested(MAX_DEPTH - 1)]) is None
    assert too_deep(_nested(MAX_DEPTH + 1)) == ("k",) * MAX_DEPTH


# -- the final sample: checks/ (addresses, dns, host, identities, oci, routes, secrets) ---


def test_a_container_left_without_a_free_address_pair_is_named_with_the_subnet_and_no_value() -> None:
    """The issue names the container (not a key of it, which was left out) and shows no value.

    Kills checks.addresses.check_addresses #35, #36, #37."""
    data = apps()
    data["network"]["subnet"] = "10.50.0.0/30"
    for key in ("hostAddress", "localAddress"):
        data["containers"]["uptime"].pop(key)
    with pytest.raises(ConfigError) as info:
        site_from_data(data, "apps.yaml")
    assert info.value.issues == [
        Issue(
            "containers.uptime",
            "needs addresses but network.subnet 10.50.0.0/30 has no free pair left",
            hint="use a larger subnet, or give hostAddress and localAddress",
            has_value=False,
        )
    ]


@pytest.mark.parametrize("tune", [True, False])
def test_the_tunnels_udp_buffer_tuning_reaches_the_resolved_tunnel(tune: bool) -> None:
    """The renderer reads it to raise the host's UDP buffers for cloudflared's QUIC.

    Kills checks.dns.resolved_tunnel #45."""
    data = apps()
    data["tunnel"]["tuneUdpBuffers"] = tune
    tunnel = site_from_data(data, "apps.yaml").tunnel
    assert tunnel is not None and tunnel.tune_udp_buffers is tune


@pytest.mark.parametrize(
    ("activation", "checked"),
    [
        ({}, True),
        ({"mode": "test"}, True),
        ({"check": False}, False),
        ({"mode": "boot"}, False),
        ({"mode": "none"}, False),
        ({"mode": "none", "command": ["deploy-now"]}, True),
    ],
)
def test_origins_are_checked_only_after_an_activation_that_runs_the_new_system(
    activation: dict[str, Any], checked: bool
) -> None:
    """No check when asked not to, after `boot` (it takes a reboot), or without any command.

    Kills checks.host.check_origins #2."""
    data = apps()
    data["host"]["activation"] = activation
    assert site_from_data(data, "apps.yaml").check_origins is checked


def test_two_oci_apps_without_a_user_both_run_as_the_images_user_without_colliding() -> None:
    """An app without `user` is root to every rule: warned about, never a uid taken twice.

    Kills checks.identities.users #16."""
    data = apps()
    data["ociContainers"]["whoami"].pop("user")
    data["ociContainers"]["other"] = {"image": "docker.io/traefik/whoami:v1.10.3", "address": "10.80.0.11"}
    site = site_from_data(data, "apps.yaml")
    assert [(o.name, o.user) for o in site.oci_containers] == [("other", None), ("whoami", None)]
    assert [w.split(":")[0] for w in site.warnings] == ["ociContainers.other.user", "ociContainers.whoami.user"]


@pytest.mark.parametrize(("arg", "refused"), [("--key=abc", True), ("--Xkey=abc", False), ("-Xkey=abc", False)])
def test_only_the_dashes_of_a_flag_are_dropped_before_its_name_is_judged(arg: str, refused: bool) -> None:
    """`--key=abc` holds a key; `--Xkey` is one word, no secret, and is kept as written.

    Kills checks.literal_secrets._arguments #11."""
    data = apps()
    data["ociContainers"]["whoami"]["cmd"] = [arg]
    if refused:
        lines = report_lines(lambda: data, put(), "apps.yaml")
        assert [line.split(":")[0] for line in lines if not line.startswith(" ")] == [f"{W}.cmd[0]"]
    else:
        (o,) = site_from_data(data, "apps.yaml").oci_containers
        assert o.cmd == (arg,)


def test_every_route_of_an_oci_app_that_does_not_start_is_refused() -> None:
    """Each route is named, not only the first.

    Kills checks.oci._routes #17."""
    data = apps()
    data["ociContainers"]["whoami"]["autoStart"] = False
    data["ociContainers"]["whoami"]["routes"].append({"hostname": "who2.example.org", "port": 8080})
    lines = report_lines(lambda: data, put(), "apps.yaml")
    refused = "would point at a container that does not start: autoStart is false"
    hint = f"  Hint: set {W}.autoStart: true, or remove the route"
    assert lines == [
        f"{W}.routes[0]: {refused} (got: 'whoami.example.org')",
        hint,
        f"{W}.routes[1]: {refused} (got: 'who2.example.org')",
        hint,
    ]


@pytest.mark.parametrize("auto_start", [True, False])
def test_an_oci_apps_auto_start_is_kept(auto_start: bool) -> None:
    """Kills checks.oci.oci_container #71."""
    data = apps()
    data["ociContainers"]["whoami"]["autoStart"] = auto_start
    data["ociContainers"]["whoami"].pop("routes")
    (o,) = site_from_data(data, "apps.yaml").oci_containers
    assert o.auto_start is auto_start


def test_an_oci_app_requires_the_units_it_lists_after_its_secrets_unit() -> None:
    """The secret's unit first, then the listed ones, each once.

    Kills checks.oci.oci_container #113."""
    data = apps()
    data["secrets"]["whoami-env"]["unit"] = "sops-install-secrets.service"
    units = ["network-online.target", "sops-install-secrets.service"]
    data["ociContainers"]["whoami"]["requires"] = units
    (o,) = site_from_data(data, "apps.yaml").oci_containers
    assert o.requires == ("sops-install-secrets.service", "network-online.target")


def test_an_origins_route_is_published_in_its_zone() -> None:
    """Kills checks.routes.origin_routes #43."""
    data = apps()
    route = {"hostname": "grafana.example.org", "port": 3000}
    data["origins"] = {"grafana": {"kind": "host", "address": "127.0.0.1", "routes": [route]}}
    (r,) = site_from_data(data, "apps.yaml").origin_routes
    assert (r.hostname, r.zone, r.container, r.address, r.kind) == (
        "grafana.example.org",
        "example.org",
        "grafana",
        "127.0.0.1",
        "host",
    )


def test_a_container_starts_after_and_requires_the_unit_that_installs_its_secret() -> None:
    """Kills checks.secrets.units #2."""
    data = apps()
    data["secrets"]["uk"] = {"provider": "agenix", "path": "/run/agenix/uk", "unit": "agenix.service"}
    data["containers"]["uptime"]["secrets"] = ["uk"]
    c = site_from_data(data, "apps.yaml").container("uptime")
    assert (c.after, c.requires) == (("agenix.service",), ("agenix.service",))


def test_a_reference_to_an_unknown_secret_is_reported_and_gets_no_path() -> None:
    """The reference is replaced by an empty path, never by a made-up one.

    Kills checks.secrets._path #13."""
    site = Site.model_validate(apps())
    report = Report()
    got = substitute(site, report, "x", {"a": {"_secret": "nope"}}, "containers.uptime", [])
    assert got == {"a": ""}
    assert [(i.loc, i.message) for i in report.issues] == [
        ("x.a._secret", "names no secret of the site's secrets (whoami-env)")
    ]


def test_a_literal_secret_in_a_mapping_inside_a_list_is_refused_under_its_index() -> None:
    """A list of mappings (users, peers) is walked like any mapping: its secrets are found.

    Kills checks.literal_secrets._walk #46."""
    data = apps()
    users = [{"name": "a"}, {"name": "b", "password": "hunter2"}]
    data["containers"]["uptime"]["nixos"]["services"]["demo"] = {"users": users}
    lines = report_lines(lambda: data, put(), "apps.yaml")
    assert [line.split(":")[0] for line in lines if not line.startswith(" ")] == [
        "containers.uptime.nixos.services.demo.users[1].password"
    ]
