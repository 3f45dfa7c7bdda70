"""Every bad stack config is refused with the exact message lines that name its key.

Table-driven: each case is a small mutation of the seed's valid site (nixeval.seed_site)
and the exact lines of the ConfigError report (`dotted.key: message (got: value)`, and
a `Hint:` line where there is one). Also: several errors are all reported at once,
what `allow*` switches permit, the 11-character name rule is a warning and not an
error, and the file loader's own errors (empty file, not YAML, not a mapping).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from components.errors import ConfigError
from components.model import load_stack, site_from_data
from tests import nixeval
from tests.nixeval import DELETE, Mutation, put, rename, rename_container, seed_site, set_key

SOURCE = "seminar.yaml"


def report_lines(mutation: Mutation) -> list[str]:
    return nixeval.report_lines(seed_site, mutation, SOURCE)


NAME_RULE = (
    "must be a valid NixOS container name: 1-63 lowercase letters, digits or '-', "
    "not starting or ending with '-', e.g. 'forgejo'"
)
SENSITIVE = "is a sensitive host path; mounting it gives the container power over the host"
NO_TUNNEL = "needs a tunnel to be published, but the site has no `tunnel`"
A = "containers.atticd"
SAFE_PATH_MESSAGE = (
    "may contain only letters, digits and . _ - @ + / "
    "(NixOS hands it to systemd-nspawn and tmpfiles unquoted), e.g. '/srv/my-app'"
)
F = "containers.forgejo"

CASES = [
    # -- addresses ----------------------------------------------------------------------
    pytest.param(
        put((f"{A}.localAddress", "192.168.100.11")),
        [f"{F}.localAddress: is already used by {A}.localAddress (got: '192.168.100.11')"],
        id="duplicate-address",
    ),
    pytest.param(
        put((f"{A}.hostAddress", "192.168.100.11")),
        [f"{F}.localAddress: is already used by {A}.hostAddress (got: '192.168.100.11')"],
        id="host-address-equals-other-local",
    ),
    pytest.param(
        put((f"{A}.localAddress", "10.0.0.1")),
        [f"{A}.localAddress: is outside network.subnet 192.168.100.0/24 (got: '10.0.0.1')"],
        id="address-outside-subnet",
    ),
    pytest.param(
        put((f"{A}.localAddress", "192.168.100.0")),
        [f"{A}.localAddress: is the network address of network.subnet 192.168.100.0/24 (got: '192.168.100.0')"],
        id="network-address",
    ),
    pytest.param(
        put((f"{A}.localAddress", "192.168.100.255")),
        [f"{A}.localAddress: is the broadcast address of network.subnet 192.168.100.0/24 (got: '192.168.100.255')"],
        id="broadcast-address",
    ),
    pytest.param(
        put((f"{A}.localAddress", DELETE)),
        [f"{A}.localAddress: is missing: give both hostAddress and localAddress, or neither to allocate them"],
        id="only-host-address",
    ),
    pytest.param(
        put((f"{A}.hostAddress", DELETE)),
        [f"{A}.hostAddress: is missing: give both hostAddress and localAddress, or neither to allocate them"],
        id="only-local-address",
    ),
    pytest.param(
        put((f"{A}.hostAddress", "192.168.100.256")),
        [f"{A}.hostAddress: must be an IPv4 address, e.g. '192.168.100.11' (got: '192.168.100.256')"],
        id="not-an-address",
    ),
    # -- users --------------------------------------------------------------------------
    pytest.param(
        put((f"{A}.user.uid", 991)),
        [f"{F}.user.uid: is already used by {A}.user.uid; each container needs its own uid (got: 991)"],
        id="duplicate-uid",
    ),
    pytest.param(
        put((f"{A}.user.gid", 986)),
        [f"{F}.user.gid: is already used by {A}.user.gid; each container needs its own gid (got: 986)"],
        id="duplicate-gid",
    ),
    pytest.param(
        put((f"{A}.user.name", "forgejo")),
        [
            f"{F}.user.name: is already used by {A}.user.name; each container needs its own name (got: 'forgejo')",
            f"{F}.user.group: is already used by {A}.user.group; each container needs its own group (got: 'forgejo')",
        ],
        id="duplicate-user-name",
    ),
    pytest.param(
        put((f"{A}.user.name", "Atticd")),
        [
            (
                f"{A}.user.name: must be a user or group name: lowercase letter or '_' first, then letters, "
                "digits, '_' or '-', at most 31 characters, e.g. 'forgejo' (got: 'Atticd')"
            )
        ],
        id="bad-user-name",
    ),
    # -- hostnames and routes -----------------------------------------------------------
    pytest.param(
        put((f"{A}.routes[0].hostname", "Forgejo.NCAQ.net")),
        [
            (
                f"{F}.routes[0].hostname: is already routed by {A}.routes[0].hostname; "
                "a hostname has exactly one route (got: 'forgejo.ncaq.net')"
            )
        ],
        id="duplicate-hostname",
    ),
    pytest.param(
        put((f"{A}.routes[0].hostname", "cache.example.org")),
        [f"{A}.routes[0].hostname: is not in any zone of tunnel.zones (ncaq.net) (got: 'cache.example.org')"],
        id="hostname-out-of-zone",
    ),
    pytest.param(
        put((f"{A}.routes[0].hostname", "ncaq.net.evil.org")),
        [f"{A}.routes[0].hostname: is not in any zone of tunnel.zones (ncaq.net) (got: 'ncaq.net.evil.org')"],
        id="hostname-zone-as-prefix",
    ),
    pytest.param(
        put((f"{A}.routes[0].hostname", "ncaq")),
        [
            (
                f"{A}.routes[0].hostname: must be a DNS host name with at least two labels, "
                "e.g. 'forgejo.example.org' (got: 'ncaq')"
            )
        ],
        id="hostname-one-label",
    ),
    pytest.param(
        put(("tunnel", DELETE)),
        [
            f"{A}.routes[0].hostname: {NO_TUNNEL} (got: 'nix-cache.ncaq.net')",
            "  Hint: add tunnel: {name: ..., zones: [...]} or remove the route",
            f"{F}.routes[0].hostname: {NO_TUNNEL} (got: 'forgejo.ncaq.net')",
            "  Hint: add tunnel: {name: ..., zones: [...]} or remove the route",
            f"{F}.routes[1].hostname: {NO_TUNNEL} (got: 'forgejo-ssh.ncaq.net')",
            "  Hint: add tunnel: {name: ..., zones: [...]} or remove the route",
        ],
        id="routes-without-tunnel",
    ),
    pytest.param(
        put(("tunnel.zones", [{"name": "ncaq.net"}, {"name": "ncaq.net"}])),
        ["tunnel.zones[1].name: is listed twice (got: 'ncaq.net')"],
        id="zone-listed-twice",
    ),
    pytest.param(
        put((f"{A}.routes[0].port", 80)),
        [
            f"{A}.routes[0].port: is a privileged port (< 1024); services listen on 1024 or above (got: 80)",
            f"  Hint: use e.g. 8080, or set {A}.allowPrivilegedPorts: true",
        ],
        id="privileged-port",
    ),
    pytest.param(
        put((f"{A}.routes[0].port", 65536)),
        [f"{A}.routes[0].port: Input should be less than or equal to 65535 (got: 65536)"],
        id="port-too-large",
    ),
    pytest.param(
        put((f"{A}.routes[0].port", 0)),
        [f"{A}.routes[0].port: Input should be greater than or equal to 1 (got: 0)"],
        id="port-zero",
    ),
    pytest.param(
        put((f"{F}.routes[1].port", 8080)),
        [f"{F}.routes[1].port: is already used with protocol http by {F}.routes[0] (got: 8080)"],
        id="port-used-by-two-protocols",
    ),
    pytest.param(
        put(
            (
                f"{F}.routes",
                [{"hostname": "forgejo.ncaq.net", "port": 8080}, {"hostname": "git.ncaq.net", "port": 8080}],
            )
        ),
        [
            (
                f"{F}.routes[1]: app forgejo can serve only 1 http route(s); its settings follow one hostname "
                "(got: 'git.ncaq.net')"
            )
        ],
        id="forgejo-two-http-routes",
    ),
    pytest.param(
        put((f"{A}.routes[1]", {"hostname": "nix-ssh.ncaq.net", "protocol": "ssh", "port": 2222})),
        [f"{A}.routes[1].protocol: is not served by app atticd (it serves http) (got: 'ssh')"],
        id="ssh-route-on-atticd",
    ),
    pytest.param(
        put((f"{A}.routes[0].protocol", "udp")),
        [f"{A}.routes[0].protocol: Input should be 'http', 'https', 'ssh' or 'tcp' (got: 'udp')"],
        id="unknown-protocol",
    ),
    # -- container names ----------------------------------------------------------------
    pytest.param(
        rename("atticd", "attic_cache"),
        [
            (
                "containers.attic_cache: must not contain underscores: NixOS refuses them in container names, "
                "e.g. 'forgejo-runner' instead of 'forgejo_runner' (got: 'attic_cache')"
            )
        ],
        id="name-underscore",
    ),
    pytest.param(rename("atticd", "a/b"), [f"containers.a/b: {NAME_RULE} (got: 'a/b')"], id="name-slash"),
    pytest.param(rename("atticd", ".."), [f"containers['..']: {NAME_RULE} (got: '..')"], id="name-dotdot"),
    pytest.param(
        rename("atticd", "attic.cache"), [f"containers['attic.cache']: {NAME_RULE} (got: 'attic.cache')"], id="name-dot"
    ),
    pytest.param(rename("atticd", ""), [f"containers['']: {NAME_RULE} (got: '')"], id="name-empty"),
    pytest.param(rename("atticd", "Atticd"), [f"containers.Atticd: {NAME_RULE} (got: 'Atticd')"], id="name-uppercase"),
    pytest.param(
        rename("atticd", "-atticd"), [f"containers.-atticd: {NAME_RULE} (got: '-atticd')"], id="name-leading-dash"
    ),
    pytest.param(
        rename("atticd", "atticd-"), [f"containers.atticd-: {NAME_RULE} (got: 'atticd-')"], id="name-trailing-dash"
    ),
    pytest.param(
        rename("atticd", "a" * 64), [f"containers.{'a' * 64}: {NAME_RULE} (got: '{'a' * 64}')"], id="name-64-chars"
    ),
    # A trailing newline passes a regex ending in `$`: names must be matched whole.
    pytest.param(
        rename("atticd", "atticd\n"), [f"containers['atticd\\n']: {NAME_RULE} (got: 'atticd\\n')"], id="name-newline"
    ),
    pytest.param(
        put((f"{A}.routes[0].hostname", "nix-cache.ncaq.net\n")),
        [
            (
                f"{A}.routes[0].hostname: must be a DNS host name with at least two labels, "
                "e.g. 'forgejo.example.org' (got: 'nix-cache.ncaq.net\\n')"
            )
        ],
        id="hostname-newline",
    ),
    pytest.param(
        put((f"{A}.stateVersion", "25.05\n")),
        [f"{A}.stateVersion: must be a NixOS release such as '25.05' or '24.11' (got: '25.05\\n')"],
        id="state-version-newline",
    ),
    # -- bind mounts and state directories ----------------------------------------------
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "srv/cache"}])),
        [f"{A}.bindMounts[0].path: must be an absolute path, e.g. '/var/lib/forgejo' (got: 'srv/cache')"],
        id="mount-relative",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/srv/../etc"}])),
        [f"{A}.bindMounts[0].path: must not contain '.' or '..' segments (got: '/srv/../etc')"],
        id="mount-dotdot",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/cache", "hostPath": "/srv/./cache"}])),
        [f"{A}.bindMounts[0].hostPath: must not contain '.' or '..' segments (got: '/srv/./cache')"],
        id="mount-host-path-dot",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/srv/\ud800"}])),
        [f"{A}.bindMounts[0].path: {SAFE_PATH_MESSAGE} (got: '/srv/\\ud800')"],
        id="mount-surrogate",
    ),
    pytest.param(
        put((f"{A}.stateDir", "/srv/atticd\n")),
        [f"{A}.stateDir: {SAFE_PATH_MESSAGE} (got: '/srv/atticd\\n')"],
        id="state-dir-newline",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/srv//cache/"}])),
        [f"{A}.bindMounts[0].path: must be normalised, e.g. '/srv/cache' (got: '/srv//cache/')"],
        id="mount-not-normalised",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/srv/cache"}, {"path": "/srv/cache", "readOnly": False}])),
        [f"{A}.bindMounts[1].path: mounts /srv/cache again; already mounted by {A}.bindMounts[0] (got: '/srv/cache')"],
        id="mount-duplicate",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/srv/cache"}, {"path": "/srv/cache/sub"}])),
        [
            (
                f"{A}.bindMounts[1].path: overlaps {A}.bindMounts[0] (/srv/cache); mount points must not nest "
                "(got: '/srv/cache/sub')"
            )
        ],
        id="mount-nested",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/mnt/noa/atticd/cache"}])),
        [
            (
                f"{A}.stateDir: overlaps {A}.bindMounts[0] (/mnt/noa/atticd/cache); mount points must not nest "
                "(got: '/mnt/noa/atticd')"
            )
        ],
        id="mount-inside-state-dir",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/etc"}])),
        [
            f"{A}.bindMounts[0].path: {SENSITIVE} (got: '/etc')",
            f"  Hint: mount a narrower path, or set {A}.bindMounts[0].allowSensitive: true",
        ],
        id="mount-etc",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/store", "hostPath": "/nix/store"}])),
        [
            f"{A}.bindMounts[0].hostPath: {SENSITIVE} (got: '/nix/store')",
            f"  Hint: mount a narrower path, or set {A}.bindMounts[0].allowSensitive: true",
        ],
        id="mount-nix-store",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/root"}])),
        [
            f"{A}.bindMounts[0].path: {SENSITIVE} (got: '/root')",
            f"  Hint: mount a narrower path, or set {A}.bindMounts[0].allowSensitive: true",
        ],
        id="mount-root-home",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/config", "hostPath": "/etc/nixos"}])),
        [
            f"{A}.bindMounts[0].hostPath: {SENSITIVE} (got: '/etc/nixos')",
            f"  Hint: mount a narrower path, or set {A}.bindMounts[0].allowSensitive: true",
        ],
        id="mount-etc-nixos",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/host", "hostPath": "/"}])),
        [
            f"{A}.bindMounts[0].hostPath: {SENSITIVE} (got: '/')",
            f"  Hint: mount a narrower path, or set {A}.bindMounts[0].allowSensitive: true",
            f"{A}.bindMounts[0].hostPath: reaches /var/lib/forgejo, the state directory of {F} (got: '/')",
        ],
        id="mount-root",
    ),
    pytest.param(
        put((f"{A}.bindMounts", [{"path": "/forgejo", "hostPath": "/var/lib/forgejo", "readOnly": True}])),
        [f"{A}.bindMounts[0].hostPath: reaches /var/lib/forgejo, the state directory of {F} (got: '/var/lib/forgejo')"],
        id="mount-other-state-dir",
    ),
    pytest.param(
        put((f"{A}.stateDir", "/var/lib/forgejo/attic")),
        [
            f"{A}.stateDir: reaches /var/lib/forgejo, the state directory of {F} (got: '/var/lib/forgejo/attic')",
            f"{F}.stateDir: reaches /var/lib/forgejo/attic, the state directory of {A} (got: '/var/lib/forgejo')",
        ],
        id="state-dir-inside-other-state-dir",
    ),
    # -- unknown keys -------------------------------------------------------------------
    pytest.param(put(("hosts", {})), ["hosts: is not a known key (a typo?) (got: {})"], id="typo-root"),
    pytest.param(
        put((f"{A}.stateDirectory", "/x")),
        [f"{A}.stateDirectory: is not a known key (a typo?) (got: '/x')"],
        id="typo-container",
    ),
    pytest.param(
        put((f"{A}.routes[0].hostnme", "x.ncaq.net")),
        [f"{A}.routes[0].hostnme: is not a known key (a typo?) (got: 'x.ncaq.net')"],
        id="typo-route",
    ),
    pytest.param(
        put(("tunnel.zones[0].zoneid", "abc")),
        ["tunnel.zones[0].zoneid: is not a known key (a typo?) (got: 'abc')"],
        id="typo-zone",
    ),
    pytest.param(
        put(("host.target.prot", 22)),
        ["host.target.prot: is not a known key (a typo?) (got: 22)"],
        id="typo-target",
    ),
    # -- wrong types --------------------------------------------------------------------
    pytest.param(
        put((f"{A}.routes[0].port", "8080")),
        [f"{A}.routes[0].port: Input should be a valid integer (got: '8080')"],
        id="port-as-string",
    ),
    pytest.param(
        put((f"{A}.routes", {"hostname": "nix-cache.ncaq.net", "port": 8080})),
        [f"{A}.routes: Input should be a valid list (got: {{'hostname': 'nix-cache.ncaq.net', 'port': 8080}})"],
        id="mapping-instead-of-list",
    ),
    pytest.param(
        put((f"{A}.user", ["atticd", 993, 988])),
        [f"{A}.user: Input should be a valid dictionary or instance of User (got: ['atticd', 993, 988])"],
        id="list-instead-of-mapping",
    ),
    pytest.param(
        put((f"{A}.autoStart", "true")),
        [f"{A}.autoStart: Input should be a valid boolean (got: 'true')"],
        id="bool-as-string",
    ),
    pytest.param(
        put((f"{A}.stateVersion", 25.05)),
        [f"{A}.stateVersion: Input should be a valid string (got: 25.05)"],
        id="state-version-unquoted",
    ),
    pytest.param(
        put((f"{A}.stateVersion", "25.04")),
        [f"{A}.stateVersion: must be a NixOS release such as '25.05' or '24.11' (got: '25.04')"],
        id="state-version-no-release",
    ),
    pytest.param(
        put((f"{A}.after", ["postgresql"])),
        [f"{A}.after[0]: must be a systemd unit name with its suffix, e.g. 'postgresql.service' (got: 'postgresql')"],
        id="unit-without-suffix",
    ),
    # -- network ------------------------------------------------------------------------
    pytest.param(
        put(("network.subnet", "192.168.100.1/24")),
        [
            (
                "network.subnet: must be an IPv4 network such as '192.168.100.0/24' "
                "(192.168.100.1/24 has host bits set) (got: '192.168.100.1/24')"
            )
        ],
        id="subnet-host-bits",
    ),
    pytest.param(
        put(("network.subnet", "not-a-net")),
        [
            (
                "network.subnet: must be an IPv4 network such as '192.168.100.0/24' "
                "(Expected 4 octets in 'not-a-net') (got: 'not-a-net')"
            )
        ],
        id="subnet-garbage",
    ),
    pytest.param(
        put(("network.subnet", "192.168.100.0/31")),
        [
            (
                "network.subnet: is too small: a container needs a host and a local address; "
                "use /30 or larger (got: '192.168.100.0/31')"
            )
        ],
        id="subnet-too-small",
    ),
    # -- apps and settings --------------------------------------------------------------
    pytest.param(
        put((f"{A}.environmentFile", DELETE)),
        [
            f"{A}.environmentFile: is required by app atticd (services.atticd.environmentFile holds its secrets)",
            "  Hint: e.g. /etc/atticd.env, created on the host outside the Nix store",
        ],
        id="atticd-without-environment-file",
    ),
    pytest.param(
        put((f"{F}.settings.server", {"HTTP_PORT": 3000})),
        [f"{F}.settings.server.HTTP_PORT: is derived from {F}.routes[0]; change it there instead (got: 3000)"],
        id="settings-override-http-port",
    ),
    pytest.param(
        put((f"{F}.settings.server", {"SSH_DOMAIN": "git.ncaq.net"})),
        [
            (
                f"{F}.settings.server.SSH_DOMAIN: is derived from {F}.routes[1]; change it there instead "
                "(got: 'git.ncaq.net')"
            )
        ],
        id="settings-override-ssh-domain",
    ),
    pytest.param(
        put((f"{A}.settings", {"storage": {"path": "/elsewhere"}})),
        [f"{A}.settings.storage.path: is derived from {A}.stateDir; change it there instead (got: '/elsewhere')"],
        id="settings-override-atticd-storage",
    ),
    pytest.param(
        put((f"{A}.app", "generic"), (f"{A}.environmentFile", DELETE), (f"{A}.settings", {"listen": "[::]:8080"})),
        [
            (
                f"{A}.settings: is for the app presets; give a generic app's options under nixos "
                "(got: {'listen': '[::]:8080'})"
            )
        ],
        id="settings-on-generic-app",
    ),
    pytest.param(
        put((f"{A}.nixos", {"services": {"x": {"since": datetime.date(2025, 1, 1)}}})),
        [
            (
                f"{A}.nixos: services.x.since: date has no Nix value; quote it as a string "
                "(YAML reads 2025-01-01 as a date) (got: {'services': {'x': {'since': datetime.date(2025, 1, 1)}}})"
            )
        ],
        id="date-in-nixos-data",
    ),
    pytest.param(
        put((f"{A}.nixos", ["services.x.enable"])),
        [f"{A}.nixos: must be a mapping of NixOS option names to values (got: ['services.x.enable'])"],
        id="nixos-not-a-mapping",
    ),
    pytest.param(
        put((f"{A}.nixos", {"a": 2**63})),
        [f"{A}.nixos: a: 9223372036854775808 is outside Nix's 64-bit integers (got: {{'a': 9223372036854775808}})"],
        id="nixos-int-too-large",
    ),
    pytest.param(
        put((f"{A}.settings", {"a": "x\x00y"})),
        [f"{A}.settings: a: Nix strings cannot hold NUL characters or lone surrogates (got: {{'a': 'x\\x00y'}})"],
        id="settings-nul",
    ),
    pytest.param(
        put((f"{A}.nixos", {"\ud800": 1})),
        [f"{A}.nixos: mapping: keys must be non-empty strings (got '\\ud800') (got: {{'\\ud800': 1}})"],
        id="nixos-surrogate-key",
    ),
    pytest.param(
        put((f"{A}.nixos", {"a": float("nan")})),
        [f"{A}.nixos: a: NaN and infinity have no Nix value (got: {{'a': nan}})"],
        id="nixos-nan",
    ),
    pytest.param(
        put((f"{A}.postgresql", {"database": "cache"})),
        [
            (
                f"{A}.postgresql.database: must equal the user name (atticd): NixOS ensureDBOwnership gives a role "
                "only the database of its own name (got: 'cache')"
            )
        ],
        id="database-not-named-after-user",
    ),
    # -- missing keys -------------------------------------------------------------------
    pytest.param(put((f"{A}.user", DELETE)), [f"{A}.user: is required"], id="missing-user"),
    pytest.param(put((f"{A}.stateVersion", DELETE)), [f"{A}.stateVersion: is required"], id="missing-state-version"),
    pytest.param(put(("host", DELETE)), ["host: is required"], id="missing-host"),
    pytest.param(put((f"{A}.routes[0].port", DELETE)), [f"{A}.routes[0].port: is required"], id="missing-port"),
    pytest.param(
        put(("containers", {})),
        ["containers: Dictionary should have at least 1 item after validation, not 0 (got: {})"],
        id="no-containers",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), CASES)
def test_invalid_config(mutation: Mutation, expected: list[str]) -> None:
    assert report_lines(mutation) == expected


def test_there_are_at_least_40_cases() -> None:
    assert len(CASES) >= 40
    assert len({p.id for p in CASES}) == len(CASES)


def test_seed_site_is_valid() -> None:
    site = site_from_data(seed_site(), SOURCE)
    assert [c.name for c in site.containers] == ["atticd", "forgejo"]
    assert site.warnings == ()


def test_all_errors_are_reported_at_once() -> None:
    data = seed_site()
    set_key(data, f"{A}.localAddress", "192.168.100.11")
    set_key(data, f"{A}.user.uid", 991)
    set_key(data, f"{A}.routes[0].port", 80)
    set_key(data, f"{F}.settings.server", {"DOMAIN": "x.ncaq.net"})
    with pytest.raises(ConfigError) as info:
        site_from_data(data, SOURCE)
    assert str(info.value).splitlines() == [
        f"4 errors in {SOURCE}:",
        f"  {F}.localAddress: is already used by {A}.localAddress (got: '192.168.100.11')",
        f"  {F}.user.uid: is already used by {A}.user.uid; each container needs its own uid (got: 991)",
        f"  {A}.routes[0].port: is a privileged port (< 1024); services listen on 1024 or above (got: 80)",
        f"    Hint: use e.g. 8080, or set {A}.allowPrivilegedPorts: true",
        f"  {F}.settings.server.DOMAIN: is derived from {F}.routes[0]; change it there instead (got: 'x.ncaq.net')",
        f"{SOURCE} is invalid; nothing was changed.",
    ]


def test_all_pydantic_errors_are_reported_at_once() -> None:
    data = seed_site()
    set_key(data, f"{A}.routes[0].port", "8080")
    set_key(data, f"{F}.stateVersion", "unstable")
    set_key(data, "hosts", 1)
    with pytest.raises(ConfigError) as info:
        site_from_data(data, SOURCE)
    lines = str(info.value).splitlines()
    assert lines[0] == f"3 errors in {SOURCE}:"
    assert sorted(lines[1:-1]) == [
        f"  {A}.routes[0].port: Input should be a valid integer (got: '8080')",
        f"  {F}.stateVersion: must be a NixOS release such as '25.05' or '24.11' (got: 'unstable')",
        "  hosts: is not a known key (a typo?) (got: 1)",
    ]


# -- what the allow switches permit ---------------------------------------------------


def test_privileged_port_allowed_with_allow_privileged_ports() -> None:
    data = seed_site()
    set_key(data, f"{A}.routes[0].port", 80)
    set_key(data, f"{A}.allowPrivilegedPorts", True)
    site = site_from_data(data, SOURCE)
    assert site.container("atticd").routes[0].service == "http://192.168.100.21:80"


@pytest.mark.parametrize("host_path", ["/boot", "/nix/store", "/root", "/var/lib/nixos-containers/other"])
def test_sensitive_mount_allowed_with_allow_sensitive(host_path: str) -> None:
    data = seed_site()
    set_key(data, f"{A}.bindMounts", [{"path": "/host", "hostPath": host_path, "allowSensitive": True}])
    mounts = site_from_data(data, SOURCE).container("atticd").mounts
    assert [(m.path, m.host_path, m.read_only) for m in mounts if m.path == "/host"] == [("/host", host_path, True)]


# -- the 11-character rule is a warning -----------------------------------------------


def test_long_container_name_is_a_warning_not_an_error() -> None:
    data = seed_site()
    rename_container(data, "atticd", "atticd-cache")  # 12 characters
    site = site_from_data(data, SOURCE)
    assert site.warnings == (
        (
            "containers.atticd-cache: name is longer than 11 characters; with privateNetwork its veth "
            "name needs a Linux kernel newer than 5.8 (nixpkgs#38509)"
        ),
    )
    assert [c.name for c in site.containers] == ["atticd-cache", "forgejo"]


def test_eleven_character_name_has_no_warning() -> None:
    data = seed_site()
    rename_container(data, "atticd", "atticd-nixc")  # 11 characters
    assert site_from_data(data, SOURCE).warnings == ()


def test_63_character_name_is_valid() -> None:
    data = seed_site()
    rename_container(data, "atticd", "a" * 63)
    site = site_from_data(data, SOURCE)
    assert len(site.warnings) == 1
    assert "a" * 63 in [c.name for c in site.containers]


# -- the file loader ------------------------------------------------------------------


def _load(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_stack(config_file=path)
    lines = str(info.value).splitlines()
    assert lines[-1] == f"{path} is invalid; nothing was changed."
    return [line.replace(str(path), "FILE") for line in lines[:-1]]


def test_empty_file(tmp_path: Path) -> None:
    assert _load(tmp_path, "") == [
        "1 error in FILE:",
        "  config: is missing: the file is empty",
        "    Hint: start from stacks/Pulumi.dev.yaml; the site goes under config: nixedge:site:",
    ]


def test_not_valid_yaml(tmp_path: Path) -> None:
    assert _load(tmp_path, "config:\n  nixedge:site: [\n") == [
        "1 error in FILE:",
        "  FILE: is not valid YAML at line 3, column 1: expected the node content, but found '<stream end>'",
    ]


def test_yaml_that_is_not_a_mapping(tmp_path: Path) -> None:
    assert _load(tmp_path, "- config\n- nixedge:site\n") == [
        "1 error in FILE:",
        "  <root>: must be a mapping with a `config` key (got: ['config', 'nixedge:site'])",
    ]


def test_site_key_missing(tmp_path: Path) -> None:
    assert _load(tmp_path, "config:\n  nixedge:other: 1\n") == [
        "1 error in FILE:",
        "  config.nixedge:site: is missing",
        "    Hint: the site goes under config: nixedge:site: (see stacks/Pulumi.dev.yaml)",
    ]


def test_site_that_is_not_a_mapping(tmp_path: Path) -> None:
    assert _load(tmp_path, "config:\n  nixedge:site: [1, 2]\n") == [
        "1 error in FILE:",
        "  nixedge:site: must be a mapping with host, network and containers (got: [1, 2])",
    ]


def test_yaml_date_and_unquoted_version_from_file(tmp_path: Path) -> None:
    seminar = Path(__file__).resolve().parents[1] / "stacks" / "Pulumi.seminar.yaml"
    text = seminar.read_text(encoding="utf-8").replace('stateVersion: "25.05"', "stateVersion: 25.05", 1)
    text += "        nixos:\n          services:\n            foo:\n              since: 2025-01-01\n"
    assert _load(tmp_path, text) == [
        "2 errors in FILE:",
        (
            "  containers.atticd.nixos: services.foo.since: date has no Nix value; quote it as a string "
            "(YAML reads 2025-01-01 as a date) (got: {'services': {'foo': {'since': datetime.date(2025, 1, 1)}}})"
        ),
        "  containers.forgejo.stateVersion: Input should be a valid string (got: 25.05)",
    ]


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.none.yaml"
    with pytest.raises(ConfigError) as info:
        load_stack(config_file=path)
    assert str(info.value).splitlines()[1] == f"  {path}: cannot be read: No such file or directory"


@pytest.mark.parametrize(
    ("host_path", "key", "path"),
    [
        ("/etc", "host.target.path", "/etc/nixos/nixedge"),
        ("/etc/nixos", "host.target.path", "/etc/nixos/nixedge"),
        ("/var/lib/nixedge", "host.secretsDir", "/var/lib/nixedge/secrets"),
    ],
)
def test_nixedge_paths_stay_out_even_with_allow_sensitive(host_path: str, key: str, path: str) -> None:
    """No override lets a container see the tunnel credentials or the modules the host activates."""
    lines = report_lines(put((f"{A}.bindMounts", [{"path": "/host", "hostPath": host_path, "allowSensitive": True}])))
    assert len(lines) == 1 and lines[0].startswith(f"{A}.bindMounts[0].hostPath: reaches {key} ({path}): "), lines
