"""Tests written for the survivors of the mutation run (docs/testing.md, "Mutation
testing"): each kills mutants that the other fast tests let live, at the boundary or on
the second instance they missed. The survivors that no test can kill (the mutant
behaves as the code does) are listed there as equivalent, with the reason.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.model import site_from_data
from components.stackfile import read_stack_file
from tests.model_cases import HOMELAB, R1, R2, SEED, VPN, A, err, homelab_lines, multiservice_site, seed_lines
from tests.paths import REPO
from tests.site_mutations import put, report_lines, seed_site, set_key

# -- memoryHigh above memoryMax, by every suffix (checks/isolation.py `_bytes`) ---------------
ABOVE = "is above resources.memoryMax ({}); the throttle would never apply"


@pytest.mark.parametrize(
    ("high", "most"),
    [("2K", "1025"), ("1025", "1K"), ("2049K", "2M"), ("1025M", "1G"), ("1025G", "1T"), ("1T", "1023G")],
)
def test_memory_high_above_memory_max_is_refused(high: str, most: str) -> None:
    lines = seed_lines(put((f"{A}.resources", {"memoryHigh": high, "memoryMax": most})))
    assert lines == err(f"{A}.resources.memoryHigh", ABOVE.format(most), high)


@pytest.mark.parametrize(
    ("high", "most"),
    [("1000", "1K"), ("1K", "1025"), ("1M", "1025K"), ("1G", "1025M"), ("1T", "1025G"), ("1T", "1024G"),
     ("infinity", "1G"), ("1G", "infinity"), ("50%", "1G")],
)  # fmt: skip
def test_memory_high_at_or_below_memory_max_passes(high: str, most: str) -> None:
    data = seed_site()
    set_key(data, f"{A}.resources", {"memoryHigh": high, "memoryMax": most})
    assert site_from_data(data, SEED).container("atticd").name == "atticd"


# -- start order: a loop that does not pass through the first container (order.py `_cycle`) ---


def test_a_loop_behind_a_container_is_found_once_and_the_search_ends() -> None:
    """runner1 waits on a loop it is not part of: the search from runner1 must not walk
    the loop runner2 -> vpn -> runner2 for ever; the loop is reported once, at runner2."""
    lines = homelab_lines(
        put(
            (f"{R1}.after", ["container@runner2.service"]),
            (f"{R2}.after", ["container@vpn.service"]),
            (f"{VPN}.after", ["container@runner2.service"]),
        )
    )
    assert lines == [
        (
            f"{R2}.after[0]: is part of a start-order loop ({R2} -> {VPN} -> {R2}); systemd breaks it by "
            "dropping a job (got: 'container@vpn.service')"
        )
    ]


# -- secrets named when none is declared (checks/secrets.py `unknown_secret`) ---------------


def test_a_secret_listed_when_none_is_declared() -> None:
    assert seed_lines(put((f"{A}.secrets", ["nope"]))) == [
        f"{A}.secrets[0]: names no secret of the site's secrets (none declared) (got: 'nope')"
    ]


# -- an OCI volume reaching nixedge's own directory names its hostPath (mounts.py `_key`) ----


def test_an_oci_volume_reaching_the_secrets_dir_names_its_host_path() -> None:
    def apps() -> dict[str, Any]:
        return copy.deepcopy(read_stack_file(REPO / "stacks" / "Pulumi.apps.yaml"))

    mutation = put(
        ("host.secretsDir", "/srv/nixedge/secrets"),
        ("ociContainers.whoami.volumes", [{"path": "/srv/in", "hostPath": "/srv/nixedge"}]),
    )
    assert report_lines(apps, mutation, "apps.yaml") == [
        (
            "ociContainers.whoami.volumes[0].hostPath: reaches host.secretsDir (/srv/nixedge/secrets): the "
            "container could read the tunnel credentials (got: '/srv/nixedge')"
        )
    ]


# -- a local target's control characters, at their edges (paths.py `local_dir_problem`) -------
CONTROL = "must not contain control characters (a newline, a tab, an escape)"


@pytest.mark.parametrize("path", ["out/a\x1fb", "out/a\x7fb", "out/\x00"])
def test_a_local_target_with_a_control_character_is_refused(path: str) -> None:
    lines = seed_lines(put(("host.target", {"transport": "local", "path": path})))
    assert len(lines) == 1 and lines[0].startswith("host.target.path: "), lines


@pytest.mark.parametrize("path", ["out/a b", "out/caf\u00e9", "out/a\x80b"])
def test_a_local_target_with_a_space_or_beyond_ascii_passes(path: str) -> None:
    data = seed_site()
    set_key(data, "host.target", {"transport": "local", "path": path})
    assert site_from_data(data, SEED).target["path"] == path


# -- an import id's zone, for nested zones and the apex (dns.py `_import_zone`) ---------------
Z1, Z2, ID1 = "c3" * 16, "d4" * 16, "0123456789abcdef" * 2
NESTED = [{"name": "example.org", "zoneId": Z1}, {"name": "lab.example.org", "zoneId": Z2}]


def imports(zones: list[dict[str, str]], name: str, import_id: str) -> Any:
    return put(
        ("tunnel.zones", zones),
        ("tunnel.dnsRecords", [{"name": name, "type": "A", "content": "203.0.113.9"}]),
        ("tunnel.dnsImports", {name: import_id}),
    )


def test_an_import_in_the_nested_zone_of_its_hostname_passes() -> None:
    data = multiservice_site()
    imports(NESTED, "nas.lab.example.org", f"{Z2}/{ID1}")(data)
    tunnel = site_from_data(data, HOMELAB).tunnel
    assert tunnel is not None and dict(tunnel.dns_imports) == {"nas.lab.example.org": f"{Z2}/{ID1}"}


@pytest.mark.parametrize(
    ("zones", "name", "zone_id", "zone"),
    [(NESTED, "nas.lab.example.org", Z1, ("lab.example.org", Z2)),
     ([{"name": "example.org", "zoneId": Z1}], "example.org", Z2, ("example.org", Z1))],
    ids=["nested-zone", "apex"],
)  # fmt: skip
def test_an_import_of_the_wrong_zone_is_refused(
    zones: list[dict[str, str]], name: str, zone_id: str, zone: tuple[str, str]
) -> None:
    lines = homelab_lines(imports(zones, name, f"{zone_id}/{ID1}"))
    assert lines == [
        (
            f"tunnel.dnsImports[{name!r}]: names zone id {zone_id}, but {name} is in zone {zone[0]}, whose id is "
            f"{zone[1]}: the import would adopt a record of another zone (got: '{zone_id}/{ID1}')"
        ),
        f"  Hint: use {zone[1]}/<record id>, or the record id alone",
    ]


def test_an_import_outside_every_zone_is_only_unknown() -> None:
    lines = homelab_lines(put(("tunnel.dnsImports", {"elsewhere.test": f"{Z1}/{ID1}"})))
    assert lines == [
        (
            "tunnel.dnsImports['elsewhere.test']: names no record of the stack: no route and no "
            f"tunnel.dnsRecords entry (got: '{Z1}/{ID1}')"
        )
    ]
