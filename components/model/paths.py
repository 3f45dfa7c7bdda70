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
    return None
