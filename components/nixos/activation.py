"""What the host provider does on a host, independent of Pulumi: write, activate, undo.

`apply` brings one host's module directory (and its secret files) to the desired
content, activates the new configuration once when something changed, checks the
origins of the containers whose modules changed, and on any failure puts back exactly
what was there before and runs the rollback command once. With
`Desired.retain_removed`, modules that left the stack stay (still imported) and
`prune`, a later step, removes them in the same transactional way. `remove` deletes
exactly the files nixedge owns. `read_back` reads them for drift detection.

Ownership: the modules named in the Pulumi state plus those listed in the manifest
(`.nixedge-manifest.json` in the module directory, written last on every change), and
the secret files named in the state. Nothing else is ever written or removed.

An activation that was interrupted (the machine running Pulumi died, the connection
dropped) leaves the marker `.nixedge-activation-pending` next to the modules it wrote:
the next `apply` activates even when no module differs any more, and `read_back`
reports it, so `pulumi refresh` does not hide a host that never ran its modules.
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import NoReturn

from components.errors import ActivationError, HostError
from components.nixos.layout import INDEX, index_module
from components.nixos.transport import (
    TEMP_PREFIX,
    CommandResult,
    FileWrite,
    Transport,
    TransportError,
    sha256_hex,
    tail,
)

MANIFEST = ".nixedge-manifest.json"
"""Name of the manifest in the module directory; never a module name."""

PENDING = ".nixedge-activation-pending"
"""Marker in the module directory, in place (written first) from the moment new modules
are until their activation completed, or they were restored and rolled back. It lists
the modules the unfinished activation was for. Never a module name."""

OUTPUT_LINES = 40
"""How much of a failed command's output goes into the error."""

_PLAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@+-")


def relpath_problem(relpath: str) -> str | None:
    """Why `relpath` cannot be a module path, or None when it can.

    A module path is relative, normalised, made of plain characters, and not a name
    nixedge uses for itself (the manifest, temporary files).
    """
    example = "(expected e.g. 'containers/forgejo.nix')"
    if not relpath or relpath.startswith("/"):
        return f"must be a relative path {example}"
    parts = relpath.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return f"must be normalised, without '.', '..' or '//' {example}"
    if any(not set(part) <= _PLAIN_CHARS for part in parts):
        return f"may only contain letters, digits and ._@+- {example}"
    if relpath in (MANIFEST, PENDING) or any(part.startswith(TEMP_PREFIX) for part in parts):
        return f"is a name nixedge reserves for itself {example}"
    return None


def abspath_problem(path: str) -> str | None:
    """Why `path` cannot be a secret file path on the host, or None when it can."""
    example = "(expected e.g. '/var/lib/nixedge/secrets/tunnel-token')"
    if not path.startswith("/") or path == "/":
        return f"must be an absolute file path {example}"
    problem = relpath_problem(path[1:])
    return None if problem is None else problem.replace("a relative", "an absolute")


@dataclass(frozen=True)
class Check:
    """An origin that must accept TCP connections from the host once `files` changed."""

    container: str
    address: str
    port: int
    files: tuple[str, ...]
    # About a minute in all: a container restarted by the switch may need a while to
    # listen again, and a false failure would roll the host back.
    attempts: int = 10
    interval: float = 3.0
    timeout: float = 3.0


@dataclass(frozen=True)
class Activation:
    """Commands run on the host; an empty `command` means no activation and no checks."""

    command: tuple[str, ...] = ()
    rollback: tuple[str, ...] = ()
    timeout: float = 3600.0


@dataclass(frozen=True)
class Desired:
    """What one host should have: its module directory, secret files and activation."""

    host: str
    root: str
    files: Mapping[str, str]
    secrets: Mapping[str, str] = field(default_factory=dict)
    activation: Activation = Activation()
    checks: Sequence[Check] = ()
    retain_removed: bool = False
    """Keep owned modules that left `files` (their container keeps running), imported by
    an interim default.nix, for `prune` to remove once the edge stopped routing to them."""
    release: frozenset[str] = frozenset()
    """Modules that left `files` and go at once even so: a new module takes their
    address, id or port, so the two cannot run side by side."""
    listed_secrets: frozenset[str] = frozenset()
    """Secret paths the manifest lists besides `secrets`, untouched (used by `prune`,
    which has no secret values)."""


@dataclass(frozen=True)
class Report:
    """What `apply` did; no secret values, only secret paths."""

    changed: list[str]
    secrets_changed: list[str]
    ran: bool
    checked: list[str]
    retained: list[str] = field(default_factory=list)
    """Modules kept although they left `files` (`Desired.retain_removed`)."""


def manifest_text(host: str, files: Mapping[str, str], secrets: Iterable[str]) -> bytes:
    """The manifest: module paths with their sha256, and secret paths (never hashes of
    secrets: the module directory is world-readable)."""
    body = {
        "generator": "nixedge",
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


@dataclass(frozen=True)
class _Undo:
    """What an update needs to put the host back: the content each touched path had
    before (None: it did not exist), and which of them are secrets (restored 0600)."""

    before: Mapping[str, bytes | None]
    touched: list[str]
    private: frozenset[str]


def _join(root: str, relpath: str) -> str:
    return str(PurePosixPath(root) / relpath)


def _dirs(paths: Iterable[str]) -> list[str]:
    return sorted({str(PurePosixPath(p).parent) for p in paths})


def _dirs_within(root: str, paths: Iterable[str]) -> list[str]:
    """Every directory between `root` (included) and each path (excluded)."""
    top = PurePosixPath(root)
    found = {str(parent) for p in paths for parent in PurePosixPath(p).parents if parent.is_relative_to(top)}
    return sorted(found)


def apply(t: Transport, d: Desired, owned_files: Iterable[str], owned_secrets: Iterable[str]) -> Report:
    """Bring the host to `d`; on failure leave it as it was before and raise HostError.

    `owned_files`/`owned_secrets` are what the state says we wrote before; files that
    left the set are removed. Activation runs once, only if a file or secret changed
    or the activation of an earlier run was interrupted (the PENDING marker).
    """
    manifest_path = _join(d.root, MANIFEST)
    pending_path = _join(d.root, PENDING)
    owned = set(owned_files) - {MANIFEST}
    secret_paths = set(d.secrets) | set(owned_secrets)
    # One round trip for the usual case; a second only for modules that only the
    # manifest knows (written by a run whose result never reached the state).
    before = t.read_files(
        [manifest_path, pending_path, *(_join(d.root, r) for r in sorted(set(d.files) | owned)),
         *sorted(secret_paths)]
    )  # fmt: skip
    # Modules an earlier run wrote whose activation never completed (None: no such run).
    interrupted = _pending_modules(before[pending_path], d.files)
    owned |= manifest_files(before[manifest_path]) - {MANIFEST}
    rel_to_abs = {rel: _join(d.root, rel) for rel in set(d.files) | owned}
    unread = [p for p in rel_to_abs.values() if p not in before]
    if unread:
        before.update(t.read_files(unread))
    kept = _retained(d, owned, {rel: before[path] for rel, path in rel_to_abs.items()})
    retained = sorted(kept)
    if kept:
        d = replace(d, files={**d.files, **kept, INDEX: index_module(d.host, d.files, leaving=kept)})

    writes: list[FileWrite] = []
    changed: list[str] = []
    for rel, text in sorted(d.files.items()):
        data = text.encode()
        if before[rel_to_abs[rel]] != data:
            writes.append(FileWrite(rel_to_abs[rel], data))
            changed.append(rel)
    # A file that is there, differs, and that neither the state, the manifest nor an
    # interrupted run of ours wrote is someone else's: never overwrite it.
    ours = owned | set(interrupted or ())
    foreign = [rel for rel in changed if before[rel_to_abs[rel]] is not None and rel not in ours]
    if foreign:
        listed = ", ".join(foreign)
        raise HostError(
            f"Refusing to overwrite {listed} in {d.root} on {d.host}: nixedge did not write "
            f"{'it' if len(foreign) == 1 else 'them'} (not in its manifest). Move "
            f"{'it' if len(foreign) == 1 else 'them'} away, or point host.target.path at a directory "
            "of nixedge's own; nothing was changed."
        )
    gone = sorted(rel for rel in owned - set(d.files) if before[rel_to_abs[rel]] is not None)
    secrets_changed: list[str] = []
    for path, value in sorted(d.secrets.items()):
        if before[path] != value.encode():
            writes.append(FileWrite(path, value.encode(), mode=0o600, dir_mode=0o700))
            secrets_changed.append(path)
    gone_secrets = sorted(p for p in set(owned_secrets) - set(d.secrets) if before[p] is not None)
    manifest = manifest_text(d.host, d.files, set(d.secrets) | d.listed_secrets)
    if before[manifest_path] != manifest:
        # Last: it lists what precedes it.
        writes.append(FileWrite(manifest_path, manifest))
    removals = [rel_to_abs[rel] for rel in gone] + gone_secrets
    # Marking a module as leaving (or no longer) changes default.nix's comments only:
    # the system it builds is the same, so that alone calls for no activation.
    substantive = [
        rel for rel in changed if not (rel == INDEX and _same_but_comments(before[rel_to_abs[rel]], d.files[rel]))
    ]
    activate = bool(d.activation.command) and bool(
        substantive or gone or secrets_changed or gone_secrets or interrupted is not None
    )
    if activate:
        # First: it is in place before any new module is, until the activation completed.
        pending = sorted(set(changed + gone) | set(interrupted or ()))
        writes.insert(0, FileWrite(pending_path, _pending_text(pending)))
    elif interrupted is not None:
        removals.append(pending_path)  # nothing activates this host any more
    undo = _Undo(before, [w.path for w in writes] + removals, frozenset(secret_paths))

    # Writing into a directory cleans it; the others are cleaned here.
    unwritten = set(_dirs([*rel_to_abs.values(), *secret_paths, manifest_path]))
    unwritten -= set(_dirs(w.path for w in writes))
    if unwritten:
        t.clean_temp_files(sorted(unwritten))
    if not undo.touched:
        return Report([], [], ran=False, checked=[], retained=retained)
    try:
        t.write_files(writes)
        t.remove_files(removals)
    except TransportError as exc:
        note = _restore_note(t, d, undo)
        raise HostError(f"Writing modules to {d.host} failed: {exc}; {note}") from exc

    changed_all = sorted(changed + gone)
    ran = False
    checked: list[str] = []
    if activate:
        command = shlex.join(d.activation.command)
        try:
            result = t.run(d.activation.command, d.activation.timeout, cwd=d.root)
        except TransportError as exc:
            _fail(t, d, undo, f"`{command}` could not be run: {exc}", "")
        if not result.ok:
            _fail(t, d, undo, f"`{command}` exited with status {result.exit_code}", result.output)
        ran = True
        for check in d.checks:
            if set(check.files) & (set(changed_all) | set(interrupted or ())):
                _run_check(t, d, check, undo)
                checked.append(check.container)
        t.remove_files([pending_path])
    if gone:
        # Only directories below the module directory that held removed modules.
        t.remove_empty_dirs([p for p in _dirs_within(d.root, (rel_to_abs[r] for r in gone)) if p != d.root])
    return Report(changed_all, sorted(secrets_changed + gone_secrets), ran=ran, checked=checked, retained=retained)


def _same_but_comments(before: bytes | None, text: str) -> bool:
    """Whether the index module `text` differs from `before` in comments only (its
    lines hold paths and punctuation, never a `#` of their own)."""
    if before is None:
        return False

    def code(t: str) -> list[str]:
        return [stripped for line in t.splitlines() if (stripped := line.split("#", 1)[0].rstrip())]

    return code(before.decode(errors="replace")) == code(text)


def _retained(d: Desired, owned: set[str], before: Mapping[str, bytes | None]) -> dict[str, str]:
    """The owned modules that left `d.files` and stay for now (`Desired.retain_removed`),
    with their text: those still on the host, readable as text, and not released."""
    if not d.retain_removed:
        return {}
    kept: dict[str, str] = {}
    for rel in sorted(owned - set(d.files) - d.release - {INDEX}):
        content = before.get(rel)
        if content is None:
            continue
        try:
            kept[rel] = content.decode()
        except UnicodeDecodeError:
            continue  # not a module nixedge wrote as it is: nothing to keep running
    return kept


def prune(t: Transport, host: str, root: str, keep: Iterable[str], activation: Activation) -> Report:
    """Remove the owned modules not in `keep` (those `apply` retained), write the final
    default.nix, activate once; on failure put them back and roll back, as `apply` does.

    The secret files and the kept modules stay as they are: their content comes from
    the host, and the manifest keeps listing the same secrets.
    """
    manifest_path = _join(root, MANIFEST)
    current = t.read_files([manifest_path])[manifest_path]
    owned = manifest_files(current) - {MANIFEST}
    keep = set(keep) - {INDEX}
    found = t.read_files([_join(root, rel) for rel in sorted(owned & keep)])
    files = {rel: content.decode(errors="replace") for rel in sorted(owned & keep)
             if (content := found[_join(root, rel)]) is not None}  # fmt: skip
    files[INDEX] = index_module(host, files)  # what is there: an import of a missing file breaks the build
    desired = Desired(
        host=host, root=root, files=files, activation=activation, listed_secrets=frozenset(_manifest_secrets(current))
    )
    return apply(t, desired, owned, ())


def _pending_text(modules: Iterable[str]) -> bytes:
    return (json.dumps({"generator": "nixedge", "activation": "pending", "modules": sorted(modules)}) + "\n").encode()


def _pending_modules(data: bytes | None, files: Iterable[str]) -> list[str] | None:
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


def _run_check(t: Transport, d: Desired, check: Check, undo: _Undo) -> None:
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
    _fail(
        t, d, undo,
        f"the origin check failed: container {check.container} did not accept TCP "
        f"connections on {check.address}:{check.port} from {d.host} after "
        f"{check.attempts} attempts ({detail or 'refused or timed out'})",
        "",
    )  # fmt: skip


def _restore(t: Transport, undo: _Undo) -> None:
    """Put back what was at each touched path before this run (or remove it)."""
    writes = [
        FileWrite(p, content, mode=0o600 if p in undo.private else 0o644,
                  dir_mode=0o700 if p in undo.private else 0o755)
        for p in undo.touched
        if (content := undo.before.get(p)) is not None
    ]  # fmt: skip
    t.write_files(writes)
    t.remove_files([p for p in undo.touched if undo.before.get(p) is None])


def _restore_note(t: Transport, d: Desired, undo: _Undo) -> str:
    try:
        _restore(t, undo)
    except TransportError as exc:
        return (
            f"COULD NOT RESTORE the previous modules either ({exc}); {d.host} may have a "
            "mix of previous and new files (each one complete); run `pulumi up` again"
        )
    return "restored the previous modules; nothing was activated"


def _fail(t: Transport, d: Desired, undo: _Undo, what: str, output: str) -> NoReturn:
    """Restore the previous files, roll back once, and raise the whole story."""
    lines = [f"Activation of {d.host} failed: {what}."]
    try:
        _restore(t, undo)
        restored = True
    except TransportError as exc:
        restored = False
        lines.append(
            f"COULD NOT RESTORE the previous modules ({exc}): {d.host} has the new "
            "modules on disk (each file complete)."
        )
    rollback = shlex.join(d.activation.rollback)
    rollback_failed: CommandResult | None = None
    if not d.activation.rollback:
        lines.append(
            ("Restored the previous modules; " if restored else "")
            + "no rollback command is configured, so the host may still run what the "
            "failed activation left behind."
        )
    else:
        try:
            rb = t.run(d.activation.rollback, d.activation.timeout, cwd=d.root)
            rb_detail = f"exited with status {rb.exit_code}"
        except TransportError as exc:
            rb, rb_detail = CommandResult(255, ""), f"could not be run: {exc}"
        if rb.ok and restored:
            lines.append(f"Restored the previous modules and rolled back (`{rollback}`).")
        elif rb.ok:
            lines.append(f"Rolled back (`{rollback}`), but the files on disk are the new ones.")
        else:
            rollback_failed = rb
            # Restoring removed the pending marker; the running system matches no files now.
            marked = restored and _mark_pending(t, d)
            lines.append(
                ("Restored the previous modules, but " if restored else "")
                + f"THE ROLLBACK FAILED TOO: `{rollback}` {rb_detail}. {d.host} may still "
                "run the configuration of the failed activation"
                + (" while its files are the previous ones" if restored else "")
                + "; repair it on the host (e.g. `nixos-rebuild switch --rollback` there) "
                "before the next `pulumi up`"
                + (
                    "; nixedge left its pending-activation marker there, so `pulumi refresh` and "
                    "`pulumi up` activate the host again even if no module changes."
                    if marked
                    else "."
                )
            )
    if output.strip():
        command = shlex.join(d.activation.command)
        lines.append(f"Output of `{command}` (last {OUTPUT_LINES} lines):")
        lines.append(_indent(tail(output, OUTPUT_LINES)))
    if rollback_failed is not None and rollback_failed.output.strip():
        lines.append(f"Output of `{rollback}` (last {OUTPUT_LINES} lines):")
        lines.append(_indent(tail(rollback_failed.output, OUTPUT_LINES)))
    raise ActivationError("\n".join(lines))


def _mark_pending(t: Transport, d: Desired) -> bool:
    """Best effort: leave the pending marker, so the next run activates this host."""
    try:
        t.write_files([FileWrite(_join(d.root, PENDING), _pending_text(d.files))])
    except TransportError:
        return False
    return True


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())


def remove(
    t: Transport, root: str, owned_files: Iterable[str], owned_secrets: Iterable[str], host: str | None = None
) -> list[str]:
    """Remove exactly our files (state ∪ manifest), our secrets and the manifest; then
    the directories from `root` down that became empty. Returns the removed module
    paths. Foreign files, and directories holding them, stay.

    When the manifest names another host, another resource has taken the directory over
    (the host was renamed, so Pulumi created the new resource before deleting this one):
    then only what the new manifest does not list goes, and the manifest stays.
    """
    manifest_path = _join(root, MANIFEST)
    current = t.read_files([manifest_path])[manifest_path]
    if host is not None and _manifest_host(current) not in (None, host):
        taken = manifest_files(current)
        owned = sorted(set(owned_files) - taken - {MANIFEST})
        paths = [_join(root, rel) for rel in owned]
        secrets = sorted(set(owned_secrets) - _manifest_secrets(current))
        t.remove_files([*paths, *secrets])
        t.remove_empty_dirs(_dirs_within(root, paths))
        return owned
    owned = sorted((set(owned_files) | manifest_files(current)) - {MANIFEST})
    paths = [_join(root, rel) for rel in owned]
    t.clean_temp_files(_dirs([*paths, *owned_secrets, manifest_path]))
    # The manifest goes last, so an interrupted delete still lists what is left.
    t.remove_files([*paths, *sorted(owned_secrets), _join(root, PENDING), manifest_path])
    t.remove_empty_dirs(_dirs_within(root, [*paths, manifest_path]))
    return owned


def _manifest_field(data: bytes | None, key: str) -> object:
    if data is None:
        return None
    try:
        body = json.loads(data)
    except ValueError:
        return None
    return body.get(key) if isinstance(body, dict) else None


def _manifest_host(data: bytes | None) -> str | None:
    value = _manifest_field(data, "host")
    return value if isinstance(value, str) else None


def _manifest_secrets(data: bytes | None) -> set[str]:
    value = _manifest_field(data, "secrets")
    return {p for p in value if isinstance(p, str)} if isinstance(value, list) else set()


def read_back(
    t: Transport, root: str, owned_files: Iterable[str], secret_paths: Iterable[str]
) -> tuple[dict[str, str], dict[str, bytes | None], bool]:
    """Module texts now on the host (state ∪ manifest; missing ones left out), the raw
    content of the secret files (None when missing), for drift detection, and whether
    an activation of these modules is still pending (an interrupted run)."""
    manifest_path, pending_path = _join(root, MANIFEST), _join(root, PENDING)
    first = t.read_files([manifest_path, pending_path])
    current = first[manifest_path]
    owned = sorted((set(owned_files) | manifest_files(current)) - {MANIFEST})
    secrets = sorted(secret_paths)
    found = t.read_files([*(_join(root, rel) for rel in owned), *secrets])
    files = {rel: content.decode(errors="replace") for rel in owned if (content := found[_join(root, rel)]) is not None}
    return files, {p: found[p] for p in secrets}, first[pending_path] is not None
