"""Host paths: which are too sensitive to bind-mount, and how paths nest."""

from __future__ import annotations

# A mount of one of these, or of anything below the first group, would hand the
# container power over the host; it needs `allowSensitive: true`.
SENSITIVE_TREES = (
    "/nix",
    "/boot",
    "/proc",
    "/sys",
    "/dev",
    "/etc/nixos",
    "/etc/ssh",
    "/root",
    "/home",
    "/var/lib/nixos-containers",
    "/var/lib/nixedge",
    "/run/nixedge",
)
SENSITIVE_PATHS = frozenset(
    {
        "/",
        "/etc",
        "/var",
        "/var/lib",
        "/run",
        "/usr",
        "/bin",
        "/sbin",
        "/lib",
        "/lib64",
        "/home",
        "/srv",
        "/mnt",
        "/tmp",
        "/opt",
        "/etc/shadow",
        "/etc/passwd",
        "/etc/group",
        "/etc/sudoers",
        "/var/lib/nixos-containers",
        "/run/secrets",
        "/run/agenix",
        "/run/nixedge",
    }
)


def sensitive(path: str) -> bool:
    return path in SENSITIVE_PATHS or any(path == tree or path.startswith(tree + "/") for tree in SENSITIVE_TREES)


def contains(parent: str, child: str) -> bool:
    """Whether `child` is `parent` or lies below it."""
    return child == parent or parent == "/" or child.startswith(parent + "/")
