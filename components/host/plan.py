"""The pure half of an update: from the desired state and what the host holds, a `Plan`.

`make_plan` decides what to write (in order: the pending marker first, the manifest
last), what to remove, whether to activate and which origins to check afterwards, and
what to put back when anything fails. It reads nothing and touches nothing: the host's
current content arrives as `before` (path -> bytes, None for a missing file), read by
`components.host.apply` in one round trip for the paths `first_reads` names and a
second one for those `later_reads` adds (modules only the manifest knows).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any

from components.errors import HostError
from components.host.manifest import MANIFEST, PENDING, manifest_files, manifest_text, pending_modules, pending_text
from components.host.ownership import Owner, canonical_target, check_owner
from components.host.transport import FileWrite
from components.model.claims import OriginCheck
from components.model.module_paths import INDEX
from components.nixos.layout import index_module


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
    checks: Sequence[OriginCheck] = ()
    retain_removed: bool = False
    """Keep owned modules that left `files` (their container keeps running), imported by
    an interim default.nix, for `prune` to remove once the edge stopped routing to them."""
    release: frozenset[str] = frozenset()
    """Modules that left `files` and go at once even so: a new module takes their
    address, id or port, so the two cannot run side by side."""
    listed_secrets: frozenset[str] = frozenset()
    """Secret paths the manifest lists besides `secrets`, untouched (used by `prune`,
    which has no secret values)."""
    owner: Owner | None = None
    """The stack writing: a manifest naming another owner stops the plan (None: no check)."""
    target: Mapping[str, Any] = field(default_factory=dict)
    """The target as configured, for the manifest's canonical identity and messages."""

    def path(self, relpath: str) -> str:
        """The absolute path of a file of the module directory."""
        return join(self.root, relpath)


@dataclass(frozen=True)
class Report:
    """What `apply` did; no secret values, only secret paths."""

    changed: list[str]
    secrets_changed: list[str]
    ran: bool
    checked: list[str]
    retained: list[str] = field(default_factory=list)
    """Modules kept although they left `files` (`Desired.retain_removed`)."""
    adopted: str | None = None
    """The line saying this update adopted a manifest without owner, or None."""
    output: str = ""
    """The last lines the activation command printed (empty when it did not run)."""
    removed: list[str] = field(default_factory=list)
    """The modules of `changed` that were removed (the others were written)."""
    emptied: str | None = None
    """A move's old module directory, once nixedge's files there are removed (None: no
    move, or the old place was the new one under another name)."""
    emptied_modules: list[str] = field(default_factory=list)
    """The modules removed from `emptied`."""


@dataclass(frozen=True)
class Undo:
    """What an update needs to put the host back: the content each touched path had
    before (None: it did not exist), and which of them are secrets (restored 0600)."""

    before: Mapping[str, bytes | None]
    touched: tuple[str, ...]
    private: frozenset[str]


@dataclass(frozen=True)
class Plan:
    """What to do on one host, in order: clean `clean`, write `writes`, remove
    `removals`, activate (when `activate`), run `checks`, remove the pending marker,
    then remove the directories of `empty_dirs` that became empty."""

    desired: Desired
    """The desired state as written: with the retained modules and their interim index."""
    writes: tuple[FileWrite, ...]
    removals: tuple[str, ...]
    clean: tuple[str, ...]
    """Directories whose leftover temporary files go; writing into one cleans it too."""
    activate: bool
    checks: tuple[OriginCheck, ...]
    """Origins to check after the activation: those whose modules changed."""
    empty_dirs: tuple[str, ...]
    changed: tuple[str, ...]
    """Module paths written or removed."""
    secrets_changed: tuple[str, ...]
    """Secret paths written or removed (never their values)."""
    retained: tuple[str, ...]
    """Modules kept although they left the stack (`Desired.retain_removed`)."""
    undo: Undo
    adopted: str | None = None
    """The line saying the manifest, without owner until now, becomes ours."""
    removed: tuple[str, ...] = ()
    """The module paths of `changed` that are removed."""

    @property
    def touches(self) -> bool:
        """Whether anything is written or removed (else the host is left alone)."""
        return bool(self.undo.touched)


def join(root: str, relpath: str) -> str:
    return str(PurePosixPath(root) / relpath)


def dirs(paths: Iterable[str]) -> list[str]:
    return sorted({str(PurePosixPath(p).parent) for p in paths})


def dirs_within(root: str, paths: Iterable[str]) -> list[str]:
    """Every directory between `root` (included) and each path (excluded)."""
    top = PurePosixPath(root)
    found = {str(parent) for p in paths for parent in PurePosixPath(p).parents if parent.is_relative_to(top)}
    return sorted(found)


def first_reads(d: Desired, owned_files: Iterable[str], owned_secrets: Iterable[str]) -> list[str]:
    """The paths to read first: manifest, marker, every module we have or want, secrets."""
    owned = set(owned_files) - {MANIFEST}
    secrets = set(d.secrets) | set(owned_secrets)
    return [d.path(MANIFEST), d.path(PENDING), *(d.path(r) for r in sorted(set(d.files) | owned)), *sorted(secrets)]


def later_reads(d: Desired, before: Mapping[str, bytes | None]) -> list[str]:
    """Modules only the manifest knows (written by a run whose result never reached the
    state), not read yet."""
    listed = manifest_files(before.get(d.path(MANIFEST))) - {MANIFEST}
    return [p for p in (d.path(r) for r in sorted(listed)) if p not in before]


def make_plan(
    d: Desired, owned_files: Iterable[str], owned_secrets: Iterable[str], before: Mapping[str, bytes | None]
) -> Plan:
    """The plan bringing the host from `before` to `d`; raise HostError (nothing done)
    when it would overwrite a file nixedge did not write.

    `owned_files`/`owned_secrets` are what the state says we wrote before; the manifest
    in `before` adds what a run whose result never reached the state wrote. Files that
    left the set are removed (or retained). Activation runs once, only if a file or
    secret changed or the activation of an earlier run was interrupted (the marker).
    """
    owned_files, owned_secrets = set(owned_files), set(owned_secrets)
    before = _complete(d, owned_files, owned_secrets, before)
    adopted = check_owner(before[d.path(MANIFEST)], d.owner, d.target or {"path": d.root}, d.host)
    interrupted = pending_modules(before[d.path(PENDING)], d.files)
    owned = (set(owned_files) | manifest_files(before[d.path(MANIFEST)])) - {MANIFEST}
    kept = _retained(d, owned, {rel: before[d.path(rel)] for rel in owned})
    if kept:
        d = replace(d, files={**d.files, **kept, INDEX: index_module(d.host, d.files, leaving=kept)})
    writes, changed = _module_writes(d, before)
    _refuse_foreign(d, before, changed, owned | set(interrupted or ()))
    gone = sorted(rel for rel in owned - set(d.files) if before[d.path(rel)] is not None)
    secret_writes = _secret_writes(d, before)
    writes += secret_writes
    gone_secrets = sorted(p for p in owned_secrets - set(d.secrets) if before[p] is not None)
    manifest = manifest_text(d.host, d.files, set(d.secrets) | d.listed_secrets, _owner_props(d))
    if before[d.path(MANIFEST)] != manifest:
        writes.append(FileWrite(d.path(MANIFEST), manifest))  # last: it lists what precedes it
    removals = [d.path(rel) for rel in gone] + gone_secrets
    changed_all = sorted(changed + gone)
    activate = bool(d.activation.command) and bool(
        _substantive(changed, d, before) or gone or secret_writes or gone_secrets or interrupted is not None
    )
    if activate:
        # First: it is in place before any new module is, until the activation completed.
        pending = sorted(set(changed_all) | set(interrupted or ()))
        writes.insert(0, FileWrite(d.path(PENDING), pending_text(pending)))
    elif interrupted is not None:
        removals.append(d.path(PENDING))  # nothing activates this host any more
    secret_paths = set(d.secrets) | owned_secrets
    # Writing into a directory cleans it; the others are cleaned by `clean`.
    unwritten = set(dirs([*(d.path(r) for r in set(d.files) | owned), *secret_paths, d.path(MANIFEST)]))
    unwritten -= set(dirs(w.path for w in writes))
    due = set(changed_all) | set(interrupted or ())
    return Plan(
        desired=d,
        writes=tuple(writes),
        removals=tuple(removals),
        clean=tuple(sorted(unwritten)),
        activate=activate,
        checks=tuple(c for c in d.checks if set(c.files) & due) if activate else (),
        # Only directories below the module directory that held removed modules.
        empty_dirs=tuple(p for p in dirs_within(d.root, (d.path(r) for r in gone)) if p != d.root),
        changed=tuple(changed_all),
        secrets_changed=tuple(sorted([w.path for w in secret_writes] + gone_secrets)),
        retained=tuple(sorted(kept)),
        undo=Undo(before, tuple([w.path for w in writes] + removals), frozenset(secret_paths)),
        adopted=adopted,
        removed=tuple(gone),
    )


def _owner_props(d: Desired) -> dict[str, str] | None:
    """The manifest's owner entry: who wrote it, and where (the canonical target)."""
    if d.owner is None:
        return None
    return {**d.owner.to_props(), "target": canonical_target(d.target or {"path": d.root})}


def _complete(
    d: Desired, owned_files: set[str], owned_secrets: set[str], before: Mapping[str, bytes | None]
) -> dict[str, bytes | None]:
    """`before` with None for each path it leaves out: a file the host does not have."""
    view: dict[str, bytes | None] = dict.fromkeys(first_reads(d, owned_files, owned_secrets))
    view.update(before)
    view.update(dict.fromkeys(later_reads(d, view)))
    return view


def _module_writes(d: Desired, before: Mapping[str, bytes | None]) -> tuple[list[FileWrite], list[str]]:
    """The modules whose text differs from the host's, and their paths."""
    writes: list[FileWrite] = []
    changed: list[str] = []
    for rel, text in sorted(d.files.items()):
        data = text.encode()
        if before[d.path(rel)] != data:
            writes.append(FileWrite(d.path(rel), data))
            changed.append(rel)
    return writes, changed


def _secret_writes(d: Desired, before: Mapping[str, bytes | None]) -> list[FileWrite]:
    """The secret files whose content differs from the host's (0600, directories 0700)."""
    return [
        FileWrite(path, value.encode(), mode=0o600, dir_mode=0o700)
        for path, value in sorted(d.secrets.items())
        if before[path] != value.encode()
    ]


def _refuse_foreign(d: Desired, before: Mapping[str, bytes | None], changed: list[str], ours: set[str]) -> None:
    """A file that is there, differs, and that neither the state, the manifest nor an
    interrupted run of ours wrote is someone else's: never overwrite it."""
    foreign = [rel for rel in changed if before[d.path(rel)] is not None and rel not in ours]
    if foreign:
        listed = ", ".join(foreign)
        them = "it" if len(foreign) == 1 else "them"
        raise HostError(
            f"Refusing to overwrite {listed} in {d.root} on {d.host}: nixedge did not write "
            f"{them} (not in its manifest). Move {them} away, or point host.target.path at a directory "
            "of nixedge's own; nothing was changed."
        )


def _substantive(changed: list[str], d: Desired, before: Mapping[str, bytes | None]) -> list[str]:
    """The changed modules that change the system: marking a module as leaving (or no
    longer) changes default.nix's comments only, which alone calls for no activation."""
    return [rel for rel in changed if not (rel == INDEX and _same_but_comments(before[d.path(rel)], d.files[rel]))]


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
