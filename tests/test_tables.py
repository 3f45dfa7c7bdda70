"""Every entry of the guard tables has a case of its own, and a table entry without one
fails a test.

Each table (the sensitive host paths, the fixed symlinks, the /etc directories, the
container's own paths, the places for nixedge's directories, the devices, the
systemd-nspawn flags, the host's accounts and commands, YAML 1.1's booleans, the unit
types) gets two tests:

- the hand-written cases: a literal example per entry, each through `check` (the model,
  `site_from_data`) with its exact message. Dropping an entry from the table makes its
  example pass, so its case fails;
- a meta-test: every entry of the table has a hand-written example. Dropping a case (or
  adding an entry without one) fails it. Parametrizing over the table alone would not
  do: a dropped entry silently drops its own test.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from components.model import paths, podman, site_from_data
from components.model.checks import identities, nspawn
from components.stackfile.stack_yaml import Refused, read_yaml
from components.stackfile.yaml_scalars import _YAML11_FALSE, _YAML11_TRUE
from tests.model_cases import HOMELAB, SEED, VPN, A, err, homelab_lines, multiservice_site, seed_lines
from tests.site_mutations import put, seed_site, set_key

SENSITIVE = "is a sensitive host path; mounting it gives the container power over the host"
NARROWER = f"mount a narrower path, or set {A}.bindMounts[0].allowSensitive: true"
ETC_DIR = "is a directory of /etc on a NixOS host, not one file: a container may read a single file there"
ETC_DIR_HINT = "mount the one file of it the container reads"
TARGET = "is a path the container's own NixOS provides; mounting over it replaces its system"
OWN_PLACE = "mount it somewhere of its own, e.g. /srv/<name> or /var/lib/<app>"
KEEP_SECRETS_DIR = "keep the default, /var/lib/nixedge/secrets"


def via(path: str) -> str:
    real = paths.resolve(path)
    return f" ({path} is {real} on a NixOS host)" if real != path else ""


def missing(table: Iterable[str], examples: dict[str, Any]) -> list[str]:
    """Entries of `table` without a hand-written example, and examples of no entry."""
    entries = set(table)
    return sorted((entries - set(examples)) | (set(examples) - entries))


def within(expected: list[str], lines: list[str]) -> bool:
    """Whether the lines of one issue are among the report's (a wide path may reach more)."""
    n = len(expected)
    return any(lines[i : i + n] == expected for i in range(len(lines) - n + 1))


def bind_mount(host_path: str) -> list[str]:
    """The report of atticd mounting `host_path` read-only at /srv/in."""
    return seed_lines(put((f"{A}.bindMounts", [{"path": "/srv/in", "hostPath": host_path}])))


# -- sensitive trees: entry -> a path at or below it that a stack might name ---------------
SENSITIVE_TREE_EXAMPLES = {
    "/nix": "/nix/store/abc-atticd",
    "/boot": "/boot/loader",
    "/proc": "/proc/1/environ",
    "/sys": "/sys/fs/cgroup",
    "/dev": "/dev/shm",
    "/root": "/root/.ssh",
    "/home": "/home/alice",
    "/etc/static": "/etc/static/ssh",
    "/run/current-system": "/run/current-system/sw",
    "/run/booted-system": "/run/booted-system",
    "/etc/nixos": "/etc/nixos/configuration.nix",
    "/etc/ssh": "/etc/ssh/ssh_host_ed25519_key",
    "/etc/sudoers.d": "/etc/sudoers.d",
    "/etc/pam.d": "/etc/pam.d/sshd",
    "/etc/security": "/etc/security/limits.conf",
    "/etc/systemd": "/etc/systemd/system",
    "/etc/nix": "/etc/nix/nix.conf",
    "/etc/wireguard": "/etc/wireguard/wg0.key",
    "/etc/ssl/private": "/etc/ssl/private/host.key",
    "/etc/NetworkManager/system-connections": "/etc/NetworkManager/system-connections/wifi.nmconnection",
    "/var/lib/nixos": "/var/lib/nixos/uid-map",
    "/var/lib/nixos-containers": "/var/lib/nixos-containers/forgejo",
    "/var/lib/machines": "/var/lib/machines",
    "/var/lib/systemd": "/var/lib/systemd/random-seed",
    "/var/lib/nixedge": "/var/lib/nixedge",
    "/run/nixedge": "/run/nixedge/postgres",
    "/var/lib/private": "/var/lib/private/uptime-kuma",
    "/var/cache/private": "/var/cache/private/app",
    "/var/log/private": "/var/log/private/app",
    "/var/lib/postgresql": "/var/lib/postgresql/16",
    "/run/secrets.d": "/run/secrets.d/1",
    "/run/secrets-for-users": "/run/secrets-for-users",
    "/run/secrets-for-users.d": "/run/secrets-for-users.d/1/alice-password",
    "/var/lib/sops-nix": "/var/lib/sops-nix/key.txt",
    "/run/agenix.d": "/run/agenix.d/2",
    "/var/lib/tailscale": "/var/lib/tailscale/tailscaled.state",
    "/run/tailscale": "/run/tailscale/tailscaled.sock",
    "/run/libpod": "/run/libpod",
    "/var/lib/docker": "/var/lib/docker/volumes",
    "/run/docker": "/run/docker/plugins",
    "/run/libvirt": "/run/libvirt/libvirt-sock",
    "/var/lib/libvirt": "/var/lib/libvirt/images/vm.qcow2",
    "/var/lib/incus": "/var/lib/incus/unix.socket",
    "/var/lib/lxd": "/var/lib/lxd/unix.socket",
    "/run/containerd": "/var/run/containerd/containerd.sock",
    "/run/wrappers": "/run/wrappers/bin/sudo",
    "/run/systemd": "/run/systemd/private",
    "/run/dbus": "/var/run/dbus/system_bus_socket",
    "/run/user": "/run/user/1000",
    "/run/credentials": "/run/credentials/sshd.service",
}
# -- sensitive exact paths: the path itself; a child of most of them is fine ---------------
SENSITIVE_PATH_EXAMPLES = {p: p for p in sorted(paths.SENSITIVE_PATHS)} | {
    "/run": "/var/run",
    "/run/lock": "/var/lock",
}
# The hand-written list of the exact paths: the keys above come from the table, so this
# list is what catches an entry dropped from SENSITIVE_PATHS.
SENSITIVE_PATHS_EXPECTED = [
    "/", "/etc", "/var", "/var/lib", "/var/log", "/run", "/run/lock", "/usr", "/bin", "/sbin", "/lib",
    "/lib64", "/srv", "/mnt", "/tmp", "/opt", "/etc/shadow", "/etc/gshadow", "/etc/passwd", "/etc/group",
    "/etc/subuid", "/etc/subgid", "/etc/sudoers", "/etc/machine-id", "/etc/krb5.keytab", "/run/secrets",
    "/run/agenix", "/run/keys",
]  # fmt: skip


@pytest.mark.parametrize(("entry", "path"), sorted(SENSITIVE_TREE_EXAMPLES.items()))
def test_sensitive_tree_entry_refused_by_check(entry: str, path: str) -> None:
    assert paths.contains(entry, paths.resolve(path))
    assert bind_mount(path) == err(f"{A}.bindMounts[0].hostPath", SENSITIVE + via(path), path, NARROWER)


@pytest.mark.parametrize(("entry", "path"), sorted(SENSITIVE_PATH_EXAMPLES.items()))
def test_sensitive_path_entry_refused_by_check(entry: str, path: str) -> None:
    assert paths.resolve(path) == entry
    assert within(err(f"{A}.bindMounts[0].hostPath", SENSITIVE + via(path), path, NARROWER), bind_mount(path))


def test_every_sensitive_entry_has_a_case() -> None:
    assert missing(paths.SENSITIVE_TREES, SENSITIVE_TREE_EXAMPLES) == []
    assert sorted(paths.SENSITIVE_PATHS) == sorted(SENSITIVE_PATHS_EXPECTED)


def test_no_sensitive_entry_hides_below_another() -> None:
    """An entry below another is never what refuses its example: dropping it would pass unseen."""
    trees = paths.SENSITIVE_TREES
    assert [(a, b) for a in trees for b in trees if a != b and paths.contains(a, b)] == []
    assert [(t, p) for t in trees for p in paths.SENSITIVE_PATHS if paths.contains(t, p)] == []


@pytest.mark.parametrize(
    "path",
    ["/run/secrets/runner-token", "/run/agenix/garage-rpc", "/run/keys/one", "/var/lib/postgresql-backup/x"],
)
def test_one_secret_below_a_providers_directory_is_not_sensitive(path: str) -> None:
    assert not paths.sensitive(path)


# -- Podman's control plane (components/model/podman.py): not even allowSensitive opens it ---
CONTROL_PLANE_EXAMPLES = {
    "/run/podman": "/run/podman/podman.sock",
    "/run/docker.sock": "/var/run/docker.sock",
    "/var/lib/containers": "/var/lib/containers/storage/overlay",
    "/run/containers": "/run/containers/0/auth.json",
    "/etc/containers": "/etc/containers/policy.json",
    "/var/lib/cni": "/var/lib/cni/networks",
    "/run/netavark.lock": "/run/netavark.lock",
}


@pytest.mark.parametrize(("tree", "path"), sorted(CONTROL_PLANE_EXAMPLES.items()))
@pytest.mark.parametrize("allow", [False, True], ids=["plain", "allowSensitive"])
def test_podman_control_plane_entry_refused_by_check(tree: str, path: str, allow: bool) -> None:
    what = dict(podman.CONTROL_PLANE)[tree]
    mount = {"path": "/srv/in", "hostPath": path, **({"allowSensitive": True} if allow else {})}
    lines = seed_lines(put((f"{A}.bindMounts", [mount])))
    why = f"reaches {what} ({tree}): Podman runs as root, so a workload that sees it is root on the host"
    assert within(err(f"{A}.bindMounts[0].hostPath", why + via(path), path), lines)


def test_every_control_plane_entry_has_a_case() -> None:
    assert missing(dict(podman.CONTROL_PLANE), CONTROL_PLANE_EXAMPLES) == []


# -- the fixed symlinks of every NixOS host -------------------------------------------------
SYMLINK_EXAMPLES = {
    "/var/run": ("/var/run/secrets", "/run/secrets"),
    "/var/lock": ("/var/lock", "/run/lock"),
    "/etc/mtab": ("/etc/mtab", "/proc/mounts"),
}


@pytest.mark.parametrize(("link", "example"), sorted(SYMLINK_EXAMPLES.items()))
def test_symlink_entry_followed(link: str, example: tuple[str, str]) -> None:
    path, real = example
    assert paths.resolve(path) == real
    assert seed_lines(put((f"{A}.environmentFile", path))) == err(
        f"{A}.environmentFile",
        SENSITIVE + f" ({path} is {real} on a NixOS host)",
        path,
        "name the one file the container reads, e.g. /run/secrets/<name> or /etc/<app>.env",
    )


def test_every_symlink_has_a_case() -> None:
    assert missing(paths.NIXOS_SYMLINKS, SYMLINK_EXAMPLES) == []


# -- /etc directories: read-only, still refused ---------------------------------------------
ETC_DIRECTORY_EXAMPLES = [
    "/etc/ssl", "/etc/ssl/certs", "/etc/pki", "/etc/profile.d", "/etc/modprobe.d",
    "/etc/modules-load.d", "/etc/sysctl.d", "/etc/tmpfiles.d", "/etc/udev", "/etc/dbus-1", "/etc/polkit-1",
    "/etc/xdg", "/etc/default", "/etc/NetworkManager", "/etc/wpa_supplicant",
]  # fmt: skip


@pytest.mark.parametrize("path", ETC_DIRECTORY_EXAMPLES)
def test_etc_directory_refused_read_only(path: str) -> None:
    assert bind_mount(path) == err(f"{A}.bindMounts[0].hostPath", ETC_DIR, path, ETC_DIR_HINT)


def test_every_etc_directory_has_a_case() -> None:
    assert sorted(paths.ETC_DIRECTORIES) == sorted(ETC_DIRECTORY_EXAMPLES)


@pytest.mark.parametrize("path", ["/etc/ssl/certs/ca-certificates.crt", "/etc/atticd.env", "/etc/containers.env"])
def test_one_file_of_an_etc_directory_passes(path: str) -> None:
    data = seed_site()
    set_key(data, f"{A}.bindMounts", [{"path": "/srv/in", "hostPath": path}])
    mounts = site_from_data(data, SEED).container("atticd").mounts
    assert ("/srv/in", path, True) in {(m.path, m.host_path, m.read_only) for m in mounts}


# -- the container's own system: mount points -----------------------------------------------
TARGET_EXAMPLES = {
    "/nix": "/nix/store", "/proc": "/proc/sys", "/sys": "/sys", "/dev": "/dev/net", "/etc/static": "/etc/static",
    "/etc/systemd": "/etc/systemd/network", "/etc/pam.d": "/etc/pam.d", "/run/current-system": "/run/current-system",
    "/run/booted-system": "/run/booted-system/sw", "/run/wrappers": "/run/wrappers/bin", "/run/systemd": "/run/systemd",
}  # fmt: skip
TARGET_PATHS_EXPECTED = [
    "/", "/etc", "/run", "/var", "/var/lib", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/boot", "/tmp", "/root",
    "/etc/shadow", "/etc/gshadow", "/etc/passwd", "/etc/group", "/etc/sudoers", "/etc/machine-id",
]  # fmt: skip


@pytest.mark.parametrize("target", sorted(TARGET_EXAMPLES.values()) + TARGET_PATHS_EXPECTED)
def test_target_entry_refused_by_check(target: str) -> None:
    lines = seed_lines(put((f"{A}.bindMounts", [{"path": target, "hostPath": "/srv/in"}])))
    assert within(err(f"{A}.bindMounts[0].path", TARGET, target, OWN_PLACE), lines)


def test_every_target_entry_has_a_case() -> None:
    assert missing(paths.TARGET_TREES, TARGET_EXAMPLES) == []
    assert sorted(paths.TARGET_PATHS) == sorted(TARGET_PATHS_EXPECTED)


# -- nixedge's own directories: host.secretsDir --------------------------------------------
SHARED_EXAMPLES = {
    "/nix": "/nix/var/nixedge", "/etc/static": "/etc/static/nixedge", "/run/current-system": "/run/current-system/x",
    "/run/booted-system": "/run/booted-system/x", "/dev": "/dev/nixedge", "/proc": "/proc/nixedge",
    "/sys": "/sys/nixedge", "/run/user": "/var/run/user/0/nixedge", "/boot": "/boot/nixedge",
    "/home": "/home/admin/nixedge",
}  # fmt: skip
WORLD_WRITABLE_EXAMPLES = {
    "/tmp": "/tmp/nixedge", "/var/tmp": "/var/tmp/nixedge", "/dev/shm": "/dev/shm/nixedge",
    "/run/lock": "/var/lock/nixedge",
}  # fmt: skip


def secrets_dir(path: str) -> list[str]:
    return seed_lines(put(("host.secretsDir", path)))


@pytest.mark.parametrize(("tree", "path"), sorted(SHARED_EXAMPLES.items()))
def test_shared_tree_refused_as_secrets_dir(tree: str, path: str) -> None:
    why = f"is in {tree}, which NixOS or another owner keeps: no private place for nixedge's files"
    assert secrets_dir(path) == err("host.secretsDir", why + via(path), path, KEEP_SECRETS_DIR)


@pytest.mark.parametrize(("tree", "path"), sorted(WORLD_WRITABLE_EXAMPLES.items()))
def test_world_writable_tree_refused_as_secrets_dir(tree: str, path: str) -> None:
    why = f"is in {tree}, where every user of the host may plant files before nixedge writes"
    assert secrets_dir(path) == err("host.secretsDir", why + via(path), path, KEEP_SECRETS_DIR)


@pytest.mark.parametrize("path", ["/var/lock", "/var/run", "/tmp", "/run/lock", "/run"])
def test_world_writable_or_system_directory_itself_refused_as_secrets_dir(path: str) -> None:
    """The issue's escapees: /var/lock and /var/run are /run/lock and /run on a NixOS host."""
    why = "is a system directory, not one of nixedge's own"
    assert within(err("host.secretsDir", why + via(path), path, KEEP_SECRETS_DIR), secrets_dir(path))


def test_every_place_for_nixedge_has_a_case() -> None:
    assert missing(paths.SHARED_TREES, SHARED_EXAMPLES) == []
    assert missing(paths.WORLD_WRITABLE, WORLD_WRITABLE_EXAMPLES) == []


# -- devices ------------------------------------------------------------------------------
ALLOWED_DEVICE_EXAMPLES = {
    "/dev/net/tun": "/dev/net/tun", "/dev/fuse": "/dev/fuse", "/dev/kvm": "/dev/kvm",
    "/dev/vhost-net": "/dev/vhost-net", "/dev/dri/card*": "/dev/dri/card0", "/dev/dri/renderD*": "/dev/dri/renderD128",
    "/dev/ttyUSB*": "/dev/ttyUSB0", "/dev/ttyACM*": "/dev/ttyACM1",
    "/dev/serial/by-id/*": "/dev/serial/by-id/usb-zigbee",
    "/dev/video*": "/dev/video0", "/dev/snd/*": "/dev/snd/pcmC0D0p", "/dev/bus/usb/*/*": "/dev/bus/usb/001/004",
    "/dev/null": "/dev/null", "/dev/zero": "/dev/zero", "/dev/full": "/dev/full", "/dev/random": "/dev/random",
    "/dev/urandom": "/dev/urandom",
}  # fmt: skip
HOST = "is the host's memory, kernel log or a disk; a container with it controls the host"
DISK_HINT = "bind-mount a file system the host mounts instead"
# Each family of HOST_DEVICES (by its message's start) with examples: the among them.
HOST_DEVICE_EXAMPLES = {
    0: ["/dev/mem", "/dev/kmem", "/dev/port", "/dev/kmsg"],
    1: ["/dev/mapper/root", "/dev/disk/by-id/ata-x"],
    2: ["/dev/sda", "/dev/nvme0n1", "/dev/loop0", "/dev/dm-0", "/dev/zd0", "/dev/vda1", "/dev/sr0"],
    3: ["/dev/sg0", "/dev/sg12", "/dev/bsg/0.0.0.0"],
    4: ["/dev/cpu/0/msr", "/dev/cpu/3/cpuid", "/dev/cpu/microcode"],
    5: ["/dev/watchdog", "/dev/watchdog0"],
    6: ["/dev/uinput", "/dev/input/event0", "/dev/tty1", "/dev/console", "/dev/vcsa1"],
    7: ["/dev/zram0", "/dev/zram1"],
}
NOT_ALLOWED = "is not a device nixedge lets a container have; allowed: " + ", ".join(nspawn.ALLOWED_DEVICES)


def device(node: str) -> list[str]:
    return homelab_lines(put((f"{VPN}.allowedDevices", [{"node": node, "modifier": "rw"}])))


@pytest.mark.parametrize("node", sorted(ALLOWED_DEVICE_EXAMPLES.values()))
def test_allowed_device_passes(node: str) -> None:
    data = multiservice_site()
    set_key(data, f"{VPN}.allowedDevices", [{"node": node, "modifier": "rw"}])
    assert site_from_data(data, HOMELAB).container("vpn").isolation.allowed_devices == ((node, "rw"),)


@pytest.mark.parametrize(
    ("family", "node"), [(f, node) for f, nodes in sorted(HOST_DEVICE_EXAMPLES.items()) for node in nodes]
)
def test_host_device_family_refused(family: int, node: str) -> None:
    what = nspawn.HOST_DEVICES[family][1]
    assert device(node) == err(f"{VPN}.allowedDevices[0].node", what, node, DISK_HINT if "disk" in what else None)


@pytest.mark.parametrize(
    "node", ["/dev/hidraw0", "/dev/ttyS0", "/dev/hwrng", "/dev/tpm0", "/dev/sgx_enclave", "/dev/vfio/vfio",
             "/dev/nvram", "/dev/dri", "/dev/bus/usb/001", "/dev/snd", "/dev/net/tun/x", "/dev/shm"]
)  # fmt: skip
def test_device_outside_the_allowlist_refused(node: str) -> None:
    assert device(node) == err(f"{VPN}.allowedDevices[0].node", NOT_ALLOWED, node)


def test_every_device_entry_has_a_case() -> None:
    assert missing(nspawn.ALLOWED_DEVICES, ALLOWED_DEVICE_EXAMPLES) == []
    assert sorted(HOST_DEVICE_EXAMPLES) == list(range(len(nspawn.HOST_DEVICES)))
    # Each family's examples are refused by that family, not an earlier one.
    for family, nodes in HOST_DEVICE_EXAMPLES.items():
        for node in nodes:
            first = next(i for i, (pattern, _) in enumerate(nspawn.HOST_DEVICES) if pattern.fullmatch(node))
            assert first == family, node


# -- systemd-nspawn flags -----------------------------------------------------------------
REFUSED_FLAG_EXAMPLES = {
    "bind": "--bind=/srv/a:/a", "bind-ro": "--bind-ro=/etc:/host-etc", "overlay": "--overlay=/a:/b:/c",
    "overlay-ro": "--overlay-ro=/a:/b:/c", "bind-user": "--bind-user=alice", "bind-user-shell": "--bind-user-shell=yes",
    "image": "--image=/dev/sda", "template": "--template=/var/lib/machines/t", "oci-bundle": "--oci-bundle=/srv/b",
    "verity-data": "--verity-data=/srv/v", "root-hash-sig": "--root-hash-sig=/srv/s",
    "load-credential": "--load-credential=k:/etc/shadow", "forward-journal": "--forward-journal=/var/log/j",
    "set-credential": "--set-credential=k:secret", "private-users-ownership": "--private-users-ownership=chown",
    "private-users-delegate": "--private-users-delegate=2", "network-interface": "--network-interface=eth0",
    "network-macvlan": "--network-macvlan=eth0", "network-ipvlan": "--network-ipvlan=eth0",
    "network-veth-extra": "--network-veth-extra=a:b", "network-zone": "--network-zone=z",
    "property": "--property=DeviceAllow=/dev/sda", "slice": "--slice=system.slice", "boot": "--boot",
}  # fmt: skip
SAFE_FLAG_EXAMPLES = {
    "drop-capability": "--drop-capability=CAP_SYS_CHROOT", "ambient-capability": "--ambient-capability=CAP_NET_RAW",
    "no-new-privileges": "--no-new-privileges=yes", "read-only": "--read-only", "rlimit": "--rlimit=RLIMIT_NOFILE=4096",
    "oom-score-adjust": "--oom-score-adjust=100", "cpu-affinity": "--cpu-affinity=0-1",
    "personality": "--personality=x86",
    "hostname": "--hostname=vpn", "timezone": "--timezone=off", "resolv-conf": "--resolv-conf=off",
    "kill-signal": "--kill-signal=SIGRTMIN+3", "setenv": "--setenv=A=b", "chdir": "--chdir=/srv", "user": "--user=root",
    "console": "--console=passive", "suppress-sync": "--suppress-sync=yes", "volatile": "--volatile=state",
    "uuid": "--uuid=0123456789abcdef0123456789abcdef", "settings": "--settings=no", "register": "--register=no",
    "quiet": "--quiet", "pivot-root": "--pivot-root=/sysroot",
}  # fmt: skip
TARGET_FLAG_EXAMPLES = {"tmpfs": ("--tmpfs=/var/cache/vpn", "--tmpfs=/nix"),
                        "inaccessible": ("--inaccessible=/srv/private", "--inaccessible=/proc/sys")}  # fmt: skip


def flag_lines(flag: str) -> list[str]:
    return homelab_lines(put((f"{VPN}.extraFlags", [flag])))


def flag_passes(flag: str) -> bool:
    data = multiservice_site()
    set_key(data, f"{VPN}.extraFlags", [flag])
    return site_from_data(data, HOMELAB).container("vpn").isolation.extra_flags == (flag,)


@pytest.mark.parametrize(("name", "flag"), sorted(REFUSED_FLAG_EXAMPLES.items()))
def test_refused_flag_entry(name: str, flag: str) -> None:
    message, hint = nspawn.REFUSED[name]
    assert flag_lines(flag) == err(f"{VPN}.extraFlags[0]", message, flag, hint)


@pytest.mark.parametrize(("name", "flag"), sorted(SAFE_FLAG_EXAMPLES.items()))
def test_safe_flag_entry_passes(name: str, flag: str) -> None:
    assert flag_passes(flag)


@pytest.mark.parametrize(("name", "flags"), sorted(TARGET_FLAG_EXAMPLES.items()))
def test_target_flag_entry(name: str, flags: tuple[str, str]) -> None:
    good, bad = flags
    assert flag_passes(good)
    target = bad.partition("=")[2]
    assert flag_lines(bad) == err(f"{VPN}.extraFlags[0]", f"{target} {TARGET}", bad)


def test_every_flag_entry_has_a_case() -> None:
    assert missing(nspawn.REFUSED, REFUSED_FLAG_EXAMPLES) == []
    assert missing(nspawn.SAFE, SAFE_FLAG_EXAMPLES) == []
    assert missing(nspawn.TARGETS, TARGET_FLAG_EXAMPLES) == []


# -- the host's accounts (nixpkgs ids.nix and the modules every host runs) -------------------
ACCOUNT_HINT = "give the service an account of its own, e.g. 'atticd'"
ID_HINT = "pick a free system id below 1000, such as 991"
SYSTEM_NAME = "is an account every NixOS host has; the service would merge with it and share its powers"
SYSTEM_GROUPS_EXPECTED = {
    "wheel": 1, "kmem": 2, "tty": 3, "messagebus": 4, "disk": 6, "audio": 17, "floppy": 18, "uucp": 19,
    "lp": 20, "cdrom": 24, "tape": 25, "video": 26, "dialout": 27, "utmp": 29, "adm": 55,
    "systemd-journal": 62, "keys": 96, "users": 100, "systemd-network": 152, "systemd-resolve": 153,
    "systemd-timesync": 154, "input": 174, "kvm": 302, "render": 303, "sgx": 304, "shadow": 318,
    "uinput": 327, "nixbld": 30000,
}  # fmt: skip
SYSTEM_USERS_EXPECTED = {
    "messagebus": 4, "polkituser": 28, "systemd-coredump": 151, "systemd-network": 152,
    "systemd-resolve": 153, "systemd-timesync": 154,
}  # fmt: skip
DYNAMIC_EXPECTED = ["sshd", "nscd", "systemd-oom", "nixbld"]
PODMAN_ACCOUNTS_EXPECTED = ["podman", "docker"]
PODMAN_GROUP = "names Podman's group on the host (it owns Podman's socket): the service would run containers as root"


def user_lines(**user: Any) -> list[str]:
    return seed_lines(put(*((f"{A}.user.{k}", v) for k, v in user.items())))


@pytest.mark.parametrize("group", sorted(SYSTEM_GROUPS_EXPECTED))
def test_system_group_name_refused(group: str) -> None:
    assert user_lines(group=group) == err(f"{A}.user.group", SYSTEM_NAME, group, ACCOUNT_HINT)


@pytest.mark.parametrize(("group", "gid"), sorted(SYSTEM_GROUPS_EXPECTED.items()))
def test_system_gid_refused(group: str, gid: int) -> None:
    if 30000 <= gid <= 31000:
        why = "is in 30000-31000, the ids of NixOS's build users (nixbld)"
    else:
        why = f"is {gid}, the gid of {group}, an account every NixOS host has"
    assert user_lines(gid=gid) == err(f"{A}.user.gid", why, gid, ID_HINT)


@pytest.mark.parametrize(("user", "uid"), sorted(SYSTEM_USERS_EXPECTED.items()))
def test_system_user_refused(user: str, uid: int) -> None:
    lines = user_lines(name=user, uid=uid)
    assert err(f"{A}.user.name", SYSTEM_NAME, user, ACCOUNT_HINT)[0] in lines
    assert f"{A}.user.uid: is {uid}, the uid of {user}, an account every NixOS host has (got: {uid})" in lines


@pytest.mark.parametrize("name", DYNAMIC_EXPECTED)
def test_dynamic_account_refused(name: str) -> None:
    assert user_lines(group=name) == err(f"{A}.user.group", SYSTEM_NAME, name, ACCOUNT_HINT)


@pytest.mark.parametrize("name", PODMAN_ACCOUNTS_EXPECTED)
def test_podman_account_refused(name: str) -> None:
    assert user_lines(group=name) == err(f"{A}.user.group", PODMAN_GROUP, name, ACCOUNT_HINT)


@pytest.mark.parametrize(
    ("uid", "why"),
    [
        (30000, "is in 30000-31000, the ids of NixOS's build users (nixbld)"),
        (31000, "is in 30000-31000, the ids of NixOS's build users (nixbld)"),
        (61184, "is in 61184-65519, the ids of systemd's DynamicUser"),
        (65519, "is in 61184-65519, the ids of systemd's DynamicUser"),
        (65535, "is 65535, the error value of 16-bit uid_t, which tools read as 'no id'"),
    ],
)
def test_reserved_range_edges_refused(uid: int, why: str) -> None:
    assert user_lines(uid=uid) == err(f"{A}.user.uid", why, uid, ID_HINT)


@pytest.mark.parametrize("uid", [29999, 31001, 61183, 65520])
def test_just_outside_reserved_ranges_passes(uid: int) -> None:
    data = seed_site()
    set_key(data, f"{A}.user.uid", uid)
    assert site_from_data(data, SEED).container("atticd").user.uid == uid


def test_every_account_entry_has_a_case() -> None:
    assert identities.SYSTEM_GROUPS == SYSTEM_GROUPS_EXPECTED
    assert identities.SYSTEM_USERS == SYSTEM_USERS_EXPECTED
    assert sorted(identities.DYNAMIC_NAMES) == sorted(DYNAMIC_EXPECTED)
    assert sorted(podman.ACCOUNTS) == sorted(PODMAN_ACCOUNTS_EXPECTED)
    assert [r[:2] for r in identities.RESERVED_RANGES] == [(30000, 31000), (61184, 65519)]


HOST_COMMANDS_EXPECTED = [
    "nixos-container", "nixos-rebuild", "systemctl", "journalctl", "sudo", "su", "sh", "bash", "nix", "nix-env",
    "nix-shell", "ssh", "login", "passwd", "mount", "cloudflared", "psql", "machinectl",
]  # fmt: skip


@pytest.mark.parametrize("command", HOST_COMMANDS_EXPECTED)
def test_wrapper_shadowing_a_host_command_refused(command: str) -> None:
    lines = seed_lines(put((f"{A}.wrapper", command)))
    assert lines == [f"{A}.wrapper: would shadow the host's own {command} command on root's PATH (got: {command!r})"]


def test_every_host_command_has_a_case() -> None:
    assert sorted(identities.HOST_COMMANDS) == sorted(HOST_COMMANDS_EXPECTED)


# -- YAML 1.1 booleans -----------------------------------------------------------------------
YAML11_EXPECTED = {
    "yes": "true", "Yes": "true", "YES": "true", "on": "true", "On": "true", "ON": "true",
    "no": "false", "No": "false", "NO": "false", "off": "false", "Off": "false", "OFF": "false",
}  # fmt: skip


@pytest.mark.parametrize(("word", "reads_as"), sorted(YAML11_EXPECTED.items()))
def test_yaml11_boolean_refused(word: str, reads_as: str) -> None:
    with pytest.raises(Refused) as info:
        read_yaml(f"config:\n  a: {word}\n".encode())
    assert f"YAML 1.1 (PyYAML, many editors) reads {word} as {reads_as}, Pulumi as the text {word!r}" in str(info.value)
    assert read_yaml(f"config:\n  a: '{word}'\n".encode()) == {"config": {"a": word}}


def test_every_yaml11_boolean_has_a_case() -> None:
    assert set(YAML11_EXPECTED) == _YAML11_TRUE | _YAML11_FALSE
