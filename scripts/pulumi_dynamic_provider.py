"""The dynamic provider plugin: Pulumi's own (`python -m pulumi.dynamic`), with
nixedge's errors reported as their message.

Upstream answers every failure with `traceback.format_exc()`, so `pulumi up` printed a
dozen lines of the provider's Python stack above what nixedge had to say (a failed
activation, a refused file). A `NixedgeError` is written for the user and says where
the host stands; it goes out as it is. Any other exception keeps its traceback: it is
a bug, and the stack is what a bug report needs.
"""

from __future__ import annotations

import runpy
import sys
import traceback

from components.errors import NixedgeError

_format_exc = traceback.format_exc


def format_exc(limit: int | None = None, chain: bool = True) -> str:
    exc = sys.exc_info()[1]
    if isinstance(exc, NixedgeError):
        return str(exc)
    return _format_exc(limit, chain)


# This process only serves the provider: upstream looks the function up at each failure.
traceback.format_exc = format_exc
runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)
