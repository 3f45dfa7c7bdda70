"""The guards that hand-made bugs slipped past (issue 21, "tests that bite"), each with a
test that fails when its guard is broken.

The pattern of the escapes: tables tested by example (tests/test_tables.py now gives
every entry its case), branches that only run with a second instance (a second app, host
or spelling: each test here has one), and failure paths whose test stubbed the function
under test (here only the world around it is a stand-in: a host whose machine-id cannot
be read, a Pulumi home with an older plugin; never the function itself).
"""

from __future__ import annotations

import base64
import copy
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from components.cloudflare.tunnel import credentials_from_token
from components.errors import ConfigError, HostError
from components.host.local import LocalTransport
from components.host.manifest import MANIFEST
from components.host.move import MACHINE_ID, move
from components.host.props import desired
from components.model import site_from_data
from components.model.hosts import hosts_from_data
from components.nixos.render import render
from components.stackfile import read_stack_file
from scripts.state import files as state_files
from scripts.state import machine, run
from tests.paths import REPO
from tests.site_mutations import as_storage_host, report_lines, seminar_host
from tests.test_host_move_provider import FILES, SECRET, Places, snapshot

# -- two OCI apps: one address, one host port ------------------------------------------------


def apps() -> dict[str, Any]:
    """stacks/Pulumi.apps.yaml with a second OCI app, `echo`, beside whoami."""
    data: dict[str, Any] = copy.deepcopy(read_stack_file(REPO / "stacks" / "Pulumi.apps.yaml"))
    whoami = data["ociContainers"]["whoami"]
    echo = copy.deepcopy(whoami)
    echo["user"] = {"name": "echo", "uid": 2102, "gid": 2102}
    echo["stateDir"] = "/var/lib/echo"
    echo["ports"] = [{"hostPort": 8082, "containerPort": 8080}]
    echo["routes"] = [{"hostname": "echo.example.org", "port": 8080}]
    echo["address"] = str_next(whoami["address"])
    data["ociContainers"]["echo"] = echo
    return data


def str_next(address: str) -> str:
    head, last = address.rsplit(".", 1)
    return f"{head}.{int(last) + 1}"


def apps_lines(mutate: Any) -> list[str]:
    return report_lines(apps, mutate, "apps.yaml")


def test_two_oci_apps_pass_apart() -> None:
    site = site_from_data(apps(), "apps.yaml")
    assert {o.name for o in site.oci_containers} == {"echo", "whoami"}


def test_two_oci_apps_on_one_address_are_refused() -> None:
    def same(data: dict[str, Any]) -> None:
        data["ociContainers"]["echo"]["address"] = data["ociContainers"]["whoami"]["address"]

    address = apps()["ociContainers"]["whoami"]["address"]
    assert apps_lines(same) == [
        f"ociContainers.whoami.address: is already used by ociContainers.echo.address (got: {address!r})"
    ]


@pytest.mark.parametrize("protocol", ["tcp", "udp"])
def test_two_oci_apps_on_one_host_port_are_refused(protocol: str) -> None:
    def same(data: dict[str, Any]) -> None:
        for name in ("whoami", "echo"):
            data["ociContainers"][name]["ports"] = [{"hostPort": 8081, "containerPort": 8080, "protocol": protocol}]

    assert apps_lines(same) == [
        (
            f"ociContainers.whoami.ports[0].hostPort: is already taken ({protocol}) by "
            "ociContainers.echo.ports[0].hostPort (got: 8081)"
        )
    ]


def test_one_host_port_on_two_protocols_passes() -> None:
    data = apps()
    data["ociContainers"]["whoami"]["ports"] = [{"hostPort": 8081, "containerPort": 8080, "protocol": "tcp"}]
    data["ociContainers"]["echo"]["ports"] = [{"hostPort": 8081, "containerPort": 8080, "protocol": "udp"}]
    assert len(site_from_data(data, "apps.yaml").oci_containers) == 2


# -- a read-only OCI volume stays read-only in the Nix ---------------------------------------


def test_read_only_oci_volumes_render_read_only_and_writable_ones_writable() -> None:
    data = apps()
    data["ociContainers"]["whoami"]["volumes"] = [
        {"path": "/srv/config", "hostPath": "/srv/whoami-config"},  # readOnly by default
        {"path": "/srv/shared", "hostPath": "/srv/whoami-shared", "readOnly": True},
        {"path": "/srv/cache", "hostPath": "/srv/whoami-cache", "readOnly": False},
    ]
    data["ociContainers"]["echo"]["volumes"] = [{"path": "/srv/config", "hostPath": "/srv/echo-config"}]
    files = render(site_from_data(data, "apps.yaml"))
    whoami = files["oci-containers/whoami.nix"]
    echo = files["oci-containers/echo.nix"]
    assert '"/srv/whoami-config:/srv/config:ro"' in whoami
    assert '"/srv/whoami-shared:/srv/shared:ro"' in whoami
    assert '"/srv/whoami-cache:/srv/cache"' in whoami
    assert '"/var/lib/whoami:/data"' in whoami  # the state directory is the app's to write
    assert '"/srv/echo-config:/srv/config:ro"' in echo
    assert '"/srv/whoami-config:/srv/config"' not in whoami


# -- sites: `hosts: {}`, records across hosts --------------------------------------------------


def storage_host() -> dict[str, Any]:
    return as_storage_host(seminar_host())


def site_errors(data: Any) -> list[str]:
    with pytest.raises(ConfigError) as info:
        hosts_from_data(data, "site.yaml")
    return [line.strip() for line in str(info.value).splitlines()[1:-1]]


@pytest.mark.parametrize("hosts", [{}, [], None, "seminar"], ids=["empty-mapping", "list", "null", "text"])
def test_a_site_without_hosts_is_refused(hosts: Any) -> None:
    """`hosts: {}` would plan the removal of every host's modules: never a valid site."""
    assert site_errors({"hosts": hosts}) == [
        f"hosts: must be a mapping of host name -> that host's site (got: {hosts!r})"
    ]


def test_a_site_of_one_host_passes() -> None:
    assert hosts_from_data({"hosts": {"seminar": seminar_host()}}).names == ("seminar",)


@pytest.mark.parametrize(("owner", "other"), [("seminar", "storage"), ("storage", "seminar")])
def test_a_dns_record_naming_a_hostname_another_host_routes_is_refused(owner: str, other: str) -> None:
    """Both directions: the host whose record clashes sorts before and after the router."""
    hosts = {"seminar": seminar_host(), "storage": storage_host()}
    routed = {"seminar": ("forgejo.ncaq.net", "containers.forgejo.routes[0]"),
              "storage": ("files.ncaq.net", "containers.files.routes[0]")}[other]  # fmt: skip
    hosts[owner]["tunnel"]["dnsRecords"] = [{"name": routed[0], "type": "A", "content": "203.0.113.7"}]
    assert site_errors({"hosts": hosts}) == [
        (
            f"hosts.{owner}.tunnel.dnsRecords: names {routed[0]}, which host {other} routes "
            f"(hosts.{other}.{routed[1]}): a CNAME must be the only record of its name (got: {routed[0]!r})"
        )
    ]


# -- the state checks: an older .tmp, a backend behind a symlink ------------------------------


def checkpoint_backend(root: Path) -> Path:
    stacks = root / ".pulumi" / "stacks" / "nixedge"
    stacks.mkdir(parents=True)
    checkpoint = stacks / "s.json"
    checkpoint.write_text(json.dumps({"version": 3, "checkpoint": {"stack": "s", "latest": {"n": 2}}}))
    (stacks / "s.json.attrs").write_text(state_files.attrs_text(checkpoint.read_bytes()))
    return checkpoint


def state_check(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = run.check(root, "s", "preview")
    return code, capsys.readouterr().err.splitlines()


@pytest.mark.parametrize("tmps", [1, 2], ids=["one-older-tmp", "two-older-tmps"])
def test_an_older_tmp_is_removed_never_put_over_a_newer_checkpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tmps: int
) -> None:
    checkpoint = checkpoint_backend(tmp_path)
    newer = checkpoint.read_bytes()
    older = json.dumps({"version": 3, "checkpoint": {"stack": "s", "latest": {"n": 1}}}).encode()
    names = []
    for i in range(tmps):
        # Complete, valid, and written before the checkpoint's last write.
        tmp = checkpoint.with_name(f"s.json.{checkpoint.stat().st_mtime_ns - 1000 * (i + 1):x}.tmp")
        tmp.write_bytes(older)
        names.append(tmp.name)
    code, said = state_check(tmp_path, capsys)
    assert code == 0
    assert checkpoint.read_bytes() == newer
    assert not any("finished the interrupted write" in line for line in said), said
    assert sorted(said) == sorted(
        f"scripts/pulumi: removed .pulumi/stacks/nixedge/{name}, an older copy that a killed run never put in "
        "place (.pulumi/stacks/nixedge/s.json is its last complete version)"
        for name in names
    )


def test_a_newer_complete_tmp_is_put_in_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checkpoint = checkpoint_backend(tmp_path)
    newer = json.dumps({"version": 3, "checkpoint": {"stack": "s", "latest": {"n": 3}}}).encode()
    tmp = checkpoint.with_name(f"s.json.{time.time_ns() + 10**9:x}.tmp")
    tmp.write_bytes(newer)
    code, said = state_check(tmp_path, capsys)
    assert (code, checkpoint.read_bytes()) == (0, newer)
    assert said == [
        (
            "scripts/pulumi: finished the interrupted write of .pulumi/stacks/nixedge/s.json (its new "
            f"content was complete in {tmp.name})"
        )
    ]


def test_a_backend_behind_a_symlink_is_judged_by_the_file_system_it_leads_to(tmp_path: Path) -> None:
    """/dev/shm is a tmpfs, the test's directory is not: the link's own would be the wrong one."""
    target = Path("/dev/shm") / f"nixedge-state-{os.getpid()}"
    target.mkdir()
    try:
        link = tmp_path / "state"
        link.symlink_to(target)
        assert machine.file_system(target) == "tmpfs"
        assert machine.file_system(tmp_path) != "tmpfs"
        assert machine.file_system(link) == "tmpfs"
        nested = tmp_path / "deeper"
        nested.symlink_to(link)  # a link to a link: the second spelling
        assert machine.file_system(nested) == "tmpfs"
    finally:
        target.rmdir()


# -- the host engine: a foreign default.nix, an unreadable machine-id --------------------------


def test_a_move_never_overwrites_a_default_nix_nixedge_did_not_write(tmp_path: Path) -> None:
    places = Places(tmp_path)
    olds = places.deploy()
    places.new.mkdir(parents=True)
    (places.new / "default.nix").write_text("{ the host's own }\n")
    (places.new / "containers").mkdir()
    (places.new / "containers" / "forgejo.nix").write_text("{ also the host's }\n")
    before_old, before_new = snapshot(places.old), snapshot(places.new)
    with pytest.raises(HostError) as info:
        places.provider.update("id", olds, places.props(str(places.new)))
    assert "Refusing to overwrite" in str(info.value) and "nixedge did not write" in str(info.value)
    assert "containers/forgejo.nix" in str(info.value) and "default.nix" in str(info.value)
    assert snapshot(places.new) == before_new
    assert snapshot(places.old) == before_old
    assert places.secret.read_text() == SECRET


class Host(LocalTransport):
    """This machine under another name, whose /etc/machine-id reads as `machine_id`
    (None: unreadable; an exception: the read fails)."""

    def __init__(self, machine_id: bytes | None | Exception) -> None:
        super().__init__("other-name")
        self.machine_id = machine_id

    def read_files(self, paths: Sequence[str]) -> dict[str, bytes | None]:
        out = super().read_files([p for p in paths if p != MACHINE_ID])
        if MACHINE_ID in paths:
            if isinstance(self.machine_id, Exception):
                raise self.machine_id
            out[MACHINE_ID] = self.machine_id
        return out


def moved_secret(places: Places, new_id: Any, old_id: Any) -> bool:
    """Move the deployed modules to the new place as another machine name (same_host
    False) and say whether the secret both states list survived at its path."""
    olds = places.deploy()
    news = places.props(str(places.new))
    move(
        Host(new_id), desired(news, str(places.new), olds), Host(old_id), str(places.old),
        FILES.keys() | {MANIFEST}, olds["secrets"].keys(), old_host="seminar", same_host=False,
    )  # fmt: skip
    assert set(snapshot(places.new)) == {*FILES, MANIFEST}
    return places.secret.exists()


@pytest.mark.parametrize(
    ("new_id", "old_id"),
    [
        (b"0123abcd\n", None),
        (None, b"0123abcd\n"),
        (None, None),
        (b"0123abcd\n", b"\n"),
        (b"  \n", b"0123abcd\n"),
        (b"0123abcd\n", HostError("permission denied")),
    ],
    ids=["old-unreadable", "new-unreadable", "both-unreadable", "old-empty", "new-blank", "old-read-fails"],
)
def test_a_machine_id_that_cannot_be_read_keeps_the_credentials(tmp_path: Path, new_id: Any, old_id: Any) -> None:
    from components.host.transport import TransportError

    if isinstance(old_id, HostError):
        old_id = TransportError(str(old_id))
    assert moved_secret(Places(tmp_path), new_id, old_id)


def test_provably_different_machines_remove_the_old_hosts_credentials(tmp_path: Path) -> None:
    assert not moved_secret(Places(tmp_path), b"0123abcd\n", b"4567ef01\n")


def test_one_machine_id_under_two_names_keeps_the_credentials(tmp_path: Path) -> None:
    assert moved_secret(Places(tmp_path), b"0123abcd\n", b"0123abcd")


# -- the tunnel: a dashboard-managed tunnel, a token's endpoint --------------------------------


def token(**fields: str) -> str:
    return base64.b64encode(json.dumps(fields).encode()).decode()


@pytest.mark.parametrize("endpoint", ["us", "fed"])
def test_a_tokens_regional_endpoint_is_kept(endpoint: str) -> None:
    creds = json.loads(credentials_from_token(token(a="acc", s="c2VjcmV0", t="tid", e=endpoint)))
    assert creds == {"AccountTag": "acc", "TunnelSecret": "c2VjcmV0", "TunnelID": "tid", "Endpoint": endpoint}


def test_a_token_without_an_endpoint_has_none() -> None:
    creds = json.loads(credentials_from_token(token(a="acc", s="c2VjcmV0", t="tid")))
    assert creds == {"AccountTag": "acc", "TunnelSecret": "c2VjcmV0", "TunnelID": "tid"}


# The adopted tunnel (tunnelId) as Cloudflare answers a read of it: made in the dashboard,
# so remotely managed. A run failing inside an output goes in a process of its own.
ADOPT_SCRIPT = """
import json, sys
from components.errors import EdgeError
from tests import edge_mocks
from tests.test_edge_mocks import ADOPTED_ID, edge_program, resolved, seminar

config_src, ingress = sys.argv[1:]
read = edge_mocks.CloudflareMocks.new_resource

def new_resource(self, args):
    tunnel_id, state = read(self, args)
    if args.typ == edge_mocks.TUNNEL_TYPE and args.resource_id:
        state = {**state, "configSrc": config_src}
    return tunnel_id, state

edge_mocks.CloudflareMocks.new_resource = new_resource
try:
    run = edge_mocks.run(edge_program(resolved(seminar(ingress, tunnelId=ADOPTED_ID))), stack="seminar")
    print(json.dumps({"ran": run.results["tunnel_id"][0]}))
except EdgeError as exc:
    print(json.dumps({"key": exc.key, "message": str(exc)}))
"""


def adopt(config_src: str, ingress: str) -> dict[str, str]:
    proc = subprocess.run(
        [sys.executable, "-c", ADOPT_SCRIPT, config_src, ingress],
        check=False, cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stdout, proc.stderr
    return dict(json.loads(proc.stdout.splitlines()[-1]))


@pytest.mark.parametrize(("config_src", "ingress"), [("cloudflare", "local"), ("local", "remote")])
def test_an_adopted_tunnel_of_the_other_mode_is_refused(config_src: str, ingress: str) -> None:
    managed = "remotely" if config_src == "cloudflare" else "locally"
    assert adopt(config_src, ingress) == {
        "key": "tunnel.ingress",
        "message": (
            f"tunnel.ingress: Cloudflare Tunnel seminar is {managed} managed (config_src {config_src}), which "
            f"{ingress} ingress cannot run, and Cloudflare changes that in no tunnel in place (got: {ingress!r})\n"
            "  Hint: keep tunnel.ingress as it was, or move the tunnel as docs/migrating.md, section Switching "
            "tunnel.ingress describes"
        ),
    }


def test_an_adopted_tunnel_of_the_same_mode_runs() -> None:
    from tests.test_edge_mocks import ADOPTED_ID

    assert adopt("cloudflare", "remote") == {"ran": ADOPTED_ID}
