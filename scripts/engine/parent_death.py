"""A child of the Pulumi CLI that must not outlive it: the language host, the dynamic
provider and the state check of `scripts/pulumi`.

After `kill -9` of the CLI alone, its plugins would otherwise run on as orphans: the
provider finishes the call it was in and then, like the language host, waits forever
for an engine that is gone. With a parent-death signal the kernel stops them the moment
the CLI dies. The dynamic provider is started by the engine, so its parent is the CLI
too (the shims in .venv/bin `exec`, keeping the pid).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Have the kernel send `sig` to this process when its parent dies (Linux only; a
    no-op elsewhere). If the parent died before the call, `sig` comes at once."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, sig)
    if os.getppid() != parent:
        os.kill(os.getpid(), sig)
