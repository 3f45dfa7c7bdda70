"""The dynamic provider plugin: Pulumi's own (`python -m pulumi.dynamic`), with
nixedge's errors reported as their message.

Upstream answers every failure with `traceback.format_exc()`, so `pulumi up` printed a
dozen lines of the provider's Python stack above what nixedge had to say (a failed
activation, a refused file). A `NixedgeError` is written for the user and says where
the host stands; it goes out as it is. Any other exception keeps its traceback, also
when a NixedgeError wraps it ("Unexpected failure ..."): it is a bug, and the stack is
what a bug report needs.
"""

from __future__ import annotations

import runpy
import sys
import traceback

from components.errors import NixedgeError

_format_exc = traceback.format_exc


def format_exc(limit: int | None = None, chain: bool = True) -> str:
    """`traceback.format_exc` for the provider's answers: nixedge's message alone."""
    exc = sys.exc_info()[1]
    if not isinstance(exc, NixedgeError):
        return _format_exc(limit, chain)
    if exc.__cause__ is not None and not isinstance(exc.__cause__, NixedgeError):
        # "Unexpected failure ...": a bug under our message; its stack is the report.
        return f"{exc}\n\n{_format_exc(limit, chain)}"
    return str(exc)


if __name__ == "__main__":
    from parent_death import die_with_parent  # beside this file, first on sys.path as a script

    # Gone with the CLI (SIGTERM, Python's default: it ends at once). Every write is a
    # rename, so no file is left half written; the next `up` repeats what was cut short.
    die_with_parent()
    # This process only serves the provider: upstream looks the function up at each failure.
    traceback.format_exc = format_exc
    runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)
