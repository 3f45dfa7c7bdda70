"""Torn writes of one file of the backend: finish what only lacked the rename, remove
leftovers, rewrite a cut sidecar, restore a cut checkpoint from the one before it."""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from scripts.state.files import ATTRS, Group, attrs_text, attrs_valid, is_checkpoint, stack_of, tmp_ns, valid
from scripts.state.files import write_atomically as write

if TYPE_CHECKING:
    from scripts.state.check import Check


def repair(check: Check, group: Group) -> None:
    path, rel = group.path, check.rel(group.path)
    # A lock whose writer is gone (else the stack is busy) is not to be taken for it.
    is_lock = check.pulumi_dir / "locks" in path.parents
    if not is_lock:
        finish_write(check, group)
    exists = path.exists()
    for tmp in group.tmps:
        what = "a complete" if is_lock and valid(tmp) else "an older" if valid(tmp) else "a cut"
        tmp.unlink()
        where = f"({rel} is its last complete version)" if exists else f"(there is no {path.name})"
        check.said.append(f"removed {check.rel(tmp)}, {what} copy that a killed run never put in place {where}")
    if exists and is_checkpoint(check.pulumi_dir, path) and valid(path) is False:
        restore(check, path)
    elif exists and group.attrs and not attrs_valid(group.sidecar):
        how = "empty" if group.sidecar.stat().st_size == 0 else "cut"
        write(group.sidecar, attrs_text(path.read_bytes()).encode())
        check.said.append(f"rewrote {rel}{ATTRS}, which a killed write had left {how} ({rel} is intact)")
    elif not exists and group.attrs:
        group.sidecar.unlink()
        check.said.append(f"removed {rel}{ATTRS}, the sidecar of a file that is not there (a killed write or deletion)")


def finish_write(check: Check, group: Group) -> None:
    """A complete `.tmp` newer than the file: only the sidecar and the rename were left, so
    do them, as the backend would have."""
    newest = max(group.tmps, key=tmp_ns, default=None)
    mtime_ns = group.path.stat().st_mtime_ns if group.path.exists() else -1
    if newest is None or not valid(newest) or tmp_ns(newest) <= mtime_ns:
        return
    data = newest.read_bytes()
    write(group.sidecar, attrs_text(data).encode())
    os.replace(newest, group.path)
    group.tmps.remove(newest)
    group.attrs = True
    check.said.append(
        f"finished the interrupted write of {check.rel(group.path)} (its new content was complete in {newest.name})"
    )


def restore(check: Check, path: Path) -> None:
    """A cut checkpoint: put back the one before it, keeping the cut one beside it."""
    rel, bak = check.rel(path), path.with_name(path.name + ".bak")
    stack = stack_of(check.pulumi_dir, path)
    if not (bak.exists() and valid(bak)):
        check.stops.append(f"{rel} is cut off and {bak.name} is not intact either. {backups(check, stack)}")
        return
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    torn = path.with_name(f"{path.name}.torn-{stamp}")
    # Never a moment without a checkpoint: without one, the stack would look gone.
    write(torn, path.read_bytes())
    data = bak.read_bytes()
    write(path.with_name(path.name + ATTRS), attrs_text(data).encode())
    write(path, data)
    check.said.append(
        f"{rel} was cut off: restored it from {bak.name}, the checkpoint one step before "
        f"(the cut file is kept as {torn.name}); an operation of that last step, if any, "
        "shows as pending and runs again"
    )


def backups(check: Check, stack: str | None) -> str:
    """What a person can do when no checkpoint is intact: the newest backup, if any."""
    kept = sorted((check.pulumi_dir / "backups").glob(f"*/{stack}/{stack}.*.json*"))
    kept = [p for p in kept if not p.name.endswith(ATTRS) and valid(p)]
    if not kept:
        return "No intact backup is left: rebuild the state from the host with `scripts/pulumi import`."
    newest = max(kept, key=lambda p: int(re.findall(r"\.(\d+)\.", p.name)[-1]))
    target = check.pulumi_dir / "stacks" / newest.parent.parent.name / f"{stack}.json"
    return (
        f"The newest intact backup is {check.rel(newest)} (taken at the start of an update); "
        f"to use it, run: cp {newest} {target} && rm -f {target}{ATTRS} && "
        f"scripts/pulumi refresh --stack {stack} --yes"
    )
