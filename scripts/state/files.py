"""What the file backend's files hold: whole or cut, their sidecars, which stack they belong to."""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

TMP = re.compile(r"^(?P<key>.+)\.(?P<ns>[0-9a-f]+)\.tmp$")
ATTRS = ".attrs"


def tmp_ns(path: Path) -> int:
    """The nanosecond stamp of a `<file>.<hex ns>.tmp` name."""
    match = TMP.match(path.name)
    assert match is not None, path
    return int(match["ns"], 16)


def valid(path: Path) -> bool | None:
    """Whether `path` holds a whole file of its kind (a cut JSON document never parses);
    None when its kind cannot be told."""
    name = TMP.sub(r"\g<key>", path.name).removesuffix(".bak")
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        if name.endswith(".gz"):
            data, name = gzip.decompress(data), name.removesuffix(".gz")
        if name.endswith(".json"):
            return isinstance(json.loads(data), dict)
        if name.endswith(".yaml"):
            import yaml  # the SDK's dependency: there whenever pulumi is

            return isinstance(yaml.safe_load(data), dict)
    except (OSError, ValueError, EOFError, gzip.BadGzipFile):  # OSError: gzip's cut stream
        return False
    except Exception:  # noqa: BLE001 - yaml's errors: a cut file
        return False
    return None


def attrs_valid(path: Path) -> bool:
    """A sidecar is read as one JSON object (Go's json.Decoder); empty or cut fails with EOF."""
    try:
        value, _ = json.JSONDecoder().raw_decode(path.read_text().lstrip())
    except (OSError, ValueError):
        return False
    return isinstance(value, dict)


def attrs_text(data: bytes) -> str:
    """The sidecar fileblob writes for `data` (pulumi sets no content type: sniffed)."""
    kind = "application/x-gzip" if data[:2] == b"\x1f\x8b" else "text/plain; charset=utf-8"
    md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
    attrs = {
        "user.cache_control": "",
        "user.content_disposition": "",
        "user.content_encoding": "",
        "user.content_language": "",
        "user.content_type": kind,
        "user.metadata": None,
        "md5": md5,
    }
    return json.dumps(attrs, separators=(",", ":")) + "\n"


def write_atomically(path: Path, data: bytes) -> None:
    # Named `*.attrs` while it is written: the backend's listing skips such names.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=f".repair{ATTRS}")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@dataclass
class Group:
    """A file of the backend with its sidecar and leftover temporary files."""

    path: Path
    attrs: bool = False
    tmps: list[Path] = field(default_factory=list)

    @property
    def sidecar(self) -> Path:
        return self.path.with_name(self.path.name + ATTRS)


def groups(pulumi_dir: Path) -> dict[Path, Group]:
    found: dict[Path, Group] = {}
    for path in sorted(p for p in pulumi_dir.rglob("*") if p.is_file()):
        if match := TMP.match(path.name):
            found.setdefault(path.with_name(match["key"]), Group(path.with_name(match["key"]))).tmps.append(path)
        elif path.name.endswith(ATTRS):
            key = path.with_name(path.name.removesuffix(ATTRS))
            found.setdefault(key, Group(key)).attrs = True
        else:
            found.setdefault(path, Group(path))
    return found


def stack_of(pulumi_dir: Path, path: Path) -> str | None:
    """The stack a file of the backend belongs to (checkpoint, history, backups, locks)."""
    parts = path.relative_to(pulumi_dir).parts
    if parts[0] == "stacks" and len(parts) >= 2:
        return re.sub(r"\.json(\.gz|\.zst)?(\.bak)?(\.torn-.*)?$", "", TMP.sub(r"\g<key>", parts[-1]))
    if parts[0] in ("history", "backups", "locks") and len(parts) >= 3:
        return parts[-2]
    return None


def is_checkpoint(pulumi_dir: Path, path: Path) -> bool:
    """A stack's checkpoint (not its `.bak`, history or backups)."""
    parts = path.relative_to(pulumi_dir).parts
    return parts[0] == "stacks" and re.search(r"\.json(\.gz)?$", path.name) is not None
