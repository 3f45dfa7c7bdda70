"""States written before the host engine moved to `components.host` keep working.

dill stores each dynamic provider in the state by reference (`__provider`: module path
and class name). States deployed by earlier versions name
`components.nixos.provider.HostModulesProvider` and
`components.nixos.prune.HostPruneProvider`; the engine unpickles the *old* reference
for `read` (refresh) and `delete` (destroy), and an update with no change keeps it in
the state. Under the real engine, a state rewritten to the old references previews
with no change, refreshes, updates (which records the new reference) and destroys.
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

import pytest
from pulumi import automation as auto

from components.host.manifest import MANIFEST
from components.legacy import MOVED
from tests.test_host_engine import changes
from tests.test_host_prune_engine import Site, site  # noqa: F401 - the fixture

pytestmark = pytest.mark.engine

# Exactly what `scripts/pulumi stack export --stack dev` showed for a dev stack deployed
# before the move (`__provider` of `devhost-modules`).
MAIN_HOST_MODULES = "gASVOAAAAAAAAACMGWNvbXBvbmVudHMubml4b3MucHJvdmlkZXKUjBNIb3N0TW9kdWxlc1Byb3ZpZGVylJOUKYGULg=="


def old_reference(module: str, name: str) -> str:
    """The `__provider` dill wrote for a class `name` of `module`: a protocol-4 pickle
    of one framed global and an instance made without arguments."""
    body = b"".join(
        [
            b"\x8c", bytes([len(module)]), module.encode(), b"\x94",
            b"\x8c", bytes([len(name)]), name.encode(), b"\x94",
            b"\x93\x94)\x81\x94.",
        ]
    )  # fmt: skip
    return base64.b64encode(b"\x80\x04\x95" + len(body).to_bytes(8, "little") + body).decode()


OLD = {
    "HostModules": old_reference("components.nixos.provider", "HostModulesProvider"),
    "HostPrune": old_reference("components.nixos.prune", "HostPruneProvider"),
}


def resources(state: auto.Deployment) -> list[dict[str, Any]]:
    assert state.deployment is not None
    found: list[dict[str, Any]] = state.deployment["resources"]
    return found


def providers(stack: auto.Stack) -> dict[str, str]:
    """Resource type (HostModules, HostPrune) -> the module its `__provider` names
    (read with pickle, as the engine's dill reads a class reference)."""
    out = {}
    for r in resources(stack.export_stack()):
        kind = r["type"].rsplit(":", 1)[-1]
        if kind in OLD:
            out[kind] = type(pickle.loads(base64.b64decode(r["outputs"]["__provider"]))).__module__
            assert r["inputs"]["__provider"] == r["outputs"]["__provider"], r["urn"]
    return out


def make_old(stack: auto.Stack) -> None:
    """Rewrite the state as the previous version wrote it: old provider references."""
    state = stack.export_stack()
    for r in resources(state):
        kind = r["type"].rsplit(":", 1)[-1]
        if kind in OLD:
            r["inputs"]["__provider"] = r["outputs"]["__provider"] = OLD[kind]
    stack.import_stack(state)
    written = resources(stack.export_stack())
    raw = {r["type"].rsplit(":", 1)[-1]: r.get("outputs", {}).get("__provider") for r in written}
    assert {k: raw[k] for k in OLD} == OLD


def test_the_reference_builder_writes_what_the_previous_version_stored() -> None:
    assert OLD["HostModules"] == MAIN_HOST_MODULES
    assert set(MOVED) == {"components.nixos.provider", "components.nixos.prune"}


def test_old_provider_paths_unpickle_to_the_moved_classes() -> None:
    from components.host.provider import HostModulesProvider
    from components.host.prune import HostPruneProvider

    assert type(pickle.loads(base64.b64decode(OLD["HostModules"]))) is HostModulesProvider
    assert type(pickle.loads(base64.b64decode(OLD["HostPrune"]))) is HostPruneProvider


def test_an_old_state_previews_refreshes_updates_and_destroys(site: Site) -> None:  # noqa: F811
    site.stack.up()
    before = sorted(p.relative_to(site.root).as_posix() for p in site.root.rglob("*") if p.is_file())
    make_old(site.stack)

    preview = site.stack.preview(diff=True)
    assert preview.change_summary == {"same": 4}, preview.stdout
    refreshed = site.stack.refresh()  # `read` runs the providers of the state: the old ones
    assert not {k: v for k, v in (refreshed.summary.resource_changes or {}).items() if str(k) != "same"}
    assert site.stack.preview().change_summary == {"same": 4}
    assert changes(site.stack.up()) == {"same": 4}

    site.containers = ["forgejo"]
    up = site.stack.up()
    assert changes(up) == {"same": 1, "update": 3}
    assert not (site.root / "containers/uptime.nix").exists()
    assert providers(site.stack) == {"HostModules": "components.host.provider", "HostPrune": "components.host.prune"}

    make_old(site.stack)
    site.stack.destroy()  # `delete` runs the old providers too
    assert before  # the first up wrote files, and destroy removed every one of ours
    assert not [p for p in site.root.rglob("*") if p.is_file()], "destroy left files behind"
    assert MANIFEST in before
