"""The one path policy (components/model/paths.py): every host path a stack names, by
whatever key it arrives (bindMounts, stateDir, environmentFile, secrets' paths,
extraFlags, allowedDevices, host.secretsDir, host.target.path), is read as a NixOS host
reads it (normalised, /var/run and /var/lock followed to /run from a fixed table) and
refused when it would hand a container power over the host; mount points inside the
container may not replace what its own NixOS provides.

Each case mutates a valid site (tests/model_cases.py) and expects the exact lines of the
ConfigError report, `Hint:` lines included. The good inputs that must keep passing
(one file of /etc read-only, one secret below /run/agenix, safe nspawn flags) are at
the end.
"""

from __future__ import annotations

import pytest

from components.model import paths, site_from_data
from tests.model_cases import (
    HOMELAB,
    SEED,
    VPN,
    A,
    F,
    Lines,
    case,
    err,
    homelab_lines,
    multiservice_site,
    seed_lines,
)
from tests.site_mutations import Mutation, put, seed_site, set_key

SENSITIVE = "is a sensitive host path; mounting it gives the container power over the host"
STATE_SENSITIVE = "is a sensitive host path; use a directory of its own such as /var/lib/<app>"
TARGET = "is a path the container's own NixOS provides; mounting over it replaces its system"
IN_ETC = "is in /etc: a container may read a single file there, never write it"
NOT_DEVICE = "must be a device node under /dev, e.g. /dev/net/tun"
HOST_DEVICE = "is the host's memory, kernel log or a disk; a container with it controls the host"
MOUNTS = "mounts host paths past the path rules of bindMounts"
HOST_FILE = "reads or writes a file of the host that the path rules do not see"
NETWORK = "hands the container a network interface of the host; nixedge gives each container its own veth"
ONE_FILE = "name the one file the container reads, e.g. /run/secrets/<name> or /etc/<app>.env"
NARROWER = f"mount a narrower path, or set {A}.bindMounts[0].allowSensitive: true"
USE_BIND_MOUNTS = "use bindMounts, which checks the host path"
OWN_PLACE = "mount it somewhere of its own, e.g. /srv/<name> or /var/lib/<app>"
DISK_HINT = "bind-mount a file system the host mounts instead"
KEEP_SECRETS_DIR = "keep the default, /var/lib/nixedge/secrets"
KEEP_TARGET = "keep the default, /etc/nixos/nixedge"

seed = seed_lines
homelab = homelab_lines


def secret(path: str) -> Mutation:
    """Secret `k` at `path`, read by atticd."""
    return put(("secrets", {"k": {"provider": "agenix", "path": path}}), (f"{A}.secrets", ["k"]))


CASES = [
    case(
        "env-etc-shadow",
        seed,
        put((f"{A}.environmentFile", "/etc/shadow")),
        *err(f"{A}.environmentFile", SENSITIVE, "/etc/shadow", ONE_FILE),
    ),
    case(
        "env-etc-gshadow",
        seed,
        put((f"{A}.environmentFile", "/etc/gshadow")),
        *err(f"{A}.environmentFile", SENSITIVE, "/etc/gshadow", ONE_FILE),
    ),
    case(
        "env-etc-passwd",
        seed,
        put((f"{A}.environmentFile", "/etc/passwd")),
        *err(f"{A}.environmentFile", SENSITIVE, "/etc/passwd", ONE_FILE),
    ),
    case(
        "env-ssh-host-key",
        seed,
        put((f"{A}.environmentFile", "/etc/ssh/ssh_host_ed25519_key")),
        *err(f"{A}.environmentFile", SENSITIVE, "/etc/ssh/ssh_host_ed25519_key", ONE_FILE),
    ),
    case(
        "env-etc-nixos",
        seed,
        put((f"{A}.environmentFile", "/etc/nixos/secrets.env")),
        *err(f"{A}.environmentFile", SENSITIVE, "/etc/nixos/secrets.env", ONE_FILE),
    ),
    case(
        "env-var-run-secrets",
        seed,
        put((f"{A}.environmentFile", "/var/run/secrets")),
        *err(
            f"{A}.environmentFile",
            (
                "is a sensitive host path; mounting it gives the container power over the host "
                "(/var/run/secrets is /run/secrets on a NixOS host)"
            ),
            "/var/run/secrets",
            ONE_FILE,
        ),
    ),
    case(
        "env-run-agenix",
        seed,
        put((f"{A}.environmentFile", "/run/agenix")),
        *err(f"{A}.environmentFile", SENSITIVE, "/run/agenix", ONE_FILE),
    ),
    case(
        "env-nix-store",
        seed,
        put((f"{A}.environmentFile", "/nix/store/abc-atticd.env")),
        *err(f"{A}.environmentFile", SENSITIVE, "/nix/store/abc-atticd.env", ONE_FILE),
    ),
    case(
        "env-proc-environ",
        seed,
        put((f"{A}.environmentFile", "/proc/1/environ")),
        *err(f"{A}.environmentFile", SENSITIVE, "/proc/1/environ", ONE_FILE),
    ),
    case(
        "env-root-home",
        seed,
        put((f"{A}.environmentFile", "/root/.env")),
        *err(f"{A}.environmentFile", SENSITIVE, "/root/.env", ONE_FILE),
    ),
    case(
        "env-etc-static",
        seed,
        put((f"{A}.environmentFile", "/etc/static/atticd.env")),
        *err(f"{A}.environmentFile", SENSITIVE, "/etc/static/atticd.env", ONE_FILE),
    ),
    case(
        "env-current-system",
        seed,
        put((f"{A}.environmentFile", "/run/current-system/sw/etc/x")),
        *err(f"{A}.environmentFile", SENSITIVE, "/run/current-system/sw/etc/x", ONE_FILE),
    ),
    case(
        "env-nixedge-secrets",
        seed,
        put((f"{A}.environmentFile", "/var/lib/nixedge/secrets/cloudflared-seminar.json")),
        *err(f"{A}.environmentFile", SENSITIVE, "/var/lib/nixedge/secrets/cloudflared-seminar.json", ONE_FILE),
    ),
    case(
        "env-etc-itself",
        seed,
        put((f"{A}.environmentFile", "/etc")),
        *err(f"{A}.environmentFile", SENSITIVE, "/etc", ONE_FILE),
    ),
    case(
        "env-home",
        seed,
        put((f"{A}.environmentFile", "/home/alice/.env")),
        *err(f"{A}.environmentFile", SENSITIVE, "/home/alice/.env", ONE_FILE),
    ),
    case(
        "env-machine-id",
        seed,
        put((f"{A}.environmentFile", "/etc/machine-id")),
        *err(f"{A}.environmentFile", SENSITIVE, "/etc/machine-id", ONE_FILE),
    ),
    case(
        "env-sudoers",
        seed,
        put((f"{A}.environmentFile", "/etc/sudoers")),
        *err(f"{A}.environmentFile", SENSITIVE, "/etc/sudoers", ONE_FILE),
    ),
    case(
        "env-run-credentials",
        seed,
        put((f"{A}.environmentFile", "/run/credentials/sshd.service/key")),
        *err(f"{A}.environmentFile", SENSITIVE, "/run/credentials/sshd.service/key", ONE_FILE),
    ),
    case(
        "env-var-lock",
        seed,
        put((f"{A}.environmentFile", "/var/lock")),
        *err(
            f"{A}.environmentFile",
            (
                "is a sensitive host path; mounting it gives the container power over the host "
                "(/var/lock is /run/lock on a NixOS host)"
            ),
            "/var/lock",
            ONE_FILE,
        ),
    ),
    case(
        "secret-run-agenix",
        seed,
        secret("/run/agenix"),
        *err("secrets.k.path", SENSITIVE, "/run/agenix", ONE_FILE),
    ),
    case(
        "secret-run-secrets",
        seed,
        secret("/run/secrets"),
        *err("secrets.k.path", SENSITIVE, "/run/secrets", ONE_FILE),
    ),
    case(
        "secret-var-run-agenix",
        seed,
        secret("/var/run/agenix"),
        *err(
            "secrets.k.path",
            (
                "is a sensitive host path; mounting it gives the container power over the host "
                "(/var/run/agenix is /run/agenix on a NixOS host)"
            ),
            "/var/run/agenix",
            ONE_FILE,
        ),
    ),
    case(
        "secret-ssh-host-key",
        seed,
        secret("/etc/ssh/ssh_host_ed25519_key"),
        *err("secrets.k.path", SENSITIVE, "/etc/ssh/ssh_host_ed25519_key", ONE_FILE),
    ),
    case(
        "secret-etc-shadow",
        seed,
        secret("/etc/shadow"),
        *err("secrets.k.path", SENSITIVE, "/etc/shadow", ONE_FILE),
    ),
    case(
        "secret-nix-store",
        seed,
        secret("/nix/store/abc-key"),
        *err("secrets.k.path", SENSITIVE, "/nix/store/abc-key", ONE_FILE),
    ),
    case(
        "secret-run-keys",
        seed,
        secret("/run/keys"),
        *err("secrets.k.path", SENSITIVE, "/run/keys", ONE_FILE),
    ),
    case(
        "secret-agenix-generation",
        seed,
        secret("/run/agenix.d/3/garage-rpc"),
        *err("secrets.k.path", SENSITIVE, "/run/agenix.d/3/garage-rpc", ONE_FILE),
    ),
    case(
        "secret-sops-generation",
        seed,
        secret("/run/secrets.d/1/token"),
        *err("secrets.k.path", SENSITIVE, "/run/secrets.d/1/token", ONE_FILE),
    ),
    case(
        "secret-dev-disk",
        seed,
        secret("/dev/sda"),
        *err("secrets.k.path", SENSITIVE, "/dev/sda", ONE_FILE),
    ),
    case(
        "secret-boot",
        seed,
        secret("/boot/keyfile"),
        *err("secrets.k.path", SENSITIVE, "/boot/keyfile", ONE_FILE),
    ),
    case(
        "secret-root-ssh",
        seed,
        secret("/root/.ssh/id_ed25519"),
        *err("secrets.k.path", SENSITIVE, "/root/.ssh/id_ed25519", ONE_FILE),
    ),
    case(
        "secret-unused-run-agenix",
        seed,
        put(("secrets", {"k": {"provider": "sops-nix", "path": "/run/secrets"}})),
        *err("secrets.k.path", SENSITIVE, "/run/secrets", ONE_FILE),
    ),
    case(
        "flag-bind-root",
        seed,
        put((f"{A}.extraFlags", ["--bind=/:/host"])),
        *err(f"{A}.extraFlags[0]", MOUNTS, "--bind=/:/host", USE_BIND_MOUNTS),
    ),
    case(
        "flag-bind-ro-etc",
        seed,
        put((f"{A}.extraFlags", ["--bind-ro=/etc:/hostetc"])),
        *err(f"{A}.extraFlags[0]", MOUNTS, "--bind-ro=/etc:/hostetc", USE_BIND_MOUNTS),
    ),
    case(
        "flag-overlay",
        seed,
        put((f"{A}.extraFlags", ["--overlay=/etc:/srv/up:/etc"])),
        *err(f"{A}.extraFlags[0]", MOUNTS, "--overlay=/etc:/srv/up:/etc", USE_BIND_MOUNTS),
    ),
    case(
        "flag-overlay-ro",
        seed,
        put((f"{A}.extraFlags", ["--overlay-ro=/nix/store:/store"])),
        *err(f"{A}.extraFlags[0]", MOUNTS, "--overlay-ro=/nix/store:/store", USE_BIND_MOUNTS),
    ),
    case(
        "flag-bind-tilde-target",
        seed,
        put((f"{A}.extraFlags", ["--bind=/srv:~/x"])),
        *err(f"{A}.extraFlags[0]", MOUNTS, "--bind=/srv:~/x", USE_BIND_MOUNTS),
    ),
    case(
        "flag-bind-user",
        seed,
        put((f"{A}.extraFlags", ["--bind-user=alice"])),
        *err(
            f"{A}.extraFlags[0]",
            "mounts a host user's home directory and gives the container that account",
            "--bind-user=alice",
        ),
    ),
    case(
        "flag-image",
        seed,
        put((f"{A}.extraFlags", ["--image=/dev/sda"])),
        *err(f"{A}.extraFlags[0]", HOST_FILE, "--image=/dev/sda"),
    ),
    case(
        "flag-template",
        seed,
        put((f"{A}.extraFlags", ["--template=/var/lib/machines/base"])),
        *err(f"{A}.extraFlags[0]", HOST_FILE, "--template=/var/lib/machines/base"),
    ),
    case(
        "flag-oci-bundle",
        seed,
        put((f"{A}.extraFlags", ["--oci-bundle=/srv/bundle"])),
        *err(f"{A}.extraFlags[0]", HOST_FILE, "--oci-bundle=/srv/bundle"),
    ),
    case(
        "flag-load-credential",
        seed,
        put((f"{A}.extraFlags", ["--load-credential=k:/etc/shadow"])),
        *err(
            f"{A}.extraFlags[0]",
            HOST_FILE,
            "--load-credential=k:/etc/shadow",
            "declare it under secrets and list it in the container's secrets",
        ),
    ),
    case(
        "flag-set-credential",
        seed,
        put((f"{A}.extraFlags", ["--set-credential=k:hunter2"])),
        *err(
            f"{A}.extraFlags[0]",
            "puts the credential in the Nix store, readable by every user of the host",
            "--set-credential=k:hunter2",
            "declare it under secrets and list it in the container's secrets",
        ),
    ),
    case(
        "flag-private-users-ownership",
        seed,
        put((f"{A}.extraFlags", ["--private-users-ownership=chown"])),
        *err(
            f"{A}.extraFlags[0]",
            "changes the owner of the container's files on the host",
            "--private-users-ownership=chown",
        ),
    ),
    case(
        "flag-network-interface",
        seed,
        put((f"{A}.extraFlags", ["--network-interface=eth0"])),
        *err(f"{A}.extraFlags[0]", NETWORK, "--network-interface=eth0"),
    ),
    case(
        "flag-network-macvlan",
        seed,
        put((f"{A}.extraFlags", ["--network-macvlan=eth0"])),
        *err(f"{A}.extraFlags[0]", NETWORK, "--network-macvlan=eth0"),
    ),
    case(
        "flag-network-ipvlan",
        seed,
        put((f"{A}.extraFlags", ["--network-ipvlan=eth0"])),
        *err(f"{A}.extraFlags[0]", NETWORK, "--network-ipvlan=eth0"),
    ),
    case(
        "flag-network-zone",
        seed,
        put((f"{A}.extraFlags", ["--network-zone=lan"])),
        *err(f"{A}.extraFlags[0]", NETWORK, "--network-zone=lan"),
    ),
    case(
        "flag-property-device-allow",
        seed,
        put((f"{A}.extraFlags", ["--property=DeviceAllow=/dev/sda"])),
        *err(
            f"{A}.extraFlags[0]",
            "sets a property of the container's unit on the host (e.g. DeviceAllow, BindPaths)",
            "--property=DeviceAllow=/dev/sda",
        ),
    ),
    case(
        "flag-link-journal-host",
        seed,
        put((f"{A}.extraFlags", ["--link-journal=host"])),
        *err(
            f"{A}.extraFlags[0]",
            "writes the container's journal into the host's /var/log/journal",
            "--link-journal=host",
            "use --link-journal=no",
        ),
    ),
    case(
        "flag-link-journal-try-host",
        seed,
        put((f"{A}.extraFlags", ["--link-journal=try-host"])),
        *err(
            f"{A}.extraFlags[0]",
            "writes the container's journal into the host's /var/log/journal",
            "--link-journal=try-host",
            "use --link-journal=no",
        ),
    ),
    case(
        "flag-syscall-allow",
        seed,
        put((f"{A}.extraFlags", ["--system-call-filter=@mount"])),
        *err(
            f"{A}.extraFlags[0]",
            "adds system calls to what the container may use",
            "--system-call-filter=@mount",
            "deny calls with '~', e.g. '~@clock'",
        ),
    ),
    case(
        "flag-tmpfs-nix-store",
        seed,
        put((f"{A}.extraFlags", ["--tmpfs=/nix/store"])),
        *err(
            f"{A}.extraFlags[0]",
            "/nix/store is a path the container's own NixOS provides; mounting over it replaces its system",
            "--tmpfs=/nix/store",
        ),
    ),
    case(
        "flag-tmpfs-etc",
        seed,
        put((f"{A}.extraFlags", ["--tmpfs=/etc"])),
        *err(
            f"{A}.extraFlags[0]",
            "/etc is a path the container's own NixOS provides; mounting over it replaces its system",
            "--tmpfs=/etc",
        ),
    ),
    case(
        "flag-tmpfs-tilde",
        seed,
        put((f"{A}.extraFlags", ["--tmpfs=~/x"])),
        *err(f"{A}.extraFlags[0]", "~/x must be an absolute path, e.g. '/var/lib/forgejo'", "--tmpfs=~/x"),
    ),
    case(
        "flag-tmpfs-dotdot",
        seed,
        put((f"{A}.extraFlags", ["--tmpfs=/srv/../nix"])),
        *err(f"{A}.extraFlags[0]", "/srv/../nix must not contain '.' or '..' segments", "--tmpfs=/srv/../nix"),
    ),
    case(
        "flag-inaccessible-proc",
        seed,
        put((f"{A}.extraFlags", ["--inaccessible=/proc"])),
        *err(
            f"{A}.extraFlags[0]",
            "/proc is a path the container's own NixOS provides; mounting over it replaces its system",
            "--inaccessible=/proc",
        ),
    ),
    case(
        "flag-unknown",
        seed,
        put((f"{A}.extraFlags", ["--frobnicate=1"])),
        *err(
            f"{A}.extraFlags[0]",
            "--frobnicate is not a systemd-nspawn option nixedge knows to change only the container",
            "--frobnicate=1",
            "use the container's own keys (bindMounts, allowedDevices, additionalCapabilities, ...)",
        ),
    ),
    case(
        "flag-forward-journal",
        seed,
        put((f"{A}.extraFlags", ["--forward-journal=/var/log/host.journal"])),
        *err(f"{A}.extraFlags[0]", HOST_FILE, "--forward-journal=/var/log/host.journal"),
    ),
    case(
        "flag-boot",
        seed,
        put((f"{A}.extraFlags", ["--boot"])),
        *err(
            f"{A}.extraFlags[0]",
            "runs the image's own init; nixos-containers.nix starts the container's NixOS itself",
            "--boot",
        ),
    ),
    case(
        "flag-slice",
        seed,
        put((f"{A}.extraFlags", ["--slice=system.slice"])),
        *err(f"{A}.extraFlags[0]", "moves the container into another slice of the host", "--slice=system.slice"),
    ),
    case(
        "flag-verity-data",
        seed,
        put((f"{A}.extraFlags", ["--verity-data=/srv/x.verity"])),
        *err(f"{A}.extraFlags[0]", HOST_FILE, "--verity-data=/srv/x.verity"),
    ),
    case(
        "flag-private-users-delegate",
        seed,
        put((f"{A}.extraFlags", ["--private-users-delegate=4"])),
        *err(
            f"{A}.extraFlags[0]",
            "hands the container further user id ranges of the host",
            "--private-users-delegate=4",
        ),
    ),
    case(
        "flag-tmpfs-var-run-wrappers",
        seed,
        put((f"{A}.extraFlags", ["--tmpfs=/var/run/wrappers"])),
        *err(
            f"{A}.extraFlags[0]",
            (
                "/var/run/wrappers is a path the container's own NixOS provides; mounting over it "
                "replaces its system (/var/run/wrappers is /run/wrappers on a NixOS host)"
            ),
            "--tmpfs=/var/run/wrappers",
        ),
    ),
    case(
        "device-etc-shadow",
        homelab,
        put((f"{VPN}.allowedDevices", [{"node": "/etc/shadow", "modifier": "rw"}])),
        *err(f"{VPN}.allowedDevices[0].node", NOT_DEVICE, "/etc/shadow"),
    ),
    case(
        "device-dev-itself",
        homelab,
        put((f"{VPN}.allowedDevices", [{"node": "/dev", "modifier": "rw"}])),
        *err(f"{VPN}.allowedDevices[0].node", NOT_DEVICE, "/dev"),
    ),
    case(
        "device-sda",
        homelab,
        put((f"{VPN}.allowedDevices", [{"node": "/dev/sda", "modifier": "rw"}])),
        *err(f"{VPN}.allowedDevices[0].node", HOST_DEVICE, "/dev/sda", DISK_HINT),
    ),
    case(
        "device-nvme",
        homelab,
        put((f"{VPN}.allowedDevices", [{"node": "/dev/nvme0n1", "modifier": "rw"}])),
        *err(f"{VPN}.allowedDevices[0].node", HOST_DEVICE, "/dev/nvme0n1", DISK_HINT),
    ),
    case(
        "device-mem",
        homelab,
        put((f"{VPN}.allowedDevices", [{"node": "/dev/mem", "modifier": "rw"}])),
        *err(f"{VPN}.allowedDevices[0].node", HOST_DEVICE, "/dev/mem", DISK_HINT),
    ),
    case(
        "device-kmem",
        homelab,
        put((f"{VPN}.allowedDevices", [{"node": "/dev/kmem", "modifier": "rw"}])),
        *err(f"{VPN}.allowedDevices[0].node", HOST_DEVICE, "/dev/kmem", DISK_HINT),
    ),
    case(
        "device-port",
        homelab,
        put((f"{VPN}.allowedDevices", [{"node": "/dev/port", "modifier": "rw"}])),
        *err(f"{VPN}.allowedDevices[0].node", HOST_DEVICE, "/dev/port", DISK_HINT),
    ),
    case(
        "device-kmsg",
        homelab,
        put((f"{VPN}.allowedDevices", [{"node": "/dev/kmsg", "modifier": "rw"}])),
        *err(f"{VPN}.allowedDevices[0].node", HOST_DEVICE, "/dev/kmsg", DISK_HINT),
    ),
    case(
        "device-mapper",
        homelab,
        put((f"{VPN}.allowedDevices", [{"node": "/dev/mapper/root", "modifier": "rw"}])),
        *err(f"{VPN}.allowedDevices[0].node", HOST_DEVICE, "/dev/mapper/root", DISK_HINT),
    ),
    case(
        "device-disk-by-id",
        homelab,
        put((f"{VPN}.allowedDevices", [{"node": "/dev/disk/by-id/ata-x", "modifier": "rw"}])),
        *err(f"{VPN}.allowedDevices[0].node", HOST_DEVICE, "/dev/disk/by-id/ata-x", DISK_HINT),
    ),
    case(
        "device-var-run",
        homelab,
        put((f"{VPN}.allowedDevices", [{"node": "/var/run/docker.sock", "modifier": "rw"}])),
        *err(
            f"{VPN}.allowedDevices[0].node",
            (
                "must be a device node under /dev, e.g. /dev/net/tun (/var/run/docker.sock is "
                "/run/docker.sock on a NixOS host)"
            ),
            "/var/run/docker.sock",
        ),
    ),
    case(
        "device-proc-kcore",
        homelab,
        put((f"{VPN}.allowedDevices", [{"node": "/proc/kcore", "modifier": "rw"}])),
        *err(f"{VPN}.allowedDevices[0].node", NOT_DEVICE, "/proc/kcore"),
    ),
    case(
        "device-loop",
        homelab,
        put((f"{VPN}.allowedDevices", [{"node": "/dev/loop0", "modifier": "rw"}])),
        *err(f"{VPN}.allowedDevices[0].node", HOST_DEVICE, "/dev/loop0", DISK_HINT),
    ),
    case(
        "device-dm",
        homelab,
        put((f"{VPN}.allowedDevices", [{"node": "/dev/dm-0", "modifier": "rw"}])),
        *err(f"{VPN}.allowedDevices[0].node", HOST_DEVICE, "/dev/dm-0", DISK_HINT),
    ),
    case(
        "device-mmcblk",
        homelab,
        put((f"{VPN}.allowedDevices", [{"node": "/dev/mmcblk0p1", "modifier": "rw"}])),
        *err(f"{VPN}.allowedDevices[0].node", HOST_DEVICE, "/dev/mmcblk0p1", DISK_HINT),
    ),
    case(
        "device-vda",
        homelab,
        put((f"{VPN}.allowedDevices", [{"node": "/dev/vda", "modifier": "rw"}])),
        *err(f"{VPN}.allowedDevices[0].node", HOST_DEVICE, "/dev/vda", DISK_HINT),
    ),
    case(
        "device-zvol",
        homelab,
        put((f"{VPN}.allowedDevices", [{"node": "/dev/zd0", "modifier": "rw"}])),
        *err(f"{VPN}.allowedDevices[0].node", HOST_DEVICE, "/dev/zd0", DISK_HINT),
    ),
    case(
        "secrets-dir-nix-store",
        seed,
        put(("host.secretsDir", "/nix/store/secrets")),
        *err(
            "host.secretsDir",
            "is in /nix, which NixOS or another owner keeps: no private place for nixedge's files",
            "/nix/store/secrets",
            KEEP_SECRETS_DIR,
        ),
    ),
    case(
        "secrets-dir-tmp",
        seed,
        put(("host.secretsDir", "/tmp/nixedge")),
        *err(
            "host.secretsDir",
            "is in /tmp, where every user of the host may plant files before nixedge writes",
            "/tmp/nixedge",
            KEEP_SECRETS_DIR,
        ),
    ),
    case(
        "secrets-dir-var-tmp",
        seed,
        put(("host.secretsDir", "/var/tmp/nixedge")),
        *err(
            "host.secretsDir",
            "is in /var/tmp, where every user of the host may plant files before nixedge writes",
            "/var/tmp/nixedge",
            KEEP_SECRETS_DIR,
        ),
    ),
    case(
        "secrets-dir-is-target",
        seed,
        put(("host.secretsDir", "/etc/nixos/nixedge")),
        *err(
            "host.secretsDir",
            (
                "overlaps host.target.path (/etc/nixos/nixedge): the credentials would sit among the "
                "modules, which a flake copies into the Nix store whole"
            ),
            "/etc/nixos/nixedge",
            "keep them apart, e.g. /var/lib/nixedge/secrets",
        ),
    ),
    case(
        "secrets-dir-inside-target",
        seed,
        put(("host.secretsDir", "/etc/nixos/nixedge/secrets")),
        *err(
            "host.secretsDir",
            (
                "overlaps host.target.path (/etc/nixos/nixedge): the credentials would sit among the "
                "modules, which a flake copies into the Nix store whole"
            ),
            "/etc/nixos/nixedge/secrets",
            "keep them apart, e.g. /var/lib/nixedge/secrets",
        ),
    ),
    case(
        "secrets-dir-above-target",
        seed,
        put(("host.secretsDir", "/etc/nixos")),
        *err(
            "host.secretsDir",
            (
                "overlaps host.target.path (/etc/nixos/nixedge): the credentials would sit among the "
                "modules, which a flake copies into the Nix store whole"
            ),
            "/etc/nixos",
            "keep them apart, e.g. /var/lib/nixedge/secrets",
        ),
    ),
    case(
        "secrets-dir-root",
        seed,
        put(("host.secretsDir", "/")),
        *err(
            f"{A}.stateDir",
            "reaches host.secretsDir (/): the container could read the tunnel credentials",
            "/mnt/noa/atticd",
        ),
        *err(
            f"{A}.postgresql",
            "reaches host.secretsDir (/): the container could read the tunnel credentials",
            "/run/postgresql",
        ),
        *err(
            f"{A}.environmentFile",
            "reaches host.secretsDir (/): the container could read the tunnel credentials",
            "/etc/atticd.env",
        ),
        *err(
            f"{F}.stateDir",
            "reaches host.secretsDir (/): the container could read the tunnel credentials",
            "/var/lib/forgejo",
        ),
        *err(
            f"{F}.postgresql",
            "reaches host.secretsDir (/): the container could read the tunnel credentials",
            "/run/postgresql",
        ),
        *err("host.secretsDir", "is a system directory, not one of nixedge's own", "/", KEEP_SECRETS_DIR),
    ),
    case(
        "secrets-dir-run-user",
        seed,
        put(("host.secretsDir", "/var/run/user/0/nixedge")),
        *err(
            "host.secretsDir",
            (
                "is in /run/user, which NixOS or another owner keeps: no private place for nixedge's "
                "files (/var/run/user/0/nixedge is /run/user/0/nixedge on a NixOS host)"
            ),
            "/var/run/user/0/nixedge",
            KEEP_SECRETS_DIR,
        ),
    ),
    case(
        "secrets-dir-dev-shm",
        seed,
        put(("host.secretsDir", "/dev/shm/nixedge")),
        *err(
            "host.secretsDir",
            "is in /dev/shm, where every user of the host may plant files before nixedge writes",
            "/dev/shm/nixedge",
            KEEP_SECRETS_DIR,
        ),
    ),
    case(
        "secrets-dir-etc",
        seed,
        put(("host.secretsDir", "/etc")),
        *err(
            f"{A}.environmentFile",
            "reaches host.secretsDir (/etc): the container could read the tunnel credentials",
            "/etc/atticd.env",
        ),
        *err("host.secretsDir", "is a system directory, not one of nixedge's own", "/etc", KEEP_SECRETS_DIR),
    ),
    case(
        "secrets-dir-current-system",
        seed,
        put(("host.secretsDir", "/run/current-system/secrets")),
        *err(
            "host.secretsDir",
            "is in /run/current-system, which NixOS or another owner keeps: no private place for nixedge's files",
            "/run/current-system/secrets",
            KEEP_SECRETS_DIR,
        ),
    ),
    case(
        "secrets-dir-var-lib",
        seed,
        put(("host.secretsDir", "/var/lib")),
        *err(
            f"{F}.stateDir",
            "reaches host.secretsDir (/var/lib): the container could read the tunnel credentials",
            "/var/lib/forgejo",
        ),
        *err("host.secretsDir", "is a system directory, not one of nixedge's own", "/var/lib", KEEP_SECRETS_DIR),
    ),
    case(
        "secrets-dir-proc",
        seed,
        put(("host.secretsDir", "/proc/self")),
        *err(
            "host.secretsDir",
            "is in /proc, which NixOS or another owner keeps: no private place for nixedge's files",
            "/proc/self",
            KEEP_SECRETS_DIR,
        ),
    ),
    case(
        "secrets-dir-home",
        seed,
        put(("host.secretsDir", "/home/alice/secrets")),
        *err(
            "host.secretsDir",
            "is in /home, which NixOS or another owner keeps: no private place for nixedge's files",
            "/home/alice/secrets",
            KEEP_SECRETS_DIR,
        ),
    ),
    case(
        "target-path-nix-store",
        seed,
        put(("host.target.path", "/nix/store/nixedge")),
        *err(
            "host.target.path",
            "is in /nix, which NixOS or another owner keeps: no private place for nixedge's files",
            "/nix/store/nixedge",
            KEEP_TARGET,
        ),
    ),
    case(
        "target-path-tmp",
        seed,
        put(("host.target.path", "/tmp/nixedge")),
        *err(
            "host.target.path",
            "is in /tmp, where every user of the host may plant files before nixedge writes",
            "/tmp/nixedge",
            KEEP_TARGET,
        ),
    ),
    case(
        "target-path-etc",
        seed,
        put(("host.target.path", "/etc")),
        *err(
            f"{A}.environmentFile",
            "reaches host.target.path (/etc): the container could write Nix that the host activates",
            "/etc/atticd.env",
        ),
        *err("host.target.path", "is a system directory, not one of nixedge's own", "/etc", KEEP_TARGET),
    ),
    case(
        "target-path-root",
        seed,
        put(("host.target.path", "/")),
        *err(
            f"{A}.stateDir",
            "reaches host.target.path (/): the container could write Nix that the host activates",
            "/mnt/noa/atticd",
        ),
        *err(
            f"{A}.postgresql",
            "reaches host.target.path (/): the container could write Nix that the host activates",
            "/run/postgresql",
        ),
        *err(
            f"{A}.environmentFile",
            "reaches host.target.path (/): the container could write Nix that the host activates",
            "/etc/atticd.env",
        ),
        *err(
            f"{F}.stateDir",
            "reaches host.target.path (/): the container could write Nix that the host activates",
            "/var/lib/forgejo",
        ),
        *err(
            f"{F}.postgresql",
            "reaches host.target.path (/): the container could write Nix that the host activates",
            "/run/postgresql",
        ),
        *err("host.target.path", "is a system directory, not one of nixedge's own", "/", KEEP_TARGET),
    ),
    case(
        "target-path-proc",
        seed,
        put(("host.target.path", "/proc/nixedge")),
        *err(
            "host.target.path",
            "is in /proc, which NixOS or another owner keeps: no private place for nixedge's files",
            "/proc/nixedge",
            KEEP_TARGET,
        ),
    ),
    case(
        "target-path-etc-static",
        seed,
        put(("host.target.path", "/etc/static/nixedge")),
        *err(
            "host.target.path",
            "is in /etc/static, which NixOS or another owner keeps: no private place for nixedge's files",
            "/etc/static/nixedge",
            KEEP_TARGET,
        ),
    ),
    case(
        "target-path-inside-secrets-dir",
        seed,
        put(("host.target.path", "/var/lib/nixedge/secrets/modules")),
        *err(
            "host.secretsDir",
            (
                "overlaps host.target.path (/var/lib/nixedge/secrets/modules): the credentials would "
                "sit among the modules, which a flake copies into the Nix store whole"
            ),
            "/var/lib/nixedge/secrets",
            "keep them apart, e.g. /var/lib/nixedge/secrets",
        ),
    ),
    case(
        "mount-var-run-secrets",
        seed,
        put((f"{A}.bindMounts", [{"path": "/secrets", "hostPath": "/var/run/secrets"}])),
        *err(
            f"{A}.bindMounts[0].hostPath",
            (
                "is a sensitive host path; mounting it gives the container power over the host "
                "(/var/run/secrets is /run/secrets on a NixOS host)"
            ),
            "/var/run/secrets",
            NARROWER,
        ),
    ),
    case(
        "mount-var-run",
        seed,
        put((f"{A}.bindMounts", [{"path": "/hostrun", "hostPath": "/var/run"}])),
        *err(
            f"{A}.bindMounts[0].hostPath",
            (
                "is a sensitive host path; mounting it gives the container power over the host "
                "(/var/run is /run on a NixOS host)"
            ),
            "/var/run",
            NARROWER,
        ),
    ),
    case(
        "mount-var-lock",
        seed,
        put((f"{A}.bindMounts", [{"path": "/hostlock", "hostPath": "/var/lock"}])),
        *err(
            f"{A}.bindMounts[0].hostPath",
            (
                "is a sensitive host path; mounting it gives the container power over the host "
                "(/var/lock is /run/lock on a NixOS host)"
            ),
            "/var/lock",
            NARROWER,
        ),
    ),
    case(
        "mount-ssh-host-key",
        seed,
        put((f"{A}.bindMounts", [{"path": "/key", "hostPath": "/etc/ssh/ssh_host_ed25519_key"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/etc/ssh/ssh_host_ed25519_key", NARROWER),
    ),
    case(
        "mount-etc-shadow",
        seed,
        put((f"{A}.bindMounts", [{"path": "/shadow", "hostPath": "/etc/shadow"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/etc/shadow", NARROWER),
    ),
    case(
        "mount-etc-gshadow",
        seed,
        put((f"{A}.bindMounts", [{"path": "/gshadow", "hostPath": "/etc/gshadow"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/etc/gshadow", NARROWER),
    ),
    case(
        "mount-sudoers-d",
        seed,
        put((f"{A}.bindMounts", [{"path": "/sudo", "hostPath": "/etc/sudoers.d/wheel"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/etc/sudoers.d/wheel", NARROWER),
    ),
    case(
        "mount-pam-d",
        seed,
        put((f"{A}.bindMounts", [{"path": "/pam", "hostPath": "/etc/pam.d"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/etc/pam.d", NARROWER),
    ),
    case(
        "mount-etc-systemd",
        seed,
        put((f"{A}.bindMounts", [{"path": "/units", "hostPath": "/etc/systemd/system"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/etc/systemd/system", NARROWER),
    ),
    case(
        "mount-etc-static",
        seed,
        put((f"{A}.bindMounts", [{"path": "/static", "hostPath": "/etc/static"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/etc/static", NARROWER),
    ),
    case(
        "mount-current-system",
        seed,
        put((f"{A}.bindMounts", [{"path": "/sys-profile", "hostPath": "/run/current-system"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/run/current-system", NARROWER),
    ),
    case(
        "mount-run-agenix",
        seed,
        put((f"{A}.bindMounts", [{"path": "/secrets", "hostPath": "/run/agenix"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/run/agenix", NARROWER),
    ),
    case(
        "mount-run-wrappers",
        seed,
        put((f"{A}.bindMounts", [{"path": "/wrappers", "hostPath": "/run/wrappers/bin"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/run/wrappers/bin", NARROWER),
    ),
    case(
        "mount-dbus-socket",
        seed,
        put((f"{A}.bindMounts", [{"path": "/bus", "hostPath": "/run/dbus/system_bus_socket"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/run/dbus/system_bus_socket", NARROWER),
    ),
    case(
        "mount-systemd-private",
        seed,
        put((f"{A}.bindMounts", [{"path": "/systemd", "hostPath": "/run/systemd/private"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/run/systemd/private", NARROWER),
    ),
    case(
        "mount-var-lib-systemd",
        seed,
        put((f"{A}.bindMounts", [{"path": "/sd", "hostPath": "/var/lib/systemd"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/var/lib/systemd", NARROWER),
    ),
    case(
        "mount-var-lib-machines",
        seed,
        put((f"{A}.bindMounts", [{"path": "/machines", "hostPath": "/var/lib/machines/other"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/var/lib/machines/other", NARROWER),
    ),
    case(
        "mount-etc-file-writable",
        seed,
        put((f"{A}.bindMounts", [{"path": "/app.conf", "hostPath": "/etc/app.conf", "readOnly": False}])),
        *err(
            f"{A}.bindMounts[0].hostPath",
            IN_ETC,
            "/etc/app.conf",
            "mount the one file with containers.atticd.bindMounts[0].readOnly: true",
        ),
    ),
    case(
        "mount-atticd-env-writable",
        seed,
        put((f"{A}.bindMounts", [{"path": "/etc/atticd.env", "readOnly": False}])),
        *err(
            f"{A}.bindMounts[0].path",
            IN_ETC,
            "/etc/atticd.env",
            "mount the one file with containers.atticd.bindMounts[0].readOnly: true",
        ),
    ),
    case(
        "mount-var-log",
        seed,
        put((f"{A}.bindMounts", [{"path": "/logs", "hostPath": "/var/log"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/var/log", NARROWER),
    ),
    case(
        "mount-etc-nix-conf",
        seed,
        put((f"{A}.bindMounts", [{"path": "/nix.conf", "hostPath": "/etc/nix/nix.conf"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/etc/nix/nix.conf", NARROWER),
    ),
    case(
        "mount-etc-wireguard",
        seed,
        put((f"{A}.bindMounts", [{"path": "/wg", "hostPath": "/etc/wireguard/wg0.conf"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/etc/wireguard/wg0.conf", NARROWER),
    ),
    case(
        "mount-ssl-private",
        seed,
        put((f"{A}.bindMounts", [{"path": "/tls", "hostPath": "/etc/ssl/private/key.pem"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/etc/ssl/private/key.pem", NARROWER),
    ),
    case(
        "mount-var-lib-nixos",
        seed,
        put((f"{A}.bindMounts", [{"path": "/uids", "hostPath": "/var/lib/nixos"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/var/lib/nixos", NARROWER),
    ),
    case(
        "mount-etc-dir-writable",
        seed,
        put((f"{A}.bindMounts", [{"path": "/srv/conf", "hostPath": "/etc/myapp", "readOnly": False}])),
        *err(
            f"{A}.bindMounts[0].hostPath",
            IN_ETC,
            "/etc/myapp",
            "mount the one file with containers.atticd.bindMounts[0].readOnly: true",
        ),
    ),
    case(
        "mount-target-nix-store",
        seed,
        put((f"{A}.bindMounts", [{"path": "/nix/store", "hostPath": "/srv/store"}])),
        *err(f"{A}.bindMounts[0].path", TARGET, "/nix/store", OWN_PLACE),
    ),
    case(
        "mount-target-nix",
        seed,
        put((f"{A}.bindMounts", [{"path": "/nix", "hostPath": "/srv/nix"}])),
        *err(f"{A}.bindMounts[0].path", TARGET, "/nix", OWN_PLACE),
    ),
    case(
        "mount-target-etc",
        seed,
        put((f"{A}.bindMounts", [{"path": "/etc", "hostPath": "/srv/etc"}])),
        *err(f"{A}.bindMounts[0].path", TARGET, "/etc", OWN_PLACE),
    ),
    case(
        "mount-target-proc",
        seed,
        put((f"{A}.bindMounts", [{"path": "/proc", "hostPath": "/srv/proc"}])),
        *err(f"{A}.bindMounts[0].path", TARGET, "/proc", OWN_PLACE),
    ),
    case(
        "mount-target-current-system",
        seed,
        put((f"{A}.bindMounts", [{"path": "/run/current-system", "hostPath": "/srv/system"}])),
        *err(f"{A}.bindMounts[0].path", TARGET, "/run/current-system", OWN_PLACE),
    ),
    case(
        "mount-target-run-wrappers",
        seed,
        put((f"{A}.bindMounts", [{"path": "/run/wrappers", "hostPath": "/srv/wrappers"}])),
        *err(f"{A}.bindMounts[0].path", TARGET, "/run/wrappers", OWN_PLACE),
    ),
    case(
        "mount-target-var-run-wrappers",
        seed,
        put((f"{A}.bindMounts", [{"path": "/var/run/wrappers", "hostPath": "/srv/wrappers"}])),
        *err(
            f"{A}.bindMounts[0].path",
            (
                "is a path the container's own NixOS provides; mounting over it replaces its system "
                "(/var/run/wrappers is /run/wrappers on a NixOS host)"
            ),
            "/var/run/wrappers",
            OWN_PLACE,
        ),
    ),
    case(
        "mount-target-etc-static",
        seed,
        put((f"{A}.bindMounts", [{"path": "/etc/static", "hostPath": "/srv/static"}])),
        *err(f"{A}.bindMounts[0].path", TARGET, "/etc/static", OWN_PLACE),
    ),
    case(
        "mount-target-root",
        seed,
        put((f"{A}.bindMounts", [{"path": "/", "hostPath": "/srv/root"}])),
        *err(f"{A}.bindMounts[0].path", TARGET, "/", OWN_PLACE),
        *err(
            f"{A}.stateDir",
            "overlaps containers.atticd.bindMounts[0] (/); mount points must not nest",
            "/mnt/noa/atticd",
        ),
        *err(
            f"{A}.postgresql",
            "overlaps containers.atticd.bindMounts[0] (/); mount points must not nest",
            "/run/postgresql",
        ),
    ),
    case(
        "mount-target-etc-passwd",
        seed,
        put((f"{A}.bindMounts", [{"path": "/etc/passwd", "hostPath": "/srv/passwd"}])),
        *err(f"{A}.bindMounts[0].path", TARGET, "/etc/passwd", OWN_PLACE),
    ),
    case(
        "mount-target-dev",
        seed,
        put((f"{A}.bindMounts", [{"path": "/dev/net", "hostPath": "/srv/net"}])),
        *err(f"{A}.bindMounts[0].path", TARGET, "/dev/net", OWN_PLACE),
    ),
    case(
        "mount-target-sys",
        seed,
        put((f"{A}.bindMounts", [{"path": "/sys/fs/cgroup", "hostPath": "/srv/cgroup"}])),
        *err(f"{A}.bindMounts[0].path", TARGET, "/sys/fs/cgroup", OWN_PLACE),
    ),
    case(
        "mount-target-etc-pam",
        seed,
        put((f"{A}.bindMounts", [{"path": "/etc/pam.d", "hostPath": "/srv/pam"}])),
        *err(f"{A}.bindMounts[0].path", TARGET, "/etc/pam.d", OWN_PLACE),
    ),
    case(
        "mount-both-sides",
        seed,
        put((f"{A}.bindMounts", [{"path": "/nix/store", "hostPath": "/etc/shadow"}])),
        *err(f"{A}.bindMounts[0].hostPath", SENSITIVE, "/etc/shadow", NARROWER),
        *err(f"{A}.bindMounts[0].path", TARGET, "/nix/store", OWN_PLACE),
    ),
    case(
        "state-dir-in-etc",
        seed,
        put((f"{A}.stateDir", "/etc/atticd")),
        *err(f"{A}.stateDir", IN_ETC, "/etc/atticd"),
    ),
    case(
        "state-dir-var-lib-systemd",
        seed,
        put((f"{A}.stateDir", "/var/lib/systemd/atticd")),
        *err(f"{A}.stateDir", STATE_SENSITIVE, "/var/lib/systemd/atticd"),
    ),
    case(
        "state-dir-var-lib-machines",
        seed,
        put((f"{A}.stateDir", "/var/lib/machines/atticd")),
        *err(f"{A}.stateDir", STATE_SENSITIVE, "/var/lib/machines/atticd"),
    ),
    case(
        "state-dir-dev-shm",
        seed,
        put((f"{A}.stateDir", "/dev/shm/atticd")),
        *err(f"{A}.stateDir", STATE_SENSITIVE, "/dev/shm/atticd"),
    ),
    case(
        "state-dir-nix-var",
        seed,
        put((f"{A}.stateDir", "/nix/var/atticd")),
        *err(f"{A}.stateDir", STATE_SENSITIVE, "/nix/var/atticd"),
    ),
    case(
        "state-dir-var-run-user",
        seed,
        put((f"{A}.stateDir", "/var/run/user/993")),
        *err(
            f"{A}.stateDir",
            (
                "is a sensitive host path; use a directory of its own such as /var/lib/<app> "
                "(/var/run/user/993 is /run/user/993 on a NixOS host)"
            ),
            "/var/run/user/993",
        ),
    ),
    case(
        "state-dir-boot",
        seed,
        put((f"{A}.stateDir", "/boot/atticd")),
        *err(f"{A}.stateDir", STATE_SENSITIVE, "/boot/atticd"),
    ),
    case(
        "state-dir-var-log",
        seed,
        put((f"{A}.stateDir", "/var/log")),
        *err(f"{A}.stateDir", STATE_SENSITIVE, "/var/log"),
    ),
    case(
        "state-dir-run-lock",
        seed,
        put((f"{A}.stateDir", "/var/lock")),
        *err(
            f"{A}.stateDir",
            (
                "is a sensitive host path; use a directory of its own such as /var/lib/<app> "
                "(/var/lock is /run/lock on a NixOS host)"
            ),
            "/var/lock",
        ),
    ),
]


@pytest.mark.parametrize(("lines", "mutation", "expected"), CASES)
def test_invalid_path(lines: Lines, mutation: Mutation, expected: list[str]) -> None:
    assert lines(mutation) == expected


def test_cases_are_distinct() -> None:
    ids = [p.id for p in CASES]
    assert len(ids) == len(set(ids)) >= 150


@pytest.mark.parametrize(
    ("path", "real"),
    [
        ("/var/run/secrets/x", "/run/secrets/x"),
        ("/var/run", "/run"),
        ("/var/lock/subsys", "/run/lock/subsys"),
        ("/etc/mtab", "/proc/mounts"),
        ("/var/running", "/var/running"),  # a sibling, not below the link
        ("/srv//data/", "/srv/data"),
        ("/run/secrets", "/run/secrets"),
    ],
)
def test_paths_resolve_from_the_fixed_table(path: str, real: str) -> None:
    """Never from this machine: the table alone says what /var/run is on a NixOS host."""
    assert paths.resolve(path) == real


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/srv/a\x00b", "must not contain a NUL character"),
        ("/srv/a\nb", "must not contain control characters"),
        ("/srv/\x7f", "must not contain control characters"),
        ("~/data", "must be an absolute path, e.g. '/var/lib/forgejo'"),
        ("/srv/~alice", "must not contain '~': nothing expands it, so it is a literal directory name"),
        ("/srv/../etc", "must not contain '.' or '..' segments"),
        ("relative", "must be an absolute path, e.g. '/var/lib/forgejo'"),
    ],
)
def test_syntax_refused_before_any_rule(path: str, problem: str) -> None:
    assert paths.host_path_problem(path, writable=False) == problem
    assert paths.host_path_problem(path, writable=False, allowed=True) == problem
    assert paths.target_problem(path) == problem


def test_seed_etc_atticd_env_read_only_stays_valid() -> None:
    """A single secrets file of /etc, read-only on purpose, is not /etc."""
    site = site_from_data(seed_site(), SEED)
    mounts = {(m.path, m.host_path, m.read_only) for m in site.container("atticd").mounts}
    assert ("/etc/atticd.env", "/etc/atticd.env", True) in mounts


@pytest.mark.parametrize("host_path", ["/etc/atticd.env", "/etc/myapp/config.toml", "/var/run/agenix/one-secret"])
def test_one_file_read_only_passes(host_path: str) -> None:
    data = seed_site()
    set_key(data, f"{A}.bindMounts", [{"path": "/srv/in", "hostPath": host_path}])
    mounts = site_from_data(data, SEED).container("atticd").mounts
    assert ("/srv/in", host_path, True) in {(m.path, m.host_path, m.read_only) for m in mounts}


@pytest.mark.parametrize("path", ["/run/agenix/garage-rpc", "/var/run/secrets/runner-token", "/run/keys/one"])
def test_one_secret_below_a_providers_directory_passes(path: str) -> None:
    data = multiservice_site()
    set_key(data, "secrets.runner-token.path", path)
    site = site_from_data(data, HOMELAB)
    assert path in {m.host_path for m in site.container("runner1").mounts}


@pytest.mark.parametrize(
    "flag",
    [
        "--drop-capability=CAP_SYS_CHROOT",
        "--tmpfs=/var/cache/vpn",
        "--inaccessible=/srv/private",
        "--system-call-filter=~@clock",
        "--link-journal=no",
        "--read-only",
        "--timezone=off",
        "--resolv-conf=off",
        "--no-new-privileges=yes",
        "--rlimit=RLIMIT_NOFILE=4096",
    ],
)
def test_safe_nspawn_flags_pass(flag: str) -> None:
    data = multiservice_site()
    set_key(data, f"{VPN}.extraFlags", [flag])
    assert site_from_data(data, HOMELAB).container("vpn").isolation.extra_flags == (flag,)


@pytest.mark.parametrize("node", ["/dev/net/tun", "/dev/fuse", "/dev/dri/renderD128", "/dev/ttyUSB0", "/dev/kvm"])
def test_device_nodes_pass(node: str) -> None:
    data = multiservice_site()
    set_key(data, f"{VPN}.allowedDevices", [{"node": node, "modifier": "rw"}])
    assert site_from_data(data, HOMELAB).container("vpn").isolation.allowed_devices == ((node, "rw"),)


def test_allow_sensitive_still_allows_a_sensitive_host_path() -> None:
    data = seed_site()
    set_key(data, f"{A}.bindMounts", [{"path": "/host-run", "hostPath": "/var/run", "allowSensitive": True}])
    mounts = site_from_data(data, SEED).container("atticd").mounts
    assert ("/host-run", "/var/run") in {(m.path, m.host_path) for m in mounts}


def test_allow_sensitive_does_not_allow_a_target_over_the_containers_system() -> None:
    lines = seed_lines(put((f"{A}.bindMounts", [{"path": "/nix/store", "hostPath": "/srv/s", "allowSensitive": True}])))
    assert lines == err(f"{A}.bindMounts[0].path", TARGET, "/nix/store", OWN_PLACE)


def test_modules_in_tmp_for_a_rehearsal_that_builds_nothing() -> None:
    """Only a host that builds the modules as root must not find them where anyone can plant files."""
    data = seed_site()
    set_key(data, "host.target.path", "/tmp/nixedge-rehearsal")
    set_key(data, "host.activation", {"mode": "none", "command": ["true"], "check": False})
    assert site_from_data(data, SEED).target["path"] == "/tmp/nixedge-rehearsal"
