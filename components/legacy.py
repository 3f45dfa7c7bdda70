"""Old module paths that Pulumi states still name, mapped to where the code lives now.

dill stores a dynamic provider in each resource's state by reference, as module path
and class name (`__provider`: `components.nixos.provider.HostModulesProvider`, for
states written before the host engine had a package of its own). The engine reads the
provider from the *old* state for `delete` and `read`, and an update with no change
keeps the old reference in the state. So those paths must keep importing: this finder
answers an import of an old path with a module whose names are the new module's. The
renderer package (`components.nixos`) itself holds no such module and stays pure.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from functools import partial
from types import ModuleType

MOVED = {
    "components.nixos.provider": "components.host.provider",
    "components.nixos.prune": "components.host.prune",
}
"""Old module path -> new one, for every module whose classes a state may name."""


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old path of `MOVED`; its module forwards every name to the new one."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def exec_module(self, module: ModuleType) -> None:
        new = importlib.import_module(MOVED[module.__name__])
        module.__doc__ = f"Moved to {new.__name__}; kept for the states that name this path."
        # PEP 562: a module-level __getattr__ answers every name the alias lacks.
        module.__dict__["__getattr__"] = partial(getattr, new)


def install() -> None:
    """Put the finder in front of the others (once)."""
    if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Alias())
