"""Putting a host back after a failed write, activation or origin check.

`restore_note` and `fail` restore exactly what `Plan.undo` holds (the content each
touched path had before, or its absence), run the rollback command once, and say in
their message where the host stands; `fail` raises it as an `ActivationError`.
"""

from __future__ import annotations

import contextlib
import shlex
from datetime import UTC, datetime
from typing import NoReturn

from components.errors import ActivationError
from components.host import progress
from components.host.manifest import FAILED, MANIFEST, PENDING, failed_text, pending_text
from components.host.plan import Desired, Undo
from components.host.transport import CommandResult, FileWrite, Transport, TransportError, tail

OUTPUT_LINES = 40
"""How much of a failed command's output goes into the error."""


def restore(t: Transport, undo: Undo) -> None:
    """Put back what was at each touched path before this run (or remove it)."""
    writes = [
        FileWrite(
            p, content, mode=0o600 if p in undo.private else 0o644, dir_mode=0o700 if p in undo.private else 0o755
        )
        for p in undo.touched
        if (content := undo.before.get(p)) is not None
    ]
    t.write_files(writes)
    t.remove_files([p for p in undo.touched if undo.before.get(p) is None])


def restore_note(t: Transport, d: Desired, undo: Undo) -> str:
    """Restore after a failed write; say how that went."""
    try:
        restore(t, undo)
    except TransportError as exc:
        return (
            f"COULD NOT RESTORE the previous modules either ({exc}); {d.host} may have a "
            "mix of previous and new files (each one complete); run `scripts/pulumi up` again"
        )
    return "restored the previous modules; nothing was activated"


def fail(t: Transport, d: Desired, undo: Undo, what: str, output: str) -> NoReturn:
    """Restore the previous files, roll back once, and raise the whole story."""
    lines = [f"Activation of {d.host} failed: {what}."]
    try:
        restore(t, undo)
        restored = True
    except TransportError as exc:
        restored = False
        lines.append(
            f"COULD NOT RESTORE the previous modules ({exc}): {d.host} has the new "
            "modules on disk (each file complete)."
        )
    rollback_failed = _roll_back(t, d, restored, lines)
    if undo.before.get(d.path(MANIFEST)) is not None:  # a failed first deploy leaves nothing behind
        _record_failure(t, d, lines)
    if output.strip():
        command = shlex.join(d.activation.command)
        lines.append(f"Output of `{command}` (last {OUTPUT_LINES} lines):")
        lines.append(_indent(tail(output, OUTPUT_LINES)))
    if rollback_failed is not None and rollback_failed.output.strip():
        lines.append(f"Output of `{shlex.join(d.activation.rollback)}` (last {OUTPUT_LINES} lines):")
        lines.append(_indent(tail(rollback_failed.output, OUTPUT_LINES)))
    raise ActivationError("\n".join(lines))


def _roll_back(t: Transport, d: Desired, restored: bool, lines: list[str]) -> CommandResult | None:
    """Run the rollback command once; add what happened to `lines`; return its result
    when it failed."""
    rollback = shlex.join(d.activation.rollback)
    if not d.activation.rollback:
        lines.append(
            ("Restored the previous modules; " if restored else "")
            + "no rollback command is configured, so the host may still run what the "
            "failed activation left behind."
        )
        return None
    try:
        rb = t.run(d.activation.rollback, d.activation.timeout, cwd=d.root, on_line=progress.reporter().status)
        rb_detail = f"exited with status {rb.exit_code}"
    except TransportError as exc:
        rb, rb_detail = CommandResult(255, ""), f"could not be run: {exc}"
    if rb.ok and restored:
        lines.append(f"Restored the previous modules and rolled back (`{rollback}`).")
        return None
    if rb.ok:
        lines.append(f"Rolled back (`{rollback}`), but the files on disk are the new ones.")
        return None
    # Restoring removed the pending marker; the running system matches no files now.
    marked = restored and _mark_pending(t, d)
    lines.append(
        ("Restored the previous modules, but " if restored else "")
        + f"THE ROLLBACK FAILED TOO: `{rollback}` {rb_detail}. {d.host} may still "
        "run the configuration of the failed activation"
        + (" while its files are the previous ones" if restored else "")
        + "; repair it on the host (e.g. `nixos-rebuild switch --rollback` there) "
        "before the next `scripts/pulumi up`"
        + (
            "; nixedge left its pending-activation marker there, so `scripts/pulumi refresh` and "
            "`scripts/pulumi up` activate the host again even if no module changes."
            if marked
            else "."
        )
    )
    return rb


def _record_failure(t: Transport, d: Desired, said: list[str]) -> None:
    """Best effort: leave the failed-activation record (manifest.FAILED) for `nixedge
    status`; the update fails with the whole story either way."""
    at = datetime.now(UTC).isoformat(timespec="seconds")
    with contextlib.suppress(TransportError):
        t.write_files([FileWrite(d.path(FAILED), failed_text(at, shlex.join(d.activation.command), said))])


def _mark_pending(t: Transport, d: Desired) -> bool:
    """Best effort: leave the pending marker, so the next run activates this host."""
    try:
        t.write_files([FileWrite(d.path(PENDING), pending_text(d.files))])
    except TransportError:
        return False
    return True


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())
