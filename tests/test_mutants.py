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


# -- a mount point flag's options after a colon (nspawn.py `_problem`) -------------------------
TARGET = "is a path the container's own NixOS provides; mounting over it replaces its system"


@pytest.mark.parametrize(
    ("flag", "target"),
    [("--tmpfs=/nix:mode=0755", "/nix"), ("--inaccessible=/proc:x:y", "/proc"), ("--tmpfs=/run:size=1G", "/run")],
)
def test_a_mount_point_flag_is_judged_by_its_path_before_the_colon(flag: str, target: str) -> None:
    assert homelab_lines(put((f"{VPN}.extraFlags", [flag]))) == [
        f"{VPN}.extraFlags[0]: {target} {TARGET} (got: {flag!r})"
    ]


def test_a_device_path_with_dot_dot_is_refused_as_written_not_as_it_resolves() -> None:
    lines = homelab_lines(put((f"{VPN}.allowedDevices", [{"node": "/dev/net/../sda", "modifier": "rw"}])))
    assert lines == [f"{VPN}.allowedDevices[0].node: must not contain '.' or '..' segments (got: '/dev/net/../sda')"]


# -- a site with a host that publishes nothing (across_hosts.py) --------------------------------


def test_a_host_without_a_tunnel_beside_one_with_routes_passes() -> None:
    from components.model.hosts import hosts_from_data

    seminar = copy.deepcopy(read_stack_file(REPO / "stacks" / "Pulumi.seminar.yaml"))
    seminar["host"].pop("name", None)
    quiet = copy.deepcopy(seminar)
    quiet["host"]["target"] = {"transport": "ssh", "destination": "root@quiet"}
    del quiet["tunnel"]
    for c in quiet["containers"].values():
        c.pop("routes", None)
    quiet["containers"]["forgejo"].pop("wrapper", None)
    quiet["containers"]["atticd"].pop("wrapper", None)
    hosts = hosts_from_data({"hosts": {"seminar": seminar, "quiet": quiet}}, "site.yaml")
    assert hosts.names == ("quiet", "seminar") and hosts.hosts[0].tunnel is None


def site_of(**hosts: dict[str, Any]) -> dict[str, Any]:
    return {"hosts": hosts}


def host(destination: str, tunnel: str | None, zones: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The seminar stack as another machine: its own target and tunnel (or none: no routes)."""
    data: dict[str, Any] = copy.deepcopy(read_stack_file(REPO / "stacks" / "Pulumi.seminar.yaml"))
    data["host"] = {"target": {"transport": "ssh", "destination": destination}}
    for c in data["containers"].values():
        c.pop("wrapper", None)
        if tunnel is None:
            c.pop("routes", None)
        for r in c.get("routes", []):  # each host its own hostnames
            r["hostname"] = f"{destination.partition('@')[2]}-{r['hostname']}"
    if tunnel is None:
        del data["tunnel"]
    else:
        data["tunnel"]["name"] = tunnel
        if zones is not None:
            data["tunnel"]["zones"] = zones
            for c in data["containers"].values():
                for r in c.get("routes", []):
                    r["hostname"] = r["hostname"].replace("ncaq.net", zones[-1]["name"])
    return data


def site_lines(data: dict[str, Any], project_dir: str | None = None) -> list[str]:
    from components.errors import ConfigError
    from components.model.hosts import hosts_from_data

    with pytest.raises(ConfigError) as info:
        hosts_from_data(data, "site.yaml", project_dir=project_dir)
    return [line[2:] for line in str(info.value).splitlines()[1:-1]]


def test_a_zone_id_conflict_behind_a_zone_without_id_is_found() -> None:
    data = site_of(
        alpha=host("root@alpha", "alpha", [{"name": "ncaq.net", "zoneId": Z1}]),
        beta=host("root@beta", "beta", [{"name": "example.org"}, {"name": "ncaq.net", "zoneId": Z2}]),
    )
    assert site_lines(data) == [
        (
            f"hosts.beta.tunnel.zones[1].zoneId: differs from host alpha's id of zone ncaq.net ({Z1}): a zone has "
            f"one id (got: {Z2!r})"
        )
    ]


def test_two_zones_with_their_own_ids_and_two_tunnel_ids_pass_on_two_hosts() -> None:
    from components.model.hosts import hosts_from_data

    alpha = host("root@alpha", "alpha", [{"name": "ncaq.net", "zoneId": Z1}])
    beta = host("root@beta", "beta", [{"name": "ncaq.net", "zoneId": Z1}, {"name": "ncaq.org", "zoneId": Z2}])
    alpha["tunnel"]["tunnelId"] = "6ff42ae2-765d-4adf-8112-31c55c1551ef"
    beta["tunnel"]["tunnelId"] = "0c1a2b3c-4d5e-4f60-8172-8394a5b6c7d8"
    assert hosts_from_data(site_of(alpha=alpha, beta=beta), "site.yaml").names == ("alpha", "beta")


def test_two_tunnels_of_one_name_behind_a_host_without_a_tunnel_are_found() -> None:
    data = site_of(
        aquiet=host("root@aquiet", None), seminar=host("root@seminar", "shared"), storage=host("root@storage", "shared")
    )
    lines = site_lines(data)
    assert lines[0] == (
        "hosts.storage.tunnel.name: is host seminar's tunnel name too: each host runs its own tunnel, which reaches "
        "only that host's containers (got: 'shared')"
    )


def test_relative_local_targets_without_a_project_are_compared_as_relative() -> None:
    alpha, beta = host("root@alpha", None), host("root@beta", None)
    alpha["host"]["target"] = {"transport": "local", "path": "out"}
    beta["host"]["target"] = {"transport": "local", "path": "./out"}
    assert site_lines(site_of(alpha=alpha, beta=beta)) == [
        (
            "hosts.beta.host.target: is host alpha's target too (local:out): the two hosts would overwrite each "
            "other's modules (got: 'local:out')"
        )
    ]


@pytest.mark.parametrize("content", ["git..example.org", "a..X", "two words.example.org"])
def test_a_cname_to_no_host_name_is_refused(content: str) -> None:
    record = {"name": "alias.example.org", "type": "CNAME", "content": content}
    lines = homelab_lines(put(("tunnel.dnsRecords", [record])))
    assert lines == [f"tunnel.dnsRecords[0].content: must be a host name for a record of type CNAME (got: {content!r})"]


# -- the tunnel's further records and catch-all (dns.py `_record`, `_catch_all`) ---------------


def test_a_repeated_record_behind_a_record_of_another_name_is_found() -> None:
    records = [
        {"name": "y.example.org", "type": "A", "content": "203.0.113.8"},
        {"name": "x.example.org", "type": "A", "content": "203.0.113.7"},
        {"name": "x.example.org", "type": "A", "content": "203.0.113.7"},
    ]
    assert homelab_lines(put(("tunnel.dnsRecords", records))) == [
        "tunnel.dnsRecords[2]: repeats tunnel.dnsRecords[1] (A 203.0.113.7) (got: 'x.example.org')"
    ]


def test_a_further_record_resolves_with_every_field() -> None:
    from components.model.resolved import DnsRecord

    data = multiservice_site()
    set_key(data, "tunnel.dnsRecords[1]", {"name": "txt.example.org", "type": "TXT", "content": "v=spf1 -all",
                                            "ttl": 300})  # fmt: skip
    tunnel = site_from_data(data, HOMELAB).tunnel
    assert tunnel is not None and tunnel.dns_records == (
        DnsRecord("txt.example.org", "TXT", "v=spf1 -all", False, 300, "example.org"),
        DnsRecord("vpn.example.org", "A", "203.0.113.7", False, 1, "example.org"),
    )


def test_a_zone_id_for_two_zones_behind_a_zone_without_id_is_found() -> None:
    zones = [{"name": "example.net"}, {"name": "example.org", "zoneId": Z1}, {"name": "example.com", "zoneId": Z1}]
    assert homelab_lines(put(("tunnel.zones", zones))) == [
        f"tunnel.zones[2].zoneId: is the id of zone example.org too: a zone id names one zone (got: {Z1!r})"
    ]


@pytest.mark.parametrize("url", ["http://localhost:1", "http://localhost:65535", "http://localhost", "http_status:404"])
def test_a_catch_all_on_a_port_in_range_passes(url: str) -> None:
    data = multiservice_site()
    set_key(data, "tunnel.catchAll", url)
    tunnel = site_from_data(data, HOMELAB).tunnel
    assert tunnel is not None and tunnel.catch_all == url


def test_a_catch_all_on_port_zero_is_refused() -> None:
    assert homelab_lines(put(("tunnel.catchAll", "http://localhost:0"))) == [
        (
            "tunnel.catchAll: must have a port from 1 to 65535, or none; cloudflared refuses it at start "
            "(got: 'http://localhost:0')"
        )
    ]


# -- a mount refused once is not reported again for what it reaches (mounts.py) -----------------
TARGET_HINT = "mount it somewhere of its own, e.g. /srv/<name> or /var/lib/<app>"


def test_a_bind_mount_with_a_bad_mount_point_is_not_also_said_to_reach_the_secrets_dir() -> None:
    lines = seed_lines(
        put(("host.secretsDir", "/srv/nixedge/secrets"),
            (f"{A}.bindMounts", [{"path": "/nix/store", "hostPath": "/srv/nixedge"}]))
    )  # fmt: skip
    assert lines == err(f"{A}.bindMounts[0].path", TARGET, "/nix/store", TARGET_HINT)


def test_an_oci_state_dir_with_a_bad_mount_point_is_not_also_said_to_reach_the_secrets_dir() -> None:
    def apps() -> dict[str, Any]:
        return copy.deepcopy(read_stack_file(REPO / "stacks" / "Pulumi.apps.yaml"))

    mutation = put(
        ("host.secretsDir", "/srv/nixedge/secrets"),
        ("ociContainers.whoami.stateDir", "/srv/nixedge"),
        ("ociContainers.whoami.stateDirMount", "/nix"),
    )
    lines = report_lines(apps, mutation, "apps.yaml")
    assert lines == [f"ociContainers.whoami.stateDir: {TARGET} (got: '/srv/nixedge')"]


def test_a_sensitive_secret_is_reported_once_at_its_path() -> None:
    lines = seed_lines(
        put(("secrets", {"k": {"provider": "agenix", "path": "/var/lib/nixedge/secrets/x"}}), (f"{A}.secrets", ["k"]))
    )
    assert lines == err(
        "secrets.k.path",
        "is a sensitive host path; mounting it gives the container power over the host",
        "/var/lib/nixedge/secrets/x",
        "name the one file the container reads, e.g. /run/secrets/<name> or /etc/<app>.env",
    )


def test_implied_mounts_the_socket_of_the_server_container_and_secrets_read_only() -> None:
    site = site_from_data(multiservice_site(), HOMELAB)
    forgejo = {(m.path, m.host_path, m.read_only) for m in site.container("forgejo").mounts}
    assert ("/run/postgresql", "/run/nixedge/postgres", True) in forgejo
    runner = {(m.path, m.host_path, m.read_only) for m in site.container("runner1").mounts}
    assert ("/run/secrets/runner-token", "/run/secrets/runner-token", True) in runner


def test_modules_in_tmp_for_a_host_that_never_activates_pass() -> None:
    """mode none builds nothing, with or without a command of its own."""
    data = seed_site()
    set_key(data, "host.target.path", "/tmp/nixedge-rehearsal")
    set_key(data, "host.activation", {"mode": "none"})
    assert site_from_data(data, SEED).target["path"] == "/tmp/nixedge-rehearsal"


def test_a_bind_mount_without_host_path_reaching_the_secrets_dir_names_its_path() -> None:
    mounts = [{"path": "/srv/nixedge"}]
    lines = seed_lines(put(("host.secretsDir", "/srv/nixedge/secrets"), (f"{A}.bindMounts", mounts)))
    assert lines == [
        (
            f"{A}.bindMounts[0].path: reaches host.secretsDir (/srv/nixedge/secrets): the container could read the "
            "tunnel credentials (got: '/srv/nixedge')"
        )
    ]


def test_a_secret_of_etc_inside_the_secrets_dir_is_said_to_reach_it() -> None:
    """Read-only, a file of /etc is fine as a secret: what it reaches is still checked."""
    lines = seed_lines(
        put(("host.secretsDir", "/etc/nixedge-secrets"),
            ("secrets", {"k": {"provider": "agenix", "path": "/etc/nixedge-secrets/x"}}), (f"{A}.secrets", ["k"]))
    )  # fmt: skip
    assert lines == [
        (
            f"{A}.secrets[0]: reaches host.secretsDir (/etc/nixedge-secrets): the container could read the tunnel "
            "credentials (got: '/etc/nixedge-secrets/x')"
        )
    ]


# -- state directory modes (mounts.py `state_dir_modes`) ----------------------------------------
NO_RWX = (
    "does not give the owner (whoami, uid 2101) read, write and search: the app could not use its own state directory"
)


def apps_site() -> dict[str, Any]:
    return copy.deepcopy(read_stack_file(REPO / "stacks" / "Pulumi.apps.yaml"))


def test_a_mode_without_a_state_dir_and_a_root_apps_mode_pass() -> None:
    data = apps_site()
    root_app = {"image": "docker.io/library/nginx:1.27", "stateDir": "/var/lib/rooted", "stateDirMode": "0000"}
    set_key(data, "ociContainers.aroot", root_app)
    set_key(data, "ociContainers.whoami.stateDirMode", "0000")
    del data["ociContainers"]["whoami"]["stateDir"]
    site = site_from_data(data, "apps.yaml")
    assert {o.name for o in site.oci_containers} == {"aroot", "whoami"}


def test_a_bad_mode_after_workloads_the_rule_skips_is_found() -> None:
    data = apps_site()
    set_key(data, "ociContainers.aroot", {"image": "docker.io/library/nginx:1.27"})  # root, no state dir
    set_key(data, "ociContainers.whoami.stateDirMode", "0000")
    lines = report_lines(lambda: data, lambda _d: None, "apps.yaml")
    assert f"ociContainers.whoami.stateDirMode: {NO_RWX} (got: '0000')" in lines


@pytest.mark.parametrize(
    ("ingress", "name"), [("local", "cloudflared-seminar.json"), ("remote", "cloudflared-seminar.token")]
)
def test_the_credentials_file_is_named_for_its_ingress(ingress: str, name: str) -> None:
    data = seed_site()
    set_key(data, "tunnel.ingress", ingress)
    tunnel = site_from_data(data, SEED).tunnel
    assert tunnel is not None and tunnel.credentials_file == f"/var/lib/nixedge/secrets/{name}"
