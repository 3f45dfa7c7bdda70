"""The dynamic provider plugin: Pulumi's own (`python -m pulumi.dynamic`), with
nixedge's errors reported as their message.

Upstream answers every failure with `traceback.format_exc()`, so `pulumi up` printed a
dozen lines of the provider's Python stack above what nixedge had to say (a failed
activation, a refused file). A `NixedgeError` is written for the user and says where
the host stands; it goes out as it is. Any other exception keeps its traceback, also
when a NixedgeError wraps it ("Unexpected failure ..."): it is a bug, and the stack is
what a bug report needs.

Upstream also serves from a pool of four threads (`grpc.server(ThreadPoolExecutor(
max_workers=4))` in its `main()`, which runs when the module is run), so a site of
sixteen hosts activated in waves of four whatever `--parallel` said. `wide_server`
hands that call a pool of `WORKERS` threads instead: the engine's `--parallel` is then
the only bound, as it is for every other provider.

Upstream never talks to the engine, so nothing the host engine does while it works
(an activation takes minutes) reached the person running `up`: `engine_log` sends its
progress lines to the engine.
"""

from __future__ import annotations

import runpy
import sys
import traceback
from concurrent import futures
from typing import Any

import grpc

from components.errors import NixedgeError

_format_exc = traceback.format_exc
_grpc_server = grpc.server

WORKERS = 1024
"""Threads the provider may run at once. The pool starts a thread only when a call finds
none idle, so this costs nothing until the engine sends that many calls at once."""


def format_exc(limit: int | None = None, chain: bool = True) -> str:
    """`traceback.format_exc` for the provider's answers: nixedge's message alone."""
    exc = sys.exc_info()[1]
    if not isinstance(exc, NixedgeError):
        return _format_exc(limit, chain)
    if exc.__cause__ is not None and not isinstance(exc.__cause__, NixedgeError):
        # "Unexpected failure ...": a bug under our message; its stack is the report.
        return f"{exc}\n\n{_format_exc(limit, chain)}"
    return str(exc)


def wide_server(thread_pool: futures.Executor | None = None, *args: Any, **kwargs: Any) -> grpc.Server:
    """`grpc.server` with a pool of `WORKERS` threads in place of upstream's four."""
    if thread_pool is not None:
        thread_pool.shutdown(wait=False)  # never used: upstream made it only to hand it over
    return _grpc_server(futures.ThreadPoolExecutor(max_workers=WORKERS), *args, **kwargs)


if __name__ == "__main__":
    from engine_log import install as send_progress_to  # beside this file, first on sys.path
    from parent_death import die_with_parent

    # Gone with the CLI (SIGTERM, Python's default: it ends at once). Every write is a
    # rename, so no file is left half written; the next `up` repeats what was cut short.
    die_with_parent()
    if len(sys.argv) > 1:  # the engine's address: progress lines go there (engine_log.py)
        send_progress_to(sys.argv[1])
    # This process only serves the provider: upstream looks the function up at each failure.
    traceback.format_exc = format_exc
    # The only grpc server of this process is upstream's: widen its pool (see above).
    grpc.server = wide_server
    runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)
