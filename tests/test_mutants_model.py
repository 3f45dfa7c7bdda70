"""Tests written for the survivors of the mutation run over the whole model (docs/testing.md,
"Mutation testing"): the messages a stack file gets for each kind of pydantic error, the
boundaries of a few value rules, and what the site reader hands over. tests/test_mutants.py
holds those of the first run (the tables' modules).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.model import site_from_data
from components.model.modules import module_refs
from components.model.releases import cloudflared_token_file_option, postgresql_unit
from components.model.validation import plain
from tests.model_cases import SEED, A, err, seed_lines
from tests.model_cases import apps_site as apps
from tests.site_mutations import DELETE, put, report_lines, seed_site, set_key

# -- pydantic's errors in plain words (validation.plain) --------------------------------------

QUOTED = "must be true or false, not text in quotes: write"


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ({"type": "bool_parsing", "msg": "", "input": "TRUE"}, f"{QUOTED} true without quotes"),
        ({"type": "bool_type", "msg": "", "input": "False"}, f"{QUOTED} false without quotes"),
        ({"type": "bool_parsing", "msg": "", "input": "yes"}, "must be true or false"),
        ({"type": "too_short", "msg": "", "input": [], "ctx": {"min_length": 1}}, "must have at least 1 entry"),
        ({"type": "too_short", "msg": "", "input": [], "ctx": {"min_length": 2}}, "must have at least 2 entries"),
        ({"type": "too_long", "msg": "", "input": [1, 2, 3], "ctx": {"max_length": 2}}, "must have at most 2 entries"),
        ({"type": "too_long", "msg": "", "input": [1, 2], "ctx": {"max_length": 1}}, "must have at most 1 entry"),
        ({"type": "string_pattern_mismatch", "msg": "", "input": "x", "ctx": {"pattern": "^z$"}},
         "does not have the form this key needs (the pattern ^z$)"),
        ({"type": "value_error", "msg": "Value error, must be one of a, b", "input": "c"}, "must be one of a, b"),
        ({"type": "assertion_error", "msg": "Assertion failed, must be below 3", "input": 4}, "must be below 3"),
        ({"type": "greater_than", "msg": "Input should be greater than 0", "input": 0}, "must be greater than 0"),
        ({"type": "string_too_long", "msg": "String should have at most 64 characters", "input": "x"},
         "must have at most 64 characters"),
        ({"type": "x", "msg": "Value should have at most 2 items", "input": "x"}, "must have at most 2 items"),
        ({"type": "x", "msg": "List should have at most 2 items", "input": "x"}, "must have at most 2 items"),
        ({"type": "x", "msg": "Dictionary should have at most 2 items", "input": "x"}, "must have at most 2 items"),
        ({"type": "x", "msg": "Something else entirely", "input": "x"}, "Something else entirely"),
    ],
)  # fmt: skip
def test_pydantic_errors_read_as_plain_words(error: dict[str, Any], message: str) -> None:
    assert plain({**error, "loc": ("containers", "app", "autoStart")}) == message  # type: ignore[typeddict-item]


def test_a_boolean_written_as_text_says_to_drop_the_quotes() -> None:
    assert seed_lines(put((f"{A}.autoStart", "FALSE"))) == err(
        f"{A}.autoStart", "must be true or false, not text in quotes: write false without quotes", "FALSE"
    )


# -- keys in the wrong place (validation.issues, _loc) ----------------------------------------

DEDENTED = (
    "containers.nixos: is a key of a container (`nixos:`), indented one level too little: it reads as a "
    "container named nixos"
)
DEDENT_HINT = "  Hint: indent `nixos:` and everything under it two more spaces, under its container"


@pytest.mark.parametrize("value", [[80], {"x": 1, "y": 2}], ids=["not-a-mapping", "two-errors-inside"])
def test_a_container_key_indented_too_little_is_said_once(value: Any) -> None:
    assert seed_lines(put(("containers.nixos", value))) == [DEDENTED, DEDENT_HINT]


def test_a_target_that_is_not_a_mapping_names_host_target() -> None:
    assert seed_lines(put(("host.target", 5))) == err("host.target", "must be a mapping (key: value lines)", 5)


def test_an_unknown_key_near_no_known_one_is_reported_beside_the_others() -> None:
    lines = seed_lines(put((f"{A}.zzzqqq", 1), (f"{A}.autoStart", "x")))
    assert lines[0] == f"{A}.autoStart: must be true or false (got: 'x')"
    assert lines[1].startswith(f"{A}.zzzqqq: is not a known key (known here: additionalCapabilities, after,")
    assert len(lines) == 2


# -- value rules at their boundaries (types.py) -----------------------------------------------


@pytest.mark.parametrize("size", ["100%", "1%", "99%"])
def test_a_memory_share_up_to_100_percent_passes(size: str) -> None:
    data = seed_site()
    set_key(data, f"{A}.resources", {"memoryMax": size})
    assert site_from_data(data, SEED).container("atticd").name == "atticd"


@pytest.mark.parametrize("ref", ["a//b.nix", "./a.nix", "a/./b.nix", "a/../b.nix", "/a.nix", "a.txt"])
def test_a_module_path_with_an_empty_or_dot_part_is_refused(ref: str) -> None:
    assert seed_lines(put((f"{A}.imports", [ref]))) == err(
        f"{A}.imports[0]",
        "must be a relative path to a .nix file inside the project, without '..', e.g. 'modules/runner.nix'",
        ref,
    )


# -- the files a reader hands over (modules.module_refs) --------------------------------------


def test_the_module_files_of_every_host_and_container_are_handed_over_and_no_others() -> None:
    containers = {
        "a": {"imports": ["modules/a.nix", "flake:x.y", "/etc/evil.nix", "../up.nix", "m/../n.nix", 3]},
        "b": {"imports": ["modules/b.nix", "..x/ok.nix"]},
        "c": {"imports": "modules/c.nix"},
        "d": "not a container",
    }
    assert module_refs({"containers": containers}) == {"modules/a.nix", "modules/b.nix", "..x/ok.nix"}
    site = {"hosts": {"one": {"containers": containers}, "two": {"containers": {"e": {"imports": ["e.nix"]}}}}}
    assert module_refs(site) == {"modules/a.nix", "modules/b.nix", "..x/ok.nix", "e.nix"}
    assert module_refs({"containers": ["a"]}) == set() and module_refs("text") == set()


# -- releases at their first release (releases._at_least) -------------------------------------


def test_a_feature_starts_at_its_first_release_not_after() -> None:
    assert postgresql_unit("25.05") == "postgresql.service"
    assert postgresql_unit("25.11") == "postgresql.target"
    assert not cloudflared_token_file_option("26.05")
    assert cloudflared_token_file_option("26.11")


# -- OCI apps' addresses on the Podman network (checks/oci.addresses) -------------------------

W = "ociContainers.whoami"
WEB: dict[str, Any] = {"image": "docker.io/library/nginx:1.27", "user": {"name": "web", "uid": 2102, "gid": 2102}}
CACHE: dict[str, Any] = {**WEB, "user": {"name": "cache", "uid": 2103, "gid": 2103}}


def apps_lines(*pairs: tuple[str, Any]) -> list[str]:
    return report_lines(apps, put(*pairs), "apps.yaml")


@pytest.mark.parametrize("address", ["10.80.0.0", "10.80.0.255"])
def test_an_oci_app_on_the_network_or_broadcast_address_is_refused(address: str) -> None:
    assert apps_lines((f"{W}.address", address)) == [
        f"{W}.address: is the network or broadcast address of network.podman.subnet 10.80.0.0/24 (got: '{address}')"
    ]


def test_oci_apps_without_an_address_are_refused_once_the_subnet_is_full() -> None:
    """A /30 holds the gateway and one app: the others get none."""
    assert apps_lines(
        ("network.podman.subnet", "10.80.0.0/30"), (f"{W}.address", DELETE), ("ociContainers.web", WEB),
        ("ociContainers.cache", CACHE),
    ) == [
        "ociContainers.web: needs an address but network.podman.subnet is full",
        f"{W}: needs an address but network.podman.subnet is full",
    ]  # fmt: skip


def test_three_oci_apps_without_an_address_fit_a_slash_29() -> None:
    data = apps()
    set_key(data, "network.podman.subnet", "10.80.0.0/29")
    del data["ociContainers"]["whoami"]["address"]
    data["ociContainers"] |= {"web": copy.deepcopy(WEB), "cache": copy.deepcopy(CACHE)}
    addresses = {o.name: o.address for o in site_from_data(data, "apps.yaml").oci_containers}
    assert addresses == {"cache": "10.80.0.2", "whoami": "10.80.0.3", "web": "10.80.0.4"}


def test_an_unsupported_release_lists_the_supported_ones() -> None:
    assert apps_lines(("host.nixosRelease", "23.05")) == [
        (
            "host.nixosRelease: must be a NixOS release nixedge supports: 25.05, 25.11, 26.05, 26.11 (as a string) "
            "(got: '23.05')"
        )
    ]
