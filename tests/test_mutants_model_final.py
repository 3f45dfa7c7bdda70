"""Tests written for the survivors of the final sample of the model's mutants (docs/testing.md,
"Mutation testing"). Each asserts what a stack file's author or the model's caller relies on:
the exact messages of the field types, their boundaries, and how keys and paths are read.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from components.model import site_from_data
from components.model.hosts import hosts_from_data
from components.model.keys import dotted
from components.model.load import _sorted_keys
from components.model.secret_keys import _assigns_secret, secret_at
from components.model.targets import normal_path
from components.model.types import AbsPath, Capability, ContainerName, CpuQuota, MemorySize, NixData
from tests.model_cases import FJ, PG, multiservice_site
from tests.site_mutations import put, report_lines, seed_site


def _message(adapter: TypeAdapter[Any], value: Any) -> str:
    with pytest.raises(ValidationError) as info:
        adapter.validate_python(value)
    (error,) = info.value.errors()
    return str(error["msg"])


# -- field types: messages and boundaries (types.py) ---------------------------------------


def test_a_container_named_localhost_is_refused_as_reserved() -> None:
    """Kills types._container_name #3."""
    assert _message(TypeAdapter(ContainerName), "localhost") == (
        "Value error, is reserved: `localhost` always means the machine itself; name it after its service"
    )


def test_an_absolute_path_of_4095_bytes_is_the_longest_accepted() -> None:
    """Linux's PATH_MAX counts 4095 bytes and the terminating NUL: 4095 is allowed, 4096 not.

    Kills types._abs_path #17."""
    longest = ("/" + "a" * 254) * 16 + "/" + "b" * (4095 - 255 * 16 - 1)
    assert len(longest) == 4095
    assert TypeAdapter(AbsPath).validate_python(longest) == longest
    assert _message(TypeAdapter(AbsPath), longest + "b") == (
        "Value error, is too long: Linux takes at most 255 bytes per name and 4095 in all"
    )


@pytest.mark.parametrize("value", [2.2250738585072014e-308, -2.2250738585072014e-308, 0.5, 1e-300, 0.0])
def test_the_smallest_normal_float_and_any_larger_one_are_nix_values(value: float) -> None:
    """Only subnormal floats are refused; the smallest normal one is fine.

    Kills types._nix_data #33, #34."""
    assert TypeAdapter(NixData).validate_python({"x": value}) == {"x": value}


def test_a_subnormal_float_is_too_close_to_zero_for_nix() -> None:
    message = _message(TypeAdapter(NixData), {"x": 1e-310})
    assert "is too close to 0 for Nix (no subnormal floats)" in message


def test_a_secret_reference_in_place_of_nixos_options_says_where_it_goes() -> None:
    """Kills types._nix_mapping #13, #16."""
    assert _message(TypeAdapter(NixData), {"_secret": "db"}) == (
        "Value error, must be a mapping of NixOS option names to values; {_secret: NAME} is the path of a "
        "secret and goes under an option, e.g. {services: {foo: {passwordFile: {_secret: NAME}}}}"
    )


def test_a_lowercase_capability_is_refused_with_the_expected_form() -> None:
    """Kills types._matching #5, #8 (when run fresh: import-time code)."""
    assert _message(TypeAdapter(Capability), "cap_net_admin") == (
        "Value error, must be a Linux capability name in capitals, e.g. 'CAP_NET_ADMIN'"
    )
    assert TypeAdapter(Capability).validate_python("CAP_NET_ADMIN") == "CAP_NET_ADMIN"


@pytest.mark.parametrize("value", ["2G", "100%", "infinity", "512"])
def test_a_memory_size_systemd_takes_is_accepted(value: str) -> None:
    """Kills types._matching #4 (when run fresh)."""
    assert TypeAdapter(MemorySize).validate_python(value) == value


@pytest.mark.parametrize(("adapter", "value"), [(MemorySize, "101%"), (CpuQuota, "0%")])
def test_a_value_of_the_right_form_but_out_of_range_is_refused(adapter: Any, value: str) -> None:
    """The pattern matches, the range check does not: both must hold.

    Kills types._matching #3 (when run fresh)."""
    assert _message(TypeAdapter(adapter), value).startswith("Value error, must be a systemd ")


# -- keys, paths and secrets -----------------------------------------------------------------


def test_a_dotted_path_skips_a_mappings_key_marker_and_goes_on() -> None:
    """Kills keys.dotted #8."""
    assert dotted(("containers", "[key]", "forgejo", "routes", 0)) == "containers.forgejo.routes[0]"


def test_enable_sorts_first_and_the_other_keys_alphabetically() -> None:
    """Kills load._sorted_keys #8."""
    assert list(_sorted_keys({"b": 1, "enable": True, "a": 2})) == ["enable", "a", "b"]


def test_two_leading_slashes_normalise_to_the_root() -> None:
    """POSIX keeps `//` as is; a target path of `//` is the root directory.

    Kills targets.normal_path #18."""
    assert normal_path("//") == "/"
    assert normal_path("//srv") == "//srv"


def test_a_setenv_flag_that_assigns_a_secret_is_seen() -> None:
    """Kills secret_keys._assigns_secret #9."""
    assert _assigns_secret("--setenv=API_TOKEN=x")
    assert not _assigns_secret("--setenv=LOG_LEVEL=debug")


def test_a_key_under_a_nested_secrets_mapping_names_a_secret_not_a_value() -> None:
    """Kills secret_keys.secret_at #10."""
    assert not secret_at("site.secrets.api_token")
    assert not secret_at("secrets.api_token")
    assert secret_at("containers.app.settings.api_token")


def test_an_idle_ssh_allowance_lists_every_ssh_port_of_the_host() -> None:
    """allowHostSsh without a grant of an SSH port names the ports it could grant, all of them.

    Kills host_access.ssh_grant_issues #41."""
    mutation = put(("host.target.port", 2222), ("containers.atticd.hostFirewall", {"allowHostSsh": True}))
    lines = report_lines(seed_site, mutation, "site.yaml")
    assert (
        "containers.atticd.hostFirewall.allowHostSsh: is set, but containers.atticd.hostFirewall.allowedTcpPorts "
        "grants no SSH port of the host (tcp 22, 2222) (got: True)"
    ) in lines


def test_an_environment_file_of_the_postgresql_app_is_refused_under_its_key() -> None:
    """Kills presets.postgresql.check #2."""
    lines = report_lines(multiservice_site, put((f"{PG}.environmentFile", "/etc/pg.env")), "site.yaml")
    assert lines[0].startswith(f"{PG}.environmentFile: is only used by app atticd")


def test_each_host_of_a_site_reads_the_modules_its_containers_import() -> None:
    """Kills hosts.hosts_from_data #66."""
    module = "{ ... }:\n{\n}\n"
    host = seed_site()
    host["containers"]["atticd"]["imports"] = ["modules/extra.nix"]
    hosts = hosts_from_data({"hosts": {"seminar": host}}, "site.yaml", {"modules/extra.nix": module})
    assert hosts.hosts[0].module_files == (("modules/extra.nix", module),)


def test_forgejo_with_an_ssh_route_before_its_web_route_keeps_both_servers() -> None:
    # presets.forgejo._server #15: the web route's keys were put over the SSH route's
    ssh = {"hostname": "ssh.example.org", "port": 2222, "protocol": "ssh"}
    web = {"hostname": "git.example.org", "port": 8080, "protocol": "http"}
    data = multiservice_site()
    put((f"{FJ}.routes", [ssh, web]))(data)
    site = site_from_data(data, "site.yaml")
    assert site.container("forgejo").service["settings"]["server"] == {
        "SSH_PORT": 2222,
        "SSH_DOMAIN": "ssh.example.org",
        "START_SSH_SERVER": True,
        "HTTP_PORT": 8080,
        "DOMAIN": "git.example.org",
        "ROOT_URL": "https://git.example.org/",
    }


def test_forgejo_without_an_ssh_route_still_checks_its_nixos_server_settings() -> None:
    # presets.forgejo._dead_routes #63: the settings' server section ended the check early
    nixos = {"services": {"forgejo": {"settings": {"server": {"PROTOCOL": "http+unix"}}}}}
    settings = {"server": {"LANDING_PAGE": "explore"}}
    mutation = put((f"{FJ}.settings", settings), (f"{FJ}.nixos", nixos))
    assert report_lines(multiservice_site, mutation, "site.yaml") == [
        (
            f"{FJ}.nixos.services.forgejo.settings.server.PROTOCOL: makes Forgejo listen on a Unix socket, not on "
            f"a port: {FJ}.routes[0] would be dead (got: 'http+unix')"
        )
    ]
