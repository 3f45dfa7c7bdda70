"""What the host provider does on a host, independent of Pulumi: write, activate, undo.

`apply` brings one host's module directory (and its secret files) to the desired
content: it reads what the host holds, asks `components.host.plan` what to do, and
`execute`s that plan: writes, activates the new configuration once when something
changed, checks the origins of the containers whose modules changed, and on any failure
puts back exactly what was there before and runs the rollback command once
(`components.host.rollback`). With `Desired.retain_removed`, modules that left the stack
stay (still imported) and `prune`, a later step, removes them in the same transactional
way. `remove` deletes exactly the files nixedge owns. `read_back` reads them for drift
detection. What nixedge owns: see `components.host.manifest`.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Iterable

from components.errors import HostError
from components.host import progress
from components.host.manifest import (
    FAILED,
    MANIFEST,
    PENDING,
    manifest_files,
    manifest_host,
    manifest_secrets,
)
from components.host.ownership import Owner, check_owner, manifest_owner
from components.host.plan import (
    Activation,
    Desired,
    Plan,
    Report,
    dirs,
    dirs_within,
    first_reads,
    join,
    later_reads,
    make_plan,
)
from components.host.rollback import fail, restore_note
from components.host.transport import CommandResult, Transport, TransportError, tail
from components.model.claims import OriginCheck
from components.model.module_paths import INDEX
from components.nixos.layout import index_module


def apply(t: Transport, d: Desired, owned_files: Iterable[str], owned_secrets: Iterable[str]) -> Report:
    """Bring the host to `d`; on failure leave it as it was before and raise HostError.

    `owned_files`/`owned_secrets` are what the state says we wrote before (see
    `make_plan`). One round trip reads the usual case; a second only modules that only
    the manifest knows.
    """
    owned_files, owned_secrets = list(owned_files), list(owned_secrets)
    try:
        before = t.read_files(first_reads(d, owned_files, owned_secrets))
        unread = later_reads(d, before)
        if unread:
            before.update(t.read_files(unread))
    except TransportError as exc:
        raise HostError(f"Reading the modules of {d.host} in {d.root} failed: {exc}; nothing was changed") from exc
    return execute(t, make_plan(d, owned_files, owned_secrets, before))


def execute(t: Transport, plan: Plan) -> Report:
    """Carry out `plan`; on failure put back what `plan.undo` holds, roll back, raise."""
    d = plan.desired
    if not plan.touches:
        _clean(t, d, plan.clean)
        return Report([], [], ran=False, checked=[], retained=list(plan.retained))
    try:
        t.clean_temp_files(list(plan.clean))
        t.write_files(list(plan.writes))
        # An update that activates nothing completes here: the failed activation before
        # it is no longer the last word on these modules.
        t.remove_files(list(plan.removals) + ([] if plan.activate else [d.path(FAILED)]))
    except TransportError as exc:
        note = restore_note(t, d, plan.undo)
        raise HostError(f"Writing modules to {d.host} failed in {d.root}: {exc}; {note}") from exc
    checked: list[str] = []
    output = ""
    if plan.activate:
        command = shlex.join(d.activation.command)
        result = _activate(t, plan, command)
        output = tail(result.output, 20)
        for check in plan.checks:
            _run_check(t, plan, check)
            checked.append(check.container)
    try:
        if plan.activate:  # completed: no pending activation, no failed one as the last
            t.remove_files([d.path(PENDING), d.path(FAILED)])
        if plan.empty_dirs:
            t.remove_empty_dirs(list(plan.empty_dirs))
    except TransportError as exc:
        raise HostError(
            f"{d.host} has the new modules in {d.root}"
            + (" and activated them" if plan.activate else "")
            + f", but cleaning up after failed: {exc}; run `scripts/pulumi up` again"
        ) from exc
    return Report(
        list(plan.changed),
        list(plan.secrets_changed),
        ran=plan.activate,
        checked=checked,
        retained=list(plan.retained),
        adopted=plan.adopted,
        output=output,
        removed=list(plan.removed),
    )


def _activate(t: Transport, plan: Plan, command: str) -> CommandResult:
    """Run the activation, its output streamed to the person watching (progress): a
    line when it starts, each line it prints, and one with its duration when it ends.
    On failure undo and raise (`fail`)."""
    d = plan.desired
    say = progress.reporter()
    say.status(f"{d.host}: activating ({_why(plan)}): `{command}`")
    started = time.monotonic()
    try:
        result = t.run(d.activation.command, d.activation.timeout, cwd=d.root, on_line=say.status)
    except TransportError as exc:
        fail(t, d, plan.undo, f"`{command}` could not be run: {exc}", "")
    took = time.monotonic() - started
    if not result.ok:
        say.status(f"{d.host}: `{command}` failed after {took:.0f} s (exit {result.exit_code}); restoring")
        fail(t, d, plan.undo, f"`{command}` exited with status {result.exit_code}", result.output)
    say.status(f"{d.host}: activated in {took:.0f} s")
    return result


def _why(plan: Plan) -> str:
    """Why this activation runs, in a few words."""
    counts = [(len(plan.changed), "module"), (len(plan.secrets_changed), "secret")]
    parts = [f"{n} {noun}{'s' if n != 1 else ''} changed" for n, noun in counts if n]
    return ", ".join(parts) or "an earlier activation did not complete"


def _clean(t: Transport, d: Desired, directories: Iterable[str]) -> None:
    """Remove leftover temporary files; nothing else changes, so say so on failure."""
    if not directories:
        return
    try:
        t.clean_temp_files(list(directories))
    except TransportError as exc:
        raise HostError(
            f"Cleaning temporary files in {d.root} on {d.host} failed: {exc}; nothing else changed"
        ) from exc


def _run_check(t: Transport, plan: Plan, check: OriginCheck) -> None:
    """TCP-connect from the host to the origin, retrying while the container starts."""
    detail = ""
    for attempt in range(check.attempts):
        if attempt:
            time.sleep(check.interval)
        try:
            result = t.tcp_check(check.address, check.port, check.timeout)
        except TransportError as exc:
            result_ok, detail = False, str(exc)
        else:
            result_ok, detail = result.ok, result.output.strip()
        if result_ok:
            return
    fail(
        t,
        plan.desired,
        plan.undo,
        f"the origin check failed: container {check.container} did not accept TCP "
        f"connections on {check.address}:{check.port} from {plan.desired.host} after "
        f"{check.attempts} attempts ({detail or 'refused or timed out'})",
        "",
    )


def prune(
    t: Transport, host: str, root: str, keep: Iterable[str], activation: Activation, owner: Owner | None = None
) -> Report:
    """Remove the owned modules not in `keep` (those `apply` retained), write the final
    default.nix, activate once; on failure put them back and roll back, as `apply` does.

    The secret files and the kept modules stay as they are: their content comes from
    the host, and the manifest keeps listing the same secrets and owner. A directory
    another stack owns (`owner` given) is refused before anything changes.
    """
    manifest_path = join(root, MANIFEST)
    try:
        current = t.read_files([manifest_path])[manifest_path]
        check_owner(current, owner, {"path": root}, host)
        owned = manifest_files(current) - {MANIFEST}
        keep = set(keep) - {INDEX}
        found = t.read_files([join(root, rel) for rel in sorted(owned & keep)])
    except TransportError as exc:
        raise HostError(f"Reading the modules of {host} in {root} failed: {exc}; nothing was changed") from exc
    files = {
        rel: content.decode(errors="replace")
        for rel in sorted(owned & keep)
        if (content := found[join(root, rel)]) is not None
    }
    files[INDEX] = index_module(host, files)  # what is there: an import of a missing file breaks the build
    desired = Desired(
        host=host,
        root=root,
        files=files,
        activation=activation,
        listed_secrets=frozenset(manifest_secrets(current)),
        owner=manifest_owner(current),
    )
    return apply(t, desired, owned, ())


def remove(
    t: Transport,
    root: str,
    owned_files: Iterable[str],
    owned_secrets: Iterable[str],
    host: str | None = None,
    owner: Owner | None = None,
) -> list[str]:
    """Remove exactly our files (state ∪ manifest), our secrets and the manifest; then
    the directories from `root` down that became empty. Returns the removed module
    paths. Foreign files, and directories holding them, stay.

    When the manifest names another host, another resource has taken the directory over
    (the host was renamed, so Pulumi created the new resource before deleting this one):
    then only what the new manifest does not list goes, and the manifest stays. The same
    when the manifest names another owner (`owner` given): another stack took it over.
    """
    manifest_path = join(root, MANIFEST)
    current = t.read_files([manifest_path])[manifest_path]
    theirs = manifest_owner(current)
    if (host is not None and manifest_host(current) not in (None, host)) or (
        owner is not None and theirs not in (None, owner)
    ):
        taken = manifest_files(current)
        owned = sorted(set(owned_files) - taken - {MANIFEST})
        paths = [join(root, rel) for rel in owned]
        secrets = sorted(set(owned_secrets) - manifest_secrets(current))
        t.remove_files([*paths, *secrets])
        t.remove_empty_dirs(dirs_within(root, paths))
        return owned
    owned = sorted((set(owned_files) | manifest_files(current)) - {MANIFEST})
    paths = [join(root, rel) for rel in owned]
    t.clean_temp_files(dirs([*paths, *owned_secrets, manifest_path]))
    # The manifest goes last, so an interrupted delete still lists what is left.
    t.remove_files([*paths, *sorted(owned_secrets), join(root, PENDING), join(root, FAILED), manifest_path])
    t.remove_empty_dirs(dirs_within(root, [*paths, manifest_path]))
    return owned


def read_back(
    t: Transport, root: str, owned_files: Iterable[str], secret_paths: Iterable[str]
) -> tuple[dict[str, str], dict[str, bytes | None], bool]:
    """Module texts now on the host (state ∪ manifest; missing ones left out), the raw
    content of the secret files (None when missing), for drift detection, and whether
    an activation of these modules is still pending (an interrupted run)."""
    manifest_path, pending_path = join(root, MANIFEST), join(root, PENDING)
    first = t.read_files([manifest_path, pending_path])
    current = first[manifest_path]
    owned = sorted((set(owned_files) | manifest_files(current)) - {MANIFEST})
    secrets = sorted(secret_paths)
    found = t.read_files([*(join(root, rel) for rel in owned), *secrets])
    files = {rel: content.decode(errors="replace") for rel in owned if (content := found[join(root, rel)]) is not None}
    return files, {p: found[p] for p in secrets}, first[pending_path] is not None
