"""Torn writes and leftovers of a killed run in Pulumi's local file backend, found before
`scripts/pulumi` runs the CLI: repaired when that is provably safe, each repair said in
one line on stderr; otherwise the exact command to run, and the CLI does not start.

How the file backend writes a file (pulumi's pkg/backend/diy on gocloud.dev's fileblob
with `no_tmp_dir`), none of it fsynced, and what a kill leaves at each step:

1. the new content goes to `<file>.<hex ns>.tmp` beside it: killed here, a partial
   `.tmp` is left, and the file is intact;
2. the sidecar `<file>.attrs` (content type, md5 of the new content) is truncated and
   written in place: killed here, it is empty or cut, the `.tmp` is complete, and every
   read of the file fails (`failed to load checkpoint: EOF` for a stack's checkpoint);
3. the `.tmp` is renamed over the file (atomic), so a file is never cut by a kill. Only a
   crash of the machine or a full disk cuts one; for a checkpoint, the copy made before
   each write (`<file>.bak`, written the same way) is the previous step.

A deletion removes the file, then its sidecar. A lock is
`.pulumi/locks/<org>/<project>/<stack>/<id>.json` holding `{pid, username, hostname,
timestamp}`: its holder is provably gone when it names this machine and that pid is not
a process here that started before the lock was taken. Nothing is repaired on a backend
on a network file system (another machine may be writing), nor under a stack whose lock
is held by a live process, nor next to a `.tmp` that a process still has open.

    pulumi_state.py check --backend URL [--stack NAME] [--command CMD]
    pulumi_state.py recover --backend URL --stack NAME
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime
import gzip
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    from parent_death import die_with_parent
except ImportError:  # imported as scripts.pulumi_state (the tests)
    from scripts.parent_death import die_with_parent

PREFIX = "scripts/pulumi: "
PROJECT = "nixedge"
"""The project of Pulumi.yaml: its stacks' checkpoints are `.pulumi/stacks/nixedge/<stack>.json`."""
TMP = re.compile(r"^(?P<key>.+)\.(?P<ns>[0-9a-f]+)\.tmp$")
ATTRS = ".attrs"
LOCAL_FS = {"ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "f2fs", "bcachefs", "tmpfs", "ramfs", "overlay",
            "vfat", "exfat", "ntfs3", "jfs", "reiserfs"}  # fmt: skip
"""File systems only this machine writes to; anything else may be shared."""
IDEMPOTENT_CREATES = {"pulumi-python:dynamic/nixedge:HostModules", "pulumi-python:dynamic/nixedge:HostPrune"}
"""Resource types whose create can run again over what an interrupted create left: they
write the same files and take them over through the manifest."""
DROPS_PENDING_CREATES = {"up", "recover"}
"""Commands after which an interrupted create of IDEMPOTENT_CREATES runs again."""


# -- what the files hold ------------------------------------------------------------------


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
    return json.dumps({"user.cache_control": "", "user.content_disposition": "", "user.content_encoding": "",
                       "user.content_language": "", "user.content_type": kind, "user.metadata": None,
                       "md5": md5}, separators=(",", ":")) + "\n"  # fmt: skip


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


# -- processes on this machine ------------------------------------------------------------


def started_at(pid: int) -> float | None:
    """When process `pid` started (epoch seconds), or None when there is no such process
    (a zombie has finished: None too)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(line for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime "))
    except (OSError, StopIteration):
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(boot.split()[1]) + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def open_files() -> set[str]:
    """Every path that a process of this machine has open."""
    found: set[str] = set()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                for fd in os.scandir(proc / "fd"):
                    with contextlib.suppress(OSError):
                        found.add(os.readlink(fd.path))
    return found


def file_system(path: Path) -> str:
    """The type of the file system holding `path` (longest mount point in /proc/mounts)."""
    real, best, kind = str(path.resolve()), "", "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/mounts").read_text().splitlines():
            _, mount, fstype, *_ = line.split()
            mount = mount.replace("\\040", " ")
            if (real == mount or real.startswith(mount.rstrip("/") + "/")) and len(mount) >= len(best):
                best, kind = mount, fstype
    return kind


# -- the backend's files --------------------------------------------------------------------


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
    if parts[0] in ("history", "backups") and len(parts) >= 3:
        return parts[-2]
    if parts[0] == "locks" and len(parts) >= 3:
        return parts[-2]
    return None


@dataclass
class Holder:
    pid: int
    username: str
    hostname: str
    timestamp: str

    def gone(self) -> bool:
        """Provably no process of this machine holds the lock any more."""
        if self.hostname != socket.gethostname():
            return False
        start = started_at(self.pid)
        if start is None:
            return True
        taken = datetime.datetime.fromisoformat(self.timestamp).timestamp()
        return start > taken + 1  # the pid was reused by a process that started later

    def __str__(self) -> str:
        return f"{self.username}@{self.hostname} (pid {self.pid}) at {self.timestamp}"


def holder(path: Path) -> Holder | None:
    try:
        data = json.loads(path.read_bytes())
        return Holder(int(data["pid"]), str(data["username"]), str(data["hostname"]), str(data["timestamp"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


# -- the check ------------------------------------------------------------------------------


@dataclass
class Check:
    """One run over a backend: what it repaired, and what only a person may do."""

    root: Path
    stack: str | None
    command: str
    said: list[str] = field(default_factory=list)
    stops: list[str] = field(default_factory=list)
    busy: set[str] = field(default_factory=set)
    _open: set[str] | None = None

    @property
    def pulumi_dir(self) -> Path:
        return self.root / ".pulumi"

    def rel(self, path: Path) -> str:
        return str(path.relative_to(self.root))

    def is_open(self, path: Path) -> bool:
        if self._open is None:
            self._open = open_files()
        return str(path) in self._open or str(path.resolve()) in self._open

    def run(self) -> None:
        if not self.pulumi_dir.is_dir():
            return
        if (kind := file_system(self.root)) not in LOCAL_FS:
            self.network_file_system(kind)
            return
        found = groups(self.pulumi_dir)
        self.locks(found)
        for group in found.values():
            stack = stack_of(self.pulumi_dir, group.path)
            if stack not in self.busy and not any(self.is_open(t) for t in group.tmps):
                self.repair(group)
        if self.stack and self.command in DROPS_PENDING_CREATES and self.stack not in self.busy and not self.stops:
            self.pending_creates()

    def network_file_system(self, kind: str) -> None:
        torn = [g for g in groups(self.pulumi_dir).values() if g.tmps or (g.attrs and not attrs_valid(g.sidecar))]
        if torn:
            example = self.rel(torn[0].path)
            self.said.append(f"{self.root} is on a {kind} file system, which other machines may write: nothing "
                             f"repaired ({len(torn)} file(s) with leftovers, e.g. {example})")  # fmt: skip

    # -- locks ------------------------------------------------------------------------

    def locks(self, found: dict[Path, Group]) -> None:
        lock_dir = self.pulumi_dir / "locks"
        for group in [g for g in found.values() if lock_dir in g.path.parents]:
            stack = stack_of(self.pulumi_dir, group.path) or "?"
            for tmp in group.tmps:
                # A lock being written names its writer once complete; until then it is open.
                writer = holder(tmp)
                if self.is_open(tmp) or (writer is not None and not writer.gone()):
                    self.busy.add(stack)
            if not group.path.exists():
                continue
            lock = holder(group.path)
            if lock is None:
                self.busy.add(stack)
                self.stops.append(f"the lock {self.rel(group.path)} of stack {stack} is unreadable; once no `pulumi` "
                                  f"runs on the stack, run: scripts/pulumi cancel --stack {stack} --yes")  # fmt: skip
            elif lock.gone():
                group.path.unlink()
                with contextlib.suppress(FileNotFoundError):
                    group.sidecar.unlink()
                group.attrs = False
                self.said.append(f"removed the lock of stack {stack} left by {lock}: no such process on this machine")
            else:
                self.busy.add(stack)

    # -- torn writes --------------------------------------------------------------------

    def repair(self, group: Group) -> None:
        path, rel = group.path, self.rel(group.path)
        exists = path.exists()
        newest = max(group.tmps, key=lambda t: int(TMP.match(t.name)["ns"], 16), default=None)  # type: ignore[index]
        mtime_ns = path.stat().st_mtime_ns if exists else -1
        # A lock whose writer is gone (else the stack is busy) is not to be taken for it.
        is_lock = self.pulumi_dir / "locks" in path.parents
        if newest is not None and not is_lock and valid(newest) and int(TMP.match(newest.name)["ns"], 16) > mtime_ns:  # type: ignore[index]
            # Only the sidecar and the rename were left: do them, as the backend would have.
            data = newest.read_bytes()
            write_atomically(group.sidecar, attrs_text(data).encode())
            os.replace(newest, path)
            group.tmps.remove(newest)
            self.said.append(f"finished the interrupted write of {rel} (its new content was complete "
                             f"in {newest.name})")  # fmt: skip
            exists, group.attrs = True, True
        for tmp in group.tmps:
            what = "a complete" if is_lock and valid(tmp) else "an older" if valid(tmp) else "a cut"
            tmp.unlink()
            where = f"({rel} is its last complete version)" if exists else f"(there is no {path.name})"
            self.said.append(f"removed {self.rel(tmp)}, {what} copy that a killed run never put in place {where}")
        if exists and self.checkpoint(path) and valid(path) is False:
            self.restore(path)
        elif exists and group.attrs and not attrs_valid(group.sidecar):
            how = "empty" if group.sidecar.stat().st_size == 0 else "cut"
            write_atomically(group.sidecar, attrs_text(path.read_bytes()).encode())
            self.said.append(f"rewrote {rel}{ATTRS}, which a killed write had left {how} ({rel} is intact)")
        elif not exists and group.attrs:
            group.sidecar.unlink()
            self.said.append(f"removed {rel}{ATTRS}, the sidecar of a file that is not there (a killed write "
                             f"or deletion)")  # fmt: skip

    def checkpoint(self, path: Path) -> bool:
        parts = path.relative_to(self.pulumi_dir).parts
        return parts[0] == "stacks" and re.search(r"\.json(\.gz)?$", path.name) is not None

    def restore(self, path: Path) -> None:
        """A cut checkpoint: put back the one before it, keeping the cut one beside it."""
        rel, bak = self.rel(path), path.with_name(path.name + ".bak")
        stack = stack_of(self.pulumi_dir, path)
        if not (bak.exists() and valid(bak)):
            self.stops.append(f"{rel} is cut off and {bak.name} is not intact either. {self.backups(stack)}")
            return
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        torn = path.with_name(f"{path.name}.torn-{stamp}")
        # Never a moment without a checkpoint: without one, the stack would look gone.
        write_atomically(torn, path.read_bytes())
        data = bak.read_bytes()
        write_atomically(path.with_name(path.name + ATTRS), attrs_text(data).encode())
        write_atomically(path, data)
        self.said.append(f"{rel} was cut off: restored it from {bak.name}, the checkpoint one step before "
                         f"(the cut file is kept as {torn.name}); an operation of that last step, if any, "
                         "shows as pending and runs again")  # fmt: skip

    def backups(self, stack: str | None) -> str:
        kept = sorted((self.pulumi_dir / "backups").glob(f"*/{stack}/{stack}.*.json*"))
        kept = [p for p in kept if not p.name.endswith(ATTRS) and valid(p)]
        if not kept:
            return "No intact backup is left: rebuild the state from the host with `pulumi import`."
        newest = max(kept, key=lambda p: int(re.findall(r"\.(\d+)\.", p.name)[-1]))
        target = self.pulumi_dir / "stacks" / newest.parent.parent.name / f"{stack}.json"
        return (f"The newest intact backup is {self.rel(newest)} (taken at the start of an update); "
                f"to use it, run: cp {newest} {target} && rm -f {target}{ATTRS} && "
                f"scripts/pulumi refresh --stack {stack} --yes")  # fmt: skip

    # -- interrupted creates --------------------------------------------------------------

    def pending_creates(self) -> None:
        assert self.stack is not None
        path = self.pulumi_dir / "stacks" / PROJECT / f"{self.stack}.json"
        try:
            latest = json.loads(path.read_bytes())["checkpoint"].get("latest") or {}
        except (OSError, ValueError, KeyError, AttributeError):
            return
        ops = latest.get("pending_operations") or []
        safe = [op for op in ops if op.get("type") == "creating" and op["resource"]["type"] in IDEMPOTENT_CREATES]
        unsafe = [op for op in ops if op.get("type") == "creating" and op not in safe]
        for op in unsafe:
            urn = op["resource"]["urn"]
            refresh = f"scripts/pulumi refresh --stack {self.stack} --yes"
            self.said.append(f"stack {self.stack} has an interrupted create of {urn}, which may exist now: if it "
                             f"does, run `{refresh} --import-pending-creates {urn} <its id>`; if not, "
                             f"`{refresh} --clear-pending-creates`")  # fmt: skip
        # `stack import` drops every pending operation: only when each may go. (An
        # interrupted update or delete the engine drops by itself, with a warning.)
        if safe and not unsafe:
            self.drop(safe)

    def drop(self, safe: list[dict[str, Any]]) -> None:
        """Take the interrupted operations out of the state through the CLI (export, import)."""
        assert self.stack is not None
        exported = cli("stack", "export", "--stack", self.stack)
        if exported.returncode != 0:
            self.stops.append(f"could not read stack {self.stack}: {exported.stderr.strip()}")
            return
        deployment = json.loads(exported.stdout)
        deployment["deployment"]["pending_operations"] = []
        urns = {op["resource"]["urn"] for op in safe}
        with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="nixedge-state-", delete=False) as f:
            json.dump(deployment, f)
        try:
            imported = cli("stack", "import", "--stack", self.stack, "--file", f.name)
        finally:
            os.unlink(f.name)
        if imported.returncode != 0:
            self.stops.append(f"could not drop the interrupted creates of stack {self.stack}: "
                              f"{imported.stderr.strip()}")  # fmt: skip
            return
        for urn in sorted(urns):
            self.said.append(f"dropped the interrupted create of {urn.rsplit('::', 1)[-1]} from stack {self.stack}: "
                             "it writes the same files again and takes them over")  # fmt: skip


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The Pulumi CLI on PATH (scripts/pulumi put this checkout's first), dying with us."""
    return subprocess.run(["pulumi", *args, "--non-interactive"], capture_output=True, text=True, check=False,
                          preexec_fn=die_with_parent)  # fmt: skip


def backend_dir(url: str) -> Path | None:
    """The directory of a `file://` backend URL; None for any other backend."""
    if not url.startswith("file://"):
        return None
    return Path(os.path.expanduser(url.removeprefix("file://").split("?", 1)[0]))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="pulumi_state.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["check", "recover"])
    parser.add_argument("--backend", required=True, help="the backend URL (file://DIR)")
    parser.add_argument("--stack", default=None)
    parser.add_argument("--command", default="")
    args = parser.parse_args(argv)
    die_with_parent()
    root = backend_dir(args.backend)
    if args.action == "recover":
        if args.stack is None:
            parser.error("recover needs --stack NAME")
        if root is None:
            print(f"{PREFIX}recover works on the local file backend; {args.backend} is shared: once you know no "
                  f"`pulumi` runs on the stack, run: scripts/pulumi cancel --stack {args.stack} --yes",
                  file=sys.stderr)  # fmt: skip
            return 1
    if root is None:
        return 0
    stack = args.stack.rsplit("/", 1)[-1] if args.stack else None
    check = Check(root, stack, "recover" if args.action == "recover" else args.command)
    check.run()
    for line in check.said:
        print(PREFIX + line, file=sys.stderr)
    for line in check.stops:
        print(f"{PREFIX}error: {line}", file=sys.stderr)
    if args.action == "recover" and not check.said and not check.stops:
        print(f"{PREFIX}nothing to recover in stack {args.stack}", file=sys.stderr)
    return 1 if check.stops else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
