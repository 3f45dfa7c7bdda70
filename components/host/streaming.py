"""Run a command and hand each line of its output on while it runs.

A real `nixos-rebuild switch` takes minutes; a person watching `pulumi up` should see it
work, not a silent row. Both transports run the activation through `run_streaming`:
the local one runs the command itself, the ssh one runs `ssh ... 'cd root; command'`.
Every line goes to `on_line` as it arrives (components.host.progress sends it to the
engine); the whole output comes back in the result, as `subprocess.run` would give it.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Sequence

from components.host.transport import CommandResult, LineSink

MAX_LINE = 4096
"""Longer lines are cut for `on_line` (a progress bar without line breaks, say); the
result keeps them whole."""


def run_streaming(
    argv: Sequence[str],
    timeout: float,
    on_line: LineSink | None = None,
    *,
    cwd: str | None = None,
    stdin: bytes = b"",
) -> CommandResult:
    """Run `argv` (stderr into stdout). Raises OSError/ValueError as `subprocess.Popen`
    does, and `subprocess.TimeoutExpired` (with what it printed) when killed after
    `timeout` seconds."""
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    reader = threading.Thread(target=_read_lines, args=(proc, chunks, on_line), daemon=True)
    reader.start()
    if stdin and proc.stdin is not None:
        _feed(proc, stdin)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        reader.join(timeout=5)
        raise subprocess.TimeoutExpired(list(argv), timeout, output=b"".join(chunks)) from None
    # A child the command left running may hold the output open: wait no longer than
    # the timeout allows, then report what came (the command itself has ended).
    reader.join(timeout=max(1.0, deadline - time.monotonic()))
    return CommandResult(code, _text(chunks))


def _read_lines(proc: subprocess.Popen[bytes], chunks: list[bytes], on_line: LineSink | None) -> None:
    assert proc.stdout is not None
    for raw in iter(proc.stdout.readline, b""):
        chunks.append(raw)
        if on_line is not None:
            line = raw.decode(errors="replace").rstrip("\r\n")
            try:
                on_line(line[:MAX_LINE])
            except Exception:  # noqa: BLE001 - a display that fails must not fail the command
                on_line = None
    proc.stdout.close()


def _feed(proc: subprocess.Popen[bytes], data: bytes) -> None:
    assert proc.stdin is not None
    try:
        proc.stdin.write(data)
        proc.stdin.close()
    except BrokenPipeError:
        pass  # the command ended without reading it all; its exit code tells


def _text(chunks: list[bytes]) -> str:
    return b"".join(chunks).decode(errors="replace")
