"""Tests written for the mutation run's survivors (docs/testing.md, "Mutation testing"):
the model and its checks. Each asserts what a stack file's author or the model's caller
relies on: the exact message with its key, the second instance of a thing (a second
app, secret or zone), the resolved values the renderer reads, and the registry's facts.
"""

from __future__ import annotations

import copy
from ipaddress import IPv4Network
from typing import Any

import pytest

from components.errors import ConfigError, Issue
from components.model import site_from_data
from components.model.addresses import allocate
from components.model.checks.report import parts_of
from components.model.hosts import hosts_from_data
from components.model.resolved import PublicRoute, public_url
from components.model.secret_keys import literal
from components.model.site import Site
from components.model.targets import overlap, target_identity
from components.model.validation import plain, unknown_key
from components.model.workloads import Identity, root_identity, workloads
from components.stackfile import read_stack_file
from tests.model_cases import FJ, PG, R1, R2, REC, VPN, A, F, multiservice_site
from tests.model_cases import SECOND_APP as WEB
from tests.model_cases import apps_site as apps
from tests.paths import REPO
from tests.site_mutations import DELETE, Mutation, put, report_lines, seed_site, set_key

W = "ociContainers.whoami"
CACHE: dict[str, Any] = {**WEB, "address": "10.80.0.21", "user": {"name": "cache", "uid": 2103, "gid": 2103}}


def apps_lines(*pairs: tuple[str, Any]) -> list[str]:
    return report_lines(apps, put(*pairs), "apps.yaml")


def resolved(base: Any, *pairs: tuple[str, Any]) -> Any:
    data = base()
    put(*pairs)(data)
    return site_from_data(data, "site.yaml")


def lines_of(base: Any, mutation: Mutation) -> list[str]:
    return report_lines(base, mutation, "site.yaml")


# -- OCI apps: environment files, order, routes, users (checks/oci.py) ------------------------


def test_an_environment_file_of_a_site_without_secrets_says_none_are_declared() -> None:
    assert apps_lines(("secrets", DELETE)) == [
        f"{W}.environmentFiles[0]: names no secret of the site's secrets (none declared) (got: 'whoami-env')"
    ]


def test_every_environment_file_naming_no_secret_is_reported() -> None:
    assert apps_lines((f"{W}.environmentFiles", ["nope", "gone"])) == [
        f"{W}.environmentFiles[0]: names no secret of the site's secrets (whoami-env) (got: 'nope')",
        f"{W}.environmentFiles[1]: names no secret of the site's secrets (whoami-env) (got: 'gone')",
    ]


def test_the_unit_that_installs_an_environment_file_orders_the_app_once() -> None:
    unit = "sops-install-secrets.service"
    site = resolved(
        apps,
        ("secrets.whoami-env.unit", unit),
        ("secrets.whoami-extra", {"provider": "sops-nix", "path": "/run/secrets/whoami-extra", "unit": unit}),
        (f"{W}.environmentFiles", ["whoami-env", "whoami-extra"]),
        (f"{W}.after", ["network-online.target"]),
    )
    (o,) = site.oci_containers
    assert o.environment_files == ("/run/secrets/whoami-env", "/run/secrets/whoami-extra")
    assert o.after == (unit, "network-online.target")
    assert o.requires == (unit,)


def test_depends_on_an_unknown_app_lists_the_other_apps() -> None:
    assert apps_lines((f"{W}.dependsOn", ["zz"]), ("ociContainers.web", WEB), ("ociContainers.cache", CACHE)) == [
        f"{W}.dependsOn[0]: names no other OCI container (cache, web) (got: 'zz')"
    ]


def test_a_route_to_an_oci_app_that_does_not_start_is_refused() -> None:
    assert apps_lines((f"{W}.autoStart", False)) == [
        (
            f"{W}.routes[0]: would point at a container that does not start: autoStart is false "
            "(got: 'whoami.example.org')"
        ),
        f"  Hint: set {W}.autoStart: true, or remove the route",
    ]


def test_a_privileged_port_of_an_oci_route_names_the_apps_allow_key() -> None:
    assert apps_lines((f"{W}.routes[0].port", 80)) == [
        f"{W}.routes[0].port: is a privileged port (< 1024); services listen on 1024 or above (got: 80)",
        f"  Hint: use e.g. 8080, or set {W}.allowPrivilegedPorts: true",
    ]


def test_an_oci_route_points_at_its_app_in_its_zone() -> None:
    (o,) = resolved(apps).oci_containers
    assert o.routes == (
        PublicRoute("whoami.example.org", "http", 8080, "whoami", "10.80.0.10", "example.org", f"{W}.routes[0]", "oci"),
    )


@pytest.mark.parametrize("shared", [True, False])
def test_an_oci_apps_shared_user_is_handed_to_the_render(shared: bool) -> None:
    (o,) = resolved(apps, (f"{W}.user.shared", shared)).oci_containers
    assert o.shared_user is shared


def test_an_oci_app_without_a_user_has_no_shared_user() -> None:
    (o,) = resolved(apps, (f"{W}.user", DELETE)).oci_containers
    assert o.shared_user is False and o.user is None


# -- addresses (addresses.allocate) -----------------------------------------------------------


def test_names_that_hash_to_one_slot_probe_on_to_free_ones() -> None:
    """A /28 has six usable slots (the first and last hold the network and broadcast
    addresses). c0 and c2 hash to slot 4, c4 and c5 to slot 5: the later name of each
    pair probes on, and the six names fill the six slots."""
    out = allocate([f"c{i}" for i in range(6)], IPv4Network("10.0.0.0/28"), set())
    assert out == {
        "c0": ("10.0.0.8", "10.0.0.9"),
        "c1": ("10.0.0.12", "10.0.0.13"),
        "c2": ("10.0.0.10", "10.0.0.11"),
        "c3": ("10.0.0.6", "10.0.0.7"),
        "c4": ("10.0.0.2", "10.0.0.3"),
        "c5": ("10.0.0.4", "10.0.0.5"),
    }


# -- state directories and mounts (checks/mounts.py) ------------------------------------------


def test_a_state_dir_in_tmp_is_refused_after_a_container_without_one() -> None:
    """runner1 has no state directory; vpn, after it, is still checked."""
    assert lines_of(multiservice_site, put((f"{VPN}.stateDir", "/tmp/vpn"))) == [
        (
            f"{VPN}.stateDir: is in /tmp, where every user of the host may plant files before nixedge writes "
            "(got: '/tmp/vpn')"
        ),
        "  Hint: use a directory of its own such as /var/lib/<app>",
    ]


def test_a_mount_over_two_state_dirs_names_them_in_the_order_of_their_containers() -> None:
    mutation = put(
        (f"{R2}.stateDir", "/srv/data/zz"),
        (f"{VPN}.stateDir", "/srv/data/aa"),
        (f"{R1}.bindMounts", [{"path": "/data", "hostPath": "/srv/data"}]),
    )
    assert lines_of(multiservice_site, mutation) == [
        f"{R1}.bindMounts[0].hostPath: reaches /srv/data/zz, the state directory of {R2} (got: '/srv/data')",
        f"{R1}.bindMounts[0].hostPath: reaches /srv/data/aa, the state directory of {VPN} (got: '/srv/data')",
    ]


# -- routes (checks/routes.py) ----------------------------------------------------------------


def test_a_protocol_the_app_does_not_serve_lists_those_it_serves() -> None:
    assert lines_of(seed_site, put((f"{F}.routes[1].protocol", "tcp"))) == [
        f"{F}.routes[1].protocol: is not served by app forgejo (it serves http, https, ssh) (got: 'tcp')"
    ]


def test_an_http_and_an_https_route_are_two_web_routes_of_one_hostname_setting() -> None:
    https = {"hostname": "x.ncaq.net", "protocol": "https", "port": 8443}
    assert lines_of(seed_site, put((f"{F}.routes[1]", https))) == [
        (
            f"{F}.routes[1]: app forgejo can serve only 1 http route(s); its settings follow one hostname "
            "(got: 'x.ncaq.net')"
        )
    ]


@pytest.mark.parametrize(
    ("zones", "hostname", "zone"),
    [
        (["ncaq.net", "forgejo.ncaq.net"], "a.forgejo.ncaq.net", "forgejo.ncaq.net"),
        (["ncaq.net", "a.ncaq.net"], "www.a.ncaq.net", "a.ncaq.net"),
    ],
)
def test_a_route_is_in_the_longest_zone_that_holds_it(zones: list[str], hostname: str, zone: str) -> None:
    site = resolved(seed_site, ("tunnel.zones", [{"name": z} for z in zones]), (f"{F}.routes[0].hostname", hostname))
    assert {r.hostname: r.zone for r in site.routes}[hostname] == zone


# -- the presets' derived services (presets/, resolve._Resolver.service) ----------------------


def test_atticds_database_url_follows_postgresql_and_cannot_be_set() -> None:
    assert lines_of(seed_site, put((f"{A}.settings", {"database": {"url": "postgresql://x"}}))) == [
        f"{A}.settings.database.url: is derived from {A}.postgresql; change it there instead (got: 'postgresql://x')"
    ]


def test_atticd_under_its_own_user_runs_as_that_user_and_group() -> None:
    site = resolved(seed_site, (f"{A}.user", {"name": "cache", "uid": 993, "gid": 988}))
    service = site.container("atticd").service
    assert (service["user"], service["group"]) == ("cache", "cache")
    site = resolved(seed_site, (f"{A}.user", {"name": "cache", "uid": 993, "gid": 988, "group": "nixcache"}))
    service = site.container("atticd").service
    assert (service["user"], service["group"]) == ("cache", "nixcache")


def test_atticd_with_nothing_to_derive_gets_no_settings() -> None:
    site = resolved(seed_site, (f"{A}.routes", []), (f"{A}.postgresql", DELETE), (f"{A}.stateDir", DELETE))
    assert site.container("atticd").service == {"enable": True, "environmentFile": "/etc/atticd.env"}


def test_the_postgresql_server_creates_a_database_and_an_owner_per_client() -> None:
    site = resolved(multiservice_site, (f"{PG}.settings", {"port": 5433}))
    assert site.container("postgres").service == {
        "enable": True,
        "settings": {"port": 5433},
        "ensureDatabases": ["forgejo"],
        "ensureUsers": [{"name": "forgejo", "ensureDBOwnership": True}],
    }


def test_forgejo_under_its_own_user_and_state_dir() -> None:
    user = {"name": "git", "uid": 991, "gid": 986, "group": "gitea"}
    site = resolved(multiservice_site, (f"{FJ}.user", user), (f"{FJ}.stateDir", "/srv/forgejo"))
    service = site.container("forgejo").service
    assert (service["user"], service["group"], service["stateDir"]) == ("git", "gitea", "/srv/forgejo")
    assert service["database"] == {
        "type": "postgres",
        "createDatabase": False,
        "socket": "/run/postgresql",
        "name": "git",
        "user": "git",
    }


def test_forgejo_behind_an_https_route_speaks_https() -> None:
    site = resolved(multiservice_site, (f"{FJ}.routes[0].protocol", "https"))
    assert site.container("forgejo").service["settings"] == {
        "server": {
            "HTTP_PORT": 8080,
            "DOMAIN": "git.example.org",
            "ROOT_URL": "https://git.example.org/",
            "PROTOCOL": "https",
        },
        "session": {"COOKIE_SECURE": True},
    }


def test_forgejo_with_only_an_ssh_route_sets_no_web_session() -> None:
    ssh = {"hostname": "git.example.org", "port": 2222, "protocol": "ssh"}
    site = resolved(multiservice_site, (f"{FJ}.routes[0]", ssh))
    assert site.container("forgejo").service["settings"] == {
        "server": {"SSH_PORT": 2222, "SSH_DOMAIN": "git.example.org", "START_SSH_SERVER": True}
    }


@pytest.mark.parametrize("protocol", ["http+unix", "fcgi+unix"])
def test_forgejo_on_a_unix_socket_in_nixos_is_a_dead_web_route(protocol: str) -> None:
    nixos = {"services": {"forgejo": {"settings": {"server": {"PROTOCOL": protocol}}}}}
    assert lines_of(multiservice_site, put((f"{FJ}.nixos", nixos))) == [
        (
            f"{FJ}.nixos.services.forgejo.settings.server.PROTOCOL: makes Forgejo listen on a Unix socket, not on "
            f"a port: {FJ}.routes[0] would be dead (got: '{protocol}')"
        )
    ]


def test_the_public_url_of_each_protocol() -> None:
    assert public_url("http", "a.example.org") == "https://a.example.org/"
    assert public_url("https", "a.example.org") == "https://a.example.org/"
    assert public_url("ssh", "a.example.org") == "ssh://a.example.org"
    assert public_url("tcp", "a.example.org") == "tcp://a.example.org"


# -- the resolved site (resolve._Resolver) ----------------------------------------------------


def test_the_resolved_site_keeps_the_hosts_former_name() -> None:
    assert resolved(seed_site, ("host.renamedFrom", "old")).renamed_from == "old"
    assert resolved(seed_site).renamed_from is None


def test_a_container_with_a_ports_firewall_opens_its_routes_and_listed_ports() -> None:
    site = resolved(seed_site, (f"{F}.firewall", {"mode": "ports", "allowedTcpPorts": [9000], "allowedUdpPorts": [53]}))
    forgejo = site.container("forgejo")
    assert (forgejo.firewall_tcp, forgejo.firewall_udp) == ((2222, 8080, 9000), (53,))
    assert site.container("atticd").firewall_tcp is None


def test_a_secret_inside_a_list_in_nixos_becomes_its_path() -> None:
    site = resolved(
        seed_site,
        ("secrets", {"tok": {"provider": "agenix", "path": "/run/agenix/tok"}}),
        (f"{A}.secrets", ["tok"]),
        (f"{A}.nixos", {"a": [1, {"_secret": "tok"}, "x"]}),
    )
    assert site.container("atticd").nixos == {"a": [1, "/run/agenix/tok", "x"]}


# -- the host's activation (checks/host.py) ---------------------------------------------------


@pytest.mark.parametrize(
    ("activation", "command"),
    [
        ({}, ("nixos-rebuild", "switch")),
        ({"mode": "test"}, ("nixos-rebuild", "test")),
        ({"mode": "boot"}, ("nixos-rebuild", "boot")),
        ({"mode": "none"}, ()),
        ({"mode": "none", "command": ["systemctl", "restart", "x"]}, ("systemctl", "restart", "x")),
    ],
)
def test_the_activation_command_of_each_mode(activation: dict[str, Any], command: tuple[str, ...]) -> None:
    site = resolved(seed_site, ("host.activation", activation))
    assert site.activation_command == command
    assert site.rollback_command == command


# -- value rules at their boundaries (oci._image, types._unit) --------------------------------

IMAGE_REFUSED = (
    f"{W}.image: must be an image reference: [registry/]repository[:tag][@sha256:digest], the repository in "
    "lowercase, e.g. 'docker.io/traefik/whoami:v1.10.3' (got: '"
)


def _image(length: int) -> str:
    ref = "docker.io/library/" + "a" * (length - len("docker.io/library/:1")) + ":1"
    assert len(ref) == length
    return ref


@pytest.mark.parametrize("length", [254, 255])
def test_an_image_reference_of_up_to_255_characters_passes(length: int) -> None:
    (o,) = resolved(apps, (f"{W}.image", _image(length))).oci_containers
    assert o.image == _image(length)


def test_an_image_reference_of_256_characters_is_refused() -> None:
    (line,) = apps_lines((f"{W}.image", _image(256)))
    assert line.startswith(IMAGE_REFUSED), line


@pytest.mark.parametrize("unit", ["getty@.service", "sys.fs@.mount"])
def test_a_template_unit_without_an_instance_is_refused_whatever_dots_it_holds(unit: str) -> None:
    assert lines_of(seed_site, put((f"{A}.after", [unit]))) == [
        (
            f"{A}.after[0]: is a template unit without one instance: a container can start after "
            f"'getty@tty1.service', never after 'getty@.service', which systemd cannot start (got: '{unit}')"
        )
    ]


# -- small helpers the checks share -----------------------------------------------------------


def test_a_quoted_key_is_one_part_of_a_key_path() -> None:
    assert parts_of("containers['a.b'].routes[0]") == ("containers", "a.b", "routes", 0)
    assert parts_of('secrets["x"]') == ("secrets", "x")


@pytest.mark.parametrize(
    ("value", "is_literal"),
    [("a", True), ("", False), (5, True), (0, True), (1.5, True), (True, False), (False, False), (None, False)],
)
def test_a_literal_is_a_non_empty_string_or_a_number_not_a_boolean(value: object, is_literal: bool) -> None:
    assert literal(value) is is_literal


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            {"type": "string_type", "input": True},
            'must be text: write "true" in quotes (YAML reads it as true or false)',
        ),
        (
            {"type": "string_type", "input": False},
            'must be text: write "false" in quotes (YAML reads it as true or false)',
        ),
        ({"type": "string_pattern_mismatch", "input": "x"}, "does not have the form this key needs (the pattern )"),
    ],
)
def test_pydantic_errors_without_their_context_read_as_plain_words(error: dict[str, Any], message: str) -> None:
    assert plain({**error, "msg": "", "loc": ("containers", "app", "app")}) == message  # type: ignore[typeddict-item]


SECRET_LOC = ("containers", "a", "settings", "token")


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ({"type": "int_parsing", "msg": "Input should be a valid integer", "input": "12"}, "must be a whole number"),
        ({"type": "value_error", "msg": "Value error, hunter2 is bad", "input": "hunter2"},
         "has a value this key does not take"),
    ],
)  # fmt: skip
def test_an_error_at_a_secret_key_never_repeats_its_value(error: dict[str, Any], message: str) -> None:
    assert plain({**error, "loc": SECRET_LOC}) == message  # type: ignore[typeddict-item]


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ({"type": "int_parsing", "msg": "Input should be a valid integer", "input": "12"},
         "must be a number, not text in quotes: write 12 without quotes"),
        ({"type": "literal_error", "msg": "", "input": "B", "ctx": {"expected": "'a' or 'b'"}},
         "must be 'a' or 'b'; did you mean b?"),
        ({"type": "literal_error", "msg": "Input should be 'a' or 'b'", "input": "c"}, "must be "),
    ],
)  # fmt: skip
def test_pydantic_errors_at_a_plain_key_read_as_plain_words(error: dict[str, Any], message: str) -> None:
    assert plain({**error, "loc": ("containers", "a", "settings", "port")}) == message  # type: ignore[typeddict-item]


def test_an_unknown_key_where_no_key_is_known_is_said_plainly() -> None:
    assert unknown_key(("containers", "atticd", "settings", "zz")) == "is not a known key"


# -- targets (targets.py) ---------------------------------------------------------------------


def test_the_project_directory_holds_relative_targets_not_absolute_ones() -> None:
    here = target_identity({"transport": "local", "path": "."})
    modules = target_identity({"transport": "local", "path": "modules"})
    absolute = target_identity({"transport": "local", "path": "/srv/modules"})
    assert overlap(modules, here) == "inside" and overlap(here, modules) == "holds"
    assert overlap(absolute, here) is None and overlap(here, absolute) is None


def test_a_bracketed_host_ends_at_its_first_closing_bracket() -> None:
    assert str(target_identity({"transport": "ssh", "destination": "ssh://root@[::1]:2222"})) == (
        "ssh://[::1]:2222/etc/nixos/nixedge"
    )
    # `]]:2222` is no port: the default one, and the host read up to its first `]`
    assert str(target_identity({"transport": "ssh", "destination": "ssh://[::1]]:2222"})) == (
        "ssh://[::1]:22/etc/nixos/nixedge"
    )


# -- the registry's facts (workloads.py) ------------------------------------------------------


def test_an_oci_apps_volumes_and_an_origins_routes_are_facts() -> None:
    data = apps()
    set_key(data, f"{W}.volumes", [{"path": "/data", "hostPath": "/srv/whoami", "readOnly": False}, {"path": "/cache"}])
    set_key(data, "origins", {
        "grafana": {"kind": "host", "address": "127.0.0.1",
                    "routes": [{"hostname": "g.example.org", "port": 3000},
                               {"hostname": "h.example.org", "port": 3001}]},
    })  # fmt: skip
    facts = {w.name: w for w in workloads(Site.model_validate(data))}
    assert [(p.key, p.path, p.writable) for p in facts["whoami"].host_paths[:2]] == [
        (f"{W}.volumes[0].hostPath", "/srv/whoami", True),
        (f"{W}.volumes[1].path", "/cache", False),
    ]
    assert facts["grafana"].listens == (
        ("origins.grafana.routes[0].port", 3000),
        ("origins.grafana.routes[1].port", 3001),
    )


def test_an_oci_app_without_a_user_is_uid_and_gid_0_and_not_given() -> None:
    assert root_identity("ociContainers.x.user") == Identity(
        "ociContainers.x.user", "root", "root", 0, 0, shared=False, group_given=False, given=False
    )


# -- a site of several hosts (hosts.py) and the module files (modules.py) ---------------------


def _seminar() -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(read_stack_file(REPO / "stacks" / "Pulumi.seminar.yaml"))
    data["tunnel"]["accountId"] = "a1" * 16
    data["tunnel"]["zones"][0]["zoneId"] = "c3" * 16
    return data


def _two_hosts() -> dict[str, Any]:
    storage = _seminar()
    storage["host"] = {"target": {"transport": "ssh", "destination": "root@storage"}}
    storage["tunnel"]["name"] = "storage"
    storage["containers"] = {"files": copy.deepcopy(storage["containers"]["forgejo"])}
    storage["containers"]["files"]["routes"] = [{"hostname": "files.ncaq.net", "port": 8080}]
    storage["containers"]["files"].pop("wrapper", None)
    return {"hosts": {"seminar": _seminar(), "storage": storage}}


def test_what_refuses_publishing_a_host_of_a_site_names_that_host() -> None:
    data = _two_hosts()
    data["hosts"]["storage"]["tunnel"]["accountId"] = "<your-account-id>"
    seminar, storage = hosts_from_data(data, "site.yaml").hosts
    assert seminar.tunnel is not None and seminar.tunnel.publish_issues == ()
    assert storage.tunnel is not None
    assert [str(i) for i in storage.tunnel.publish_issues] == [
        str(
            Issue(
                "hosts.storage.tunnel.accountId",
                "must hold your Cloudflare account id, not a placeholder",
                "<your-account-id>",
                "the dashboard shows it on every zone's Overview page; leave accountId out to publish nothing",
            )
        )
    ]


def test_a_key_beside_hosts_is_an_issue_without_a_value() -> None:
    data = _two_hosts()
    data["tunnel"] = {"name": "x"}
    with pytest.raises(ConfigError) as info:
        hosts_from_data(data, "site.yaml")
    assert info.value.issues == [
        Issue("tunnel", "is not a known key beside hosts", has_value=False, hint="move it under hosts.<name>")
    ]


def test_errors_of_the_one_host_shape_name_the_source() -> None:
    with pytest.raises(ConfigError) as info:
        hosts_from_data({"network": 1}, "one.yaml")
    assert str(info.value).splitlines()[0] == "3 errors in one.yaml:"
    with pytest.raises(ConfigError) as info:
        hosts_from_data({"network": 1})
    assert str(info.value).splitlines()[0] == "3 errors in stack config:"


def test_the_one_host_shape_reads_the_module_files_it_is_given() -> None:
    data = _seminar()
    data["containers"]["forgejo"]["imports"] = ["flake:x.y", "modules/a.nix"]
    hosts = hosts_from_data(copy.deepcopy(data), "one.yaml", {"modules/a.nix": "{ ... }: { }"})
    assert hosts.hosts[0].module_files == (("modules/a.nix", "{ ... }: { }"),)
    with pytest.raises(ConfigError) as info:
        hosts_from_data(data, "one.yaml")
    assert [i.loc for i in info.value.issues] == ["containers.forgejo.imports[1]"]


def test_a_module_after_a_flake_import_is_read_too() -> None:
    imports = ["flake:x.y", "modules/a.nix", "flake:z.w", "modules/b.nix"]
    assert lines_of(seed_site, put((f"{F}.imports", imports))) == [
        f"{F}.imports[1]: cannot be read from the project: No such file or directory (got: 'modules/a.nix')",
        f"{F}.imports[3]: cannot be read from the project: No such file or directory (got: 'modules/b.nix')",
    ]


# -- DNS records (checks/dns._content_problem) ------------------------------------------------


@pytest.mark.parametrize("content", ["a..example.net", ".example.net", "a b.example.net"])
def test_a_cname_to_no_host_name_is_refused(content: str) -> None:
    record = {"name": "www.example.org", "type": "CNAME", "content": content}
    assert lines_of(multiservice_site, put((REC, record))) == [
        f"{REC}.content: must be a host name for a record of type CNAME (got: '{content}')"
    ]


@pytest.mark.parametrize("content", ["target.example.net", "target.example.net."])
def test_a_cname_to_a_host_name_passes_with_or_without_the_final_dot(content: str) -> None:
    record = {"name": "www.example.org", "type": "CNAME", "content": content}
    (published,) = resolved(multiservice_site, (REC, record)).tunnel.dns_records
    assert (published.type, published.content, published.zone) == ("CNAME", content, "example.org")


@pytest.mark.parametrize(
    ("name", "content"), [("www.example.org", "WWW.example.org."), ("www.example.xxx", "WWW.EXAMPLE.XXX")]
)
def test_a_cname_to_its_own_name_is_refused_whatever_its_case_and_final_dot(name: str, content: str) -> None:
    record = {"name": name, "type": "CNAME", "content": content}
    assert lines_of(multiservice_site, put(("tunnel.zones[1]", {"name": "example.xxx"}), (REC, record))) == [
        (f"{REC}.content: points {name} at itself: a resolver following it never gets an address (got: '{content}')")
    ]


def test_a_txt_record_may_hold_its_own_name() -> None:
    record = {"name": "www.example.org", "type": "TXT", "content": "www.example.org"}
    (published,) = resolved(multiservice_site, (REC, record)).tunnel.dns_records
    assert (published.type, published.content) == ("TXT", "www.example.org")


# -- the container's firewall (checks/isolation.firewall) -------------------------------------


def test_a_ports_firewall_opens_each_forwarded_port_for_its_own_protocol() -> None:
    """vpn forwards udp 51820, and tcp 2222 to its port 22: the firewall opens the port
    inside the container, for that protocol only."""
    site = resolved(
        multiservice_site,
        (f"{VPN}.firewall", {"mode": "ports"}),
        (f"{VPN}.forwardPorts[1]", {"hostPort": 2222, "containerPort": 22}),
    )
    vpn = site.container("vpn")
    assert (vpn.firewall_tcp, vpn.firewall_udp) == ((22,), (51820,))


# -- privateUsers ranges (checks/isolation.user_ranges) ---------------------------------------


def test_two_adjacent_private_user_ranges_do_not_overlap() -> None:
    site = resolved(multiservice_site, (f"{R1}.privateUsers", 65536), (f"{R2}.privateUsers", 131072))
    assert [c.isolation.private_users for c in site.containers if c.name.startswith("runner")] == [65536, 131072]


def test_a_range_past_the_last_uid_is_refused_once_and_overlaps_nothing() -> None:
    """runner1's range would end past uid_t's last value: that is its one error; runner2's
    range, just below, is not said to overlap a range that cannot exist."""
    assert lines_of(multiservice_site, put((f"{R1}.privateUsers", 4294901760), (f"{R2}.privateUsers", 4294901759))) == [
        (
            f"{R1}.privateUsers: leaves no room for 65536 ids below 4294967295 (uid_t is 32 bits, its last value "
            "is invalid) (got: 4294901760)"
        ),
        "  Hint: use pick, or a multiple of 65536 such as 524288",
    ]


# -- users (checks/identities.users) ----------------------------------------------------------


def test_a_uid_taken_twice_is_refused_after_an_oci_app_without_a_user() -> None:
    """whoami runs as root (no user): the apps after it are still checked."""
    web = {**WEB, "user": {"name": "web", "uid": 2001, "gid": 2102}}
    assert apps_lines((f"{W}.user", DELETE), ("ociContainers.web", web)) == [
        (
            "ociContainers.web.user.uid: is already used by containers.uptime.user.uid; each container needs its "
            "own uid (got: 2001)"
        )
    ]


def test_a_uid_taken_twice_is_refused_after_a_shared_user_that_differs() -> None:
    """runner2's gid differs from runner1's, whose user it shares: that is said, and vpn,
    after them, is still checked."""
    assert lines_of(multiservice_site, put((f"{R2}.user.gid", 3001), (f"{VPN}.user.uid", 991))) == [
        (
            f"{R2}.user.gid: differs from {R1}.user.gid (3000), which shares user runner; a shared user has the "
            "same uid, gid and group in every container (got: 3001)"
        ),
        f"{VPN}.user.uid: is already used by {FJ}.user.uid; each container needs its own uid (got: 991)",
    ]


@pytest.mark.parametrize(("kind", "value"), [("uid", 65536), ("gid", 131071), ("uid", 100000)])
def test_an_id_from_the_first_to_the_last_of_a_range_is_inside_it(kind: str, value: int) -> None:
    assert lines_of(multiservice_site, put((f"{R1}.privateUsers", 65536), (f"{VPN}.user.{kind}", value))) == [
        (
            f"{VPN}.user.{kind}: is inside the id range of {R1}.privateUsers: a user of that container would own "
            f"its files (got: {value})"
        ),
        "  Hint: pick a free system id below 1000, such as 991",
    ]


def test_an_id_just_past_a_range_is_outside_it() -> None:
    site = resolved(multiservice_site, (f"{R1}.privateUsers", 65536), (f"{VPN}.user.uid", 131072))
    assert site.container("vpn").user.uid == 131072


def test_a_uid_taken_by_two_users_that_differ_gets_no_hint_to_share_it() -> None:
    """The hint to set user.shared is for two identical users only."""
    data = multiservice_site()
    set_key(data, f"{VPN}.user.uid", 991)
    with pytest.raises(ConfigError) as info:
        site_from_data(data, "site.yaml")
    assert info.value.issues == [
        Issue(f"{VPN}.user.uid", f"is already used by {FJ}.user.uid; each container needs its own uid", 991)
    ]
