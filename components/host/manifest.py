"""What nixedge keeps next to the modules it owns: the manifest and the pending marker.

Ownership: the modules named in the Pulumi state plus those listed in the manifest
(`.nixedge-manifest.json` in the module directory, written last on every change), and
the secret files named in the state. Nothing else is ever written or removed.

An activation that was interrupted (the machine running Pulumi died, the connection
dropped) leaves the marker `.nixedge-activation-pending` next to the modules it wrote:
the next update activates even when no module differs any more, and a refresh
reports it, so `pulumi refresh` does not hide a host that never ran its modules.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from components.host.transport import TEMP_PREFIX, sha256_hex

MANIFEST = ".nixedge-manifest.json"
"""Name of the manifest in the module directory; never a module name."""

PENDING = ".nixedge-activation-pending"
"""Marker in the module directory, in place (written first) from the moment new modules
are until their activation completed, or they were restored and rolled back. It lists
the modules the unfinished activation was for. Never a module name."""

FAILED = ".nixedge-activation-failed"
"""Record in the module directory of the last activation that failed and was undone
(`components.host.rollback`): the state keeps the previous update's outputs then, so
only the host can tell `nixedge status` about it. Removed by the next activation that
completes, and with the modules. Never a module name."""

_PLAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@+-")


_MODULE_EXAMPLE = "(expected e.g. 'containers/forgejo.nix')"
_SECRET_EXAMPLE = "(expected e.g. '/var/lib/nixedge/secrets/tunnel-token')"
_NOT_NORMAL = "must be normalised, without '.', '..' or '//'"


def relpath_problem(relpath: str, example: str = _MODULE_EXAMPLE) -> str | None:
    """Why `relpath` cannot be a module path, or None when it can.

    A module path is relative, normalised, made of plain characters, and not a name
    nixedge uses for itself (the manifest, temporary files).
    """
    if not relpath or relpath.startswith("/"):
        return f"must be a relative path {example}"
    parts = relpath.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return f"{_NOT_NORMAL} {example}"
    if any(not set(part) <= _PLAIN_CHARS for part in parts):
        return f"may only contain letters, digits and ._@+- {example}"
    if relpath in (MANIFEST, PENDING, FAILED) or any(part.startswith(TEMP_PREFIX) for part in parts):
        return f"is a name nixedge reserves for itself {example}"
    return None


def abspath_problem(path: str) -> str | None:
    """Why `path` cannot be a secret file path on the host, or None when it can."""
    if not path.startswith("/") or path == "/":
        return f"must be an absolute file path {_SECRET_EXAMPLE}"
    if path.startswith("//"):
        return f"{_NOT_NORMAL} {_SECRET_EXAMPLE}"
    return relpath_problem(path[1:], _SECRET_EXAMPLE)


def manifest_text(
    host: str, files: Mapping[str, str], secrets: Iterable[str], owner: Mapping[str, str] | None = None
) -> bytes:
    """The manifest: its owner (project, stack, the target's canonical identity: see
    `components.host.ownership`), module paths with their sha256, and secret paths
    (never hashes of secrets: the module directory is world-readable)."""
    body = {
        "generator": "nixedge",
        **({"owner": dict(owner)} if owner else {}),
        "host": host,
        "files": {rel: sha256_hex(text.encode()) for rel, text in sorted(files.items())},
        "secrets": sorted(set(secrets)),
    }
    return (json.dumps(body, indent=2) + "\n").encode()


def manifest_files(data: bytes | None) -> set[str]:
    """Module paths a manifest lists; unreadable or unsafe entries are ignored, since
    the manifest must never make us touch a file outside the module directory."""
    if data is None:
        return set()
    try:
        files = json.loads(data).get("files", {})
    except (ValueError, AttributeError):
        return set()
    if not isinstance(files, dict):
        return set()
    return {rel for rel in files if isinstance(rel, str) and relpath_problem(rel) is None}


def _json_object(data: bytes | None) -> dict[str, object] | None:
    """A file's JSON object (None: no file, not JSON, or not an object)."""
    if data is None:
        return None
    try:
        body = json.loads(data)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def manifest_field(data: bytes | None, key: str) -> object:
    """One top-level value of a manifest's JSON (None: no manifest, not JSON, or absent)."""
    body = _json_object(data)
    return None if body is None else body.get(key)


def manifest_host(data: bytes | None) -> str | None:
    """The host a manifest was written for (None: no readable manifest)."""
    value = manifest_field(data, "host")
    return value if isinstance(value, str) else None


def manifest_secrets(data: bytes | None) -> set[str]:
    """The secret paths a manifest lists."""
    value = manifest_field(data, "secrets")
    return {p for p in value if isinstance(p, str)} if isinstance(value, list) else set()


def failed_text(at: str, command: str, said: Iterable[str]) -> bytes:
    """The failed-activation record: when, which command, and what the failure said
    (what failed, whether the files were restored and the rollback ran)."""
    body = {"generator": "nixedge", "activation": "failed", "at": at, "command": command, "said": list(said)}
    return (json.dumps(body, indent=2) + "\n").encode()


def failed_record(data: bytes | None) -> dict[str, object] | None:
    """A failed-activation record's fields (None: no record, or not readable)."""
    body = _json_object(data)
    return body if body is not None and body.get("activation") == "failed" else None


def pending_text(modules: Iterable[str]) -> bytes:
    """The pending marker listing `modules`."""
    return (json.dumps({"generator": "nixedge", "activation": "pending", "modules": sorted(modules)}) + "\n").encode()


def pending_modules(data: bytes | None, files: Iterable[str]) -> list[str] | None:
    """The modules a pending marker lists (all of `files` when it is unreadable), or
    None without a marker."""
    if data is None:
        return None
    try:
        modules = json.loads(data)["modules"]
    except (ValueError, KeyError, TypeError):
        return sorted(files)
    if not isinstance(modules, list):
        return sorted(files)
    return sorted(m for m in modules if isinstance(m, str) and relpath_problem(m) is None)
