"""Moving a host's modules to another place: create before delete.

A change of `target`'s transport, destination or path moves the module directory.
`move` first brings the new place to the desired state exactly as a first `up` would
(`components.host.apply`: written, activated, checked; on failure the new place is put
back and the old one was never touched), and only then removes from the old place what
nixedge owns there (its manifest's modules, the manifest itself) without activating
it, as a destroy does. So a target that cannot be written (a NUL, a path under /proc, a
read-only file system) fails the update and leaves the deployed modules as they were.

Two names may lead to one place (a symlink, `root@seminar` and a `Host` alias of
~/.ssh/config): a probe file written at the new place and looked for at the old one
tells, and then nothing is removed there. Secret paths are absolute on the host: one
that both the old and the new state list is removed from the old host only when the
two hosts are provably different machines (their /etc/machine-id differ).
"""

from __future__ import annotations

import secrets as random
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from components.errors import HostError
from components.host.apply import apply, remove
from components.host.plan import Desired, Report, join
from components.host.target import LOCATION_KEYS
from components.host.transport import TEMP_PREFIX, FileWrite, Transport, TransportError

MACHINE_ID = "/etc/machine-id"


def moved(old_target: Mapping[str, Any], new_target: Mapping[str, Any]) -> bool:
    """Whether the module directory is named differently (transport, destination, path)."""

    def key(target: Mapping[str, Any], k: str) -> object:
        return target.get(k, "local") if k == "transport" else target.get(k)

    return any(key(old_target, k) != key(new_target, k) for k in LOCATION_KEYS)


def move(
    new: Transport,
    d: Desired,
    old: Transport,
    old_root: str,
    old_files: Iterable[str],
    old_secrets: Iterable[str],
    *,
    old_host: str,
    same_host: bool,
) -> Report:
    """Write (and activate) `d` at the new place, then remove the old place's files.

    `old_host`: the host's name in the old state; `same_host`: both targets name one
    machine (both local, or the same ssh destination and port). Raises HostError;
    before the new place is complete the old one is untouched, after it the message
    says that the move is half done."""
    report = apply(new, d, (), ())
    where = f"{d.host}'s modules are in {d.root} now" + (" and activated" if report.ran else "")
    old_secrets = set(old_secrets)
    leaving = sorted(old_secrets - set(d.secrets))
    try:
        if _same_place(new, d.root, old, old_root):
            old.remove_files(leaving)
            return report
        shared = old_secrets & set(d.secrets)
        if shared and not same_host and _different_machines(new, old):
            leaving = sorted(old_secrets)
        gone = remove(old, old_root, old_files, leaving, host=old_host)
    except HostError as exc:
        raise HostError(
            f"{where}, but removing them from the old place {old.label}:{old_root} failed: {exc}; "
            "what is left there is still in its manifest; run `scripts/pulumi up` again to finish the move"
        ) from exc
    return replace(report, emptied=old_root, emptied_modules=gone)


def _same_place(new: Transport, new_root: str, old: Transport, old_root: str) -> bool:
    """Whether the old root is the new one under another name: a probe file written at
    the new place shows up at the old one (a temporary name: a later write cleans it)."""
    probe = f"{TEMP_PREFIX}move-{random.token_hex(8)}"
    new.write_files([FileWrite(join(new_root, probe), b"nixedge: is this the old module directory?\n")])
    try:
        return old.read_files([join(old_root, probe)])[join(old_root, probe)] is not None
    finally:
        new.remove_files([join(new_root, probe)])


def _different_machines(new: Transport, old: Transport) -> bool:
    """Whether the two transports provably reach different machines."""
    try:
        a = new.read_files([MACHINE_ID])[MACHINE_ID]
        b = old.read_files([MACHINE_ID])[MACHINE_ID]
    except TransportError:
        return False
    return bool(a and b and a.strip() and b.strip() and a.strip() != b.strip())
