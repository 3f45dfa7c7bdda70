"""The one path policy: every host path a stack names, and every mount point inside a
container, goes through `host_path_problem` or `target_problem`, whatever key it came by.

A path is first read as the NixOS host will read it: normalised, with the symlinks every
NixOS host has resolved from a fixed table (never from the machine that runs Pulumi,
which is not the host). Then it is checked against the trees that would hand a container
power over the host.
"""

from __future__ import annotations

import posixpath

from components.model.podman import control_plane

# Symlinks every NixOS host has, resolved before the rules apply: systemd's tmpfiles
# (var.conf, legacy.conf, which NixOS installs) link /var/run and /var/lock into /run;
# NixOS links /etc/mtab to the kernel's mount table. (/etc/static, /run/current-system
# and /run/booted-system lead into the Nix store at a path only the host knows: they
# are sensitive trees of their own.)
NIXOS_SYMLINKS = {
    "/var/run": "/run",
    "/var/lock": "/run/lock",
    "/etc/mtab": "/proc/mounts",
}

# A mount of one of these, or of anything below, would hand the container power over
# the host: the store and boot files it activates, the kernel's interfaces, keys,
# accounts, other guests and nixedge's own state. Each group names where NixOS (or the
# module of a service nixedge's hosts run) puts it.
SENSITIVE_TREES = (
    # The store and what leads into it; the kernel's interfaces; homes (nixos/modules/system).
    "/nix",
    "/boot",
    "/proc",
    "/sys",
    "/dev",
    "/root",
    "/home",
    "/etc/static",
    "/run/current-system",
    "/run/booted-system",
    # The host's configuration, keys and logins (environment.etc of nixos/modules).
    "/etc/nixos",
    "/etc/ssh",
    "/etc/sudoers.d",
    "/etc/pam.d",
    "/etc/security",
    "/etc/systemd",
    "/etc/nix",
    "/etc/wireguard",
    "/etc/ssl/private",
    "/etc/NetworkManager/system-connections",
    # Other guests and the host's own state (nixos-containers.nix, machinectl, update-users-groups.pl).
    "/var/lib/nixos",
    "/var/lib/nixos-containers",
    "/var/lib/machines",
    "/var/lib/systemd",
    "/var/lib/nixedge",
    "/run/nixedge",
    # systemd.exec(5): DynamicUser= keeps StateDirectory=, CacheDirectory= and LogsDirectory=
    # of every such service below these, readable only through the host's id mapping.
    "/var/lib/private",
    "/var/cache/private",
    "/var/log/private",
    # The host's PostgreSQL (nixos/modules/services/databases/postgresql.nix): its data
    # directory (dataDir = /var/lib/postgresql/<psqlSchema>). Its socket directory
    # /run/postgresql is what clients mount; peer authentication there is why uid 71
    # and the name postgres are refused to services (checks/identities.py).
    "/var/lib/postgresql",
    # Secret providers (sops-nix modules/sops/default.nix, agenix modules/age.nix): the
    # generations the /run/secrets and /run/agenix links point into; sops-nix's secrets
    # for users (password hashes, neededForUsers) and the age key it documents
    # (sops.age.keyFile = /var/lib/sops-nix/key.txt).
    "/run/secrets.d",
    "/run/secrets-for-users",
    "/run/secrets-for-users.d",
    "/var/lib/sops-nix",
    "/run/agenix.d",
    # Tailscale (nixos/modules/services/networking/tailscale.nix): the node key in its
    # StateDirectory and tailscaled's socket, which configures the host's network.
    "/var/lib/tailscale",
    "/run/tailscale",
    # Beside Podman's control plane (components/model/podman.py, which not even
    # allowSensitive opens): libpod's own run directory (containers.conf tmp_dir) and
    # Docker's storage and run state, should the host run Docker too.
    "/run/libpod",
    "/var/lib/docker",
    "/run/docker",
    # The other VM and container managers a NixOS host may run, each root behind its API
    # socket: libvirtd (virtualisation.libvirtd: /run/libvirt/libvirt-sock, its images in
    # /var/lib/libvirt), Incus and LXD (unix.socket in their state directory), containerd
    # (virtualisation.containerd, k3s: /run/containerd/containerd.sock).
    "/run/libvirt",
    "/var/lib/libvirt",
    "/var/lib/incus",
    "/var/lib/lxd",
    "/run/containerd",
    # The host's runtime (nixos/modules/security/wrappers, systemd, dbus, logind, LoadCredential=).
    "/run/wrappers",
    "/run/systemd",
    "/run/dbus",
    "/run/user",
    "/run/credentials",
)
POSTGRESQL_DATA = "/var/lib/postgresql"  # the state directory of a PostgreSQL server container
# These exact paths: directories whose every child is someone's, and the account files.
SENSITIVE_PATHS = frozenset(
    {
        "/",
        "/etc",
        "/var",
        "/var/lib",
        "/var/log",
        "/run",
        "/run/lock",
        "/usr",
        "/bin",
        "/sbin",
        "/lib",
        "/lib64",
        "/srv",
        "/mnt",
        "/tmp",
        "/opt",
        "/etc/shadow",
        "/etc/gshadow",
        "/etc/passwd",
        "/etc/group",
        "/etc/subuid",
        "/etc/subgid",
        "/etc/sudoers",
        "/etc/machine-id",
        "/etc/krb5.keytab",
        # Secret providers' directories: one secret below is fine, all of them are not.
        "/run/secrets",
        "/run/agenix",
        "/run/keys",
    }
)
# Directories of a NixOS host's /etc (environment.etc of nixos/modules, and the packages
# that install there): a read-only mount of one is every file in it, not "one file of
# /etc". A file below them, such as /etc/ssl/certs/ca-certificates.crt, stays fine.
ETC_DIRECTORIES = frozenset(
    {
        "/etc/ssl",
        "/etc/ssl/certs",
        "/etc/pki",
        "/etc/profile.d",
        "/etc/modprobe.d",
        "/etc/modules-load.d",
        "/etc/sysctl.d",
        "/etc/tmpfiles.d",
        "/etc/udev",
        "/etc/dbus-1",
        "/etc/polkit-1",
        "/etc/xdg",
        "/etc/default",
        "/etc/NetworkManager",
        "/etc/wpa_supplicant",
    }
)
# Mount points inside the container that would replace what NixOS itself puts there.
TARGET_TREES = (
    "/nix",
    "/proc",
    "/sys",
    "/dev",
    "/etc/static",
    "/etc/systemd",
    "/etc/pam.d",
    "/run/current-system",
    "/run/booted-system",
    "/run/wrappers",
    "/run/systemd",
)
TARGET_PATHS = frozenset(
    {"/", "/etc", "/run", "/var", "/var/lib", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/boot", "/tmp", "/root"}
    | {"/etc/shadow", "/etc/gshadow", "/etc/passwd", "/etc/group", "/etc/sudoers", "/etc/machine-id"}
)


def syntax_problem(path: str) -> str | None:
    """Why `path` cannot be read as one absolute host path, or None."""
    if "\x00" in path:
        return "must not contain a NUL character"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path):
        return "must not contain control characters"
    if not path.startswith("/"):
        return "must be an absolute path, e.g. '/var/lib/forgejo'"
    if "~" in path:
        return "must not contain '~': nothing expands it, so it is a literal directory name"
    if any(part in (".", "..") for part in path.split("/")):
        return "must not contain '.' or '..' segments"
    return None


def resolve(path: str) -> str:
    """`path` as a NixOS host reads it: normalised, its fixed symlinked prefixes followed."""
    path = posixpath.normpath(path)
    if path.startswith("//"):
        path = path[1:]
    for _ in range(len(NIXOS_SYMLINKS)):  # a link may lead into another
        for link, real in NIXOS_SYMLINKS.items():
            if contains(link, path):
                path = real + path[len(link) :]
                break
        else:
            break
    return path


def _within(path: str, trees: tuple[str, ...], paths: frozenset[str]) -> bool:
    return path in paths or any(contains(tree, path) for tree in trees)


def sensitive(path: str) -> bool:
    """Whether a mount of host `path` (resolved) would hand the container power over the host."""
    return _within(resolve(path), SENSITIVE_TREES, SENSITIVE_PATHS)


def in_etc(path: str) -> bool:
    return contains("/etc", resolve(path))


def via(path: str) -> str:
    """' (that is X on a NixOS host)' when a fixed symlink changes `path`, else ''."""
    real = resolve(path)
    return f" ({path} is {real} on a NixOS host)" if real != posixpath.normpath(path) else ""


IN_ETC = "is in /etc"
ETC_DIRECTORY = "is a directory of /etc on a NixOS host"


def host_path_problem(path: str, writable: bool, allowed: bool = False) -> str | None:
    """Why the host may not hand `path` to a container, or None.

    `allowed`: the key that names it allows sensitive paths (bindMounts' allowSensitive).
    """
    problem = syntax_problem(path)
    if problem is not None:
        return problem
    if not allowed and sensitive(path):
        return "is a sensitive host path; mounting it gives the container power over the host" + via(path)
    podman = control_plane(resolve(path))
    if podman is not None:
        # Rootful Podman, which nixedge enables for OCI apps: no allowSensitive opens it.
        return f"reaches {podman}: Podman runs as root, so a workload that sees it is root on the host" + via(path)
    if allowed:
        return None
    if writable and in_etc(path):
        # One file of /etc read-only (a secrets file such as /etc/atticd.env) is fine;
        # writing into /etc would let the container change the host's configuration.
        return IN_ETC + ": a container may read a single file there, never write it" + via(path)
    if resolve(path) in ETC_DIRECTORIES:
        return ETC_DIRECTORY + ", not one file: a container may read a single file there" + via(path)
    return None


def target_problem(path: str) -> str | None:
    """Why `path` cannot be a mount point inside the container, or None."""
    problem = syntax_problem(path)
    if problem is not None:
        return problem
    if _within(resolve(path), TARGET_TREES, TARGET_PATHS):
        return "is a path the container's own NixOS provides; mounting over it replaces its system" + via(path)
    return None


# Where nixedge's own host directories (host.secretsDir, the modules directory) may not
# be: rebuilt or shared by NixOS (the store), not a file system of files, or another's.
SHARED_TREES = (
    "/nix",
    "/etc/static",
    "/run/current-system",
    "/run/booted-system",
    "/dev",
    "/proc",
    "/sys",
    "/run/user",
    "/boot",
    "/home",
)
# Where every user of the host (or a group other than root) may create files, so may
# plant them before nixedge does: systemd's tmpfiles tmp.conf (/tmp, /var/tmp 1777),
# /dev/shm (1777, systemd's mount), and /run/lock (legacy.conf makes it 0755, but
# NixOS modules widen it, e.g. `d /run/lock 0775 root uucp`, and /var/lock leads there).
WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")


def system_dir_problem(path: str, world_writable_ok: bool = False) -> str | None:
    """Why nixedge may not keep a directory of its own at host `path`, or None.

    `world_writable_ok`: nothing on the host runs what is there as root (a rehearsal).
    """
    problem = syntax_problem(path)
    if problem is not None:
        return problem
    real = resolve(path)
    if real in SENSITIVE_PATHS:
        return "is a system directory, not one of nixedge's own" + via(path)
    planted = planted_problem(path)
    if planted is not None and not world_writable_ok:
        return planted
    tree = next((t for t in SHARED_TREES if contains(t, real)), None)
    if tree is not None:
        return f"is in {tree}, which NixOS or another owner keeps: no private place for nixedge's files" + via(path)
    return None


def planted_problem(path: str) -> str | None:
    """Why `path` (a directory nixedge creates: its own, a workload's state directory) is
    in a tree where any user may plant files or links first, or None."""
    real = resolve(path)
    tree = next((t for t in WORLD_WRITABLE if contains(t, real)), None)
    if tree is None:
        return None
    return f"is in {tree}, where every user of the host may plant files before nixedge writes" + via(path)


def contains(parent: str, child: str) -> bool:
    """Whether `child` is `parent` or lies below it."""
    return child == parent or parent == "/" or child.startswith(parent + "/")


def local_dir_problem(path: str) -> str | None:
    """Why `path` cannot be a local module directory (`host.target.path` with `transport:
    local`), or None when it can. Shared by the model and the host provider's check.

    The OS refuses a NUL only when it is first used (`embedded null byte`), and a control
    character or a `..` makes a path that reads as one place and is another.
    """
    if "\0" in path:
        return "must not contain a NUL byte"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        return "must not contain control characters (a newline, a tab, an escape)"
    if ".." in path.split("/"):
        return "must not contain '..' segments: name the directory itself, e.g. '/etc/nixos/nixedge'"
    if "~" in path:
        # No shell reads it: `~/nixedge` would be a directory named `~` in the project.
        return "must not contain '~': nothing expands it, so it would be a directory named '~'; write the full path"
    return None
