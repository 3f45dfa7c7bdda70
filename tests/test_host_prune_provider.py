"""Removal in two host steps, without the engine: `HostModules(retain_removed=True)`
keeps a leaving container's module (still imported, marked in default.nix) and
`HostPrune` removes it later, activating once, restoring it when that fails. A module
whose address or ids a new one takes goes at once; a step that only marks a module as
leaving does not activate; an update that removes nothing connects to nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from components.errors import ActivationError
from components.host import prune as prune_module
from components.host.manifest import FAILED, MANIFEST
from components.host.prune import HostPruneProvider
from components.nixos.layout import index_module
from tests.test_host_provider import FORGEJO, Host, recorder

UPTIME = '{ ... }:\n{\n  containers.uptime.localAddress = "192.168.100.13";\n}\n'
FORGEJO_CLAIMS = {"address 192.168.100.11": "forgejo", "uid 1001": "forgejo", "user forgejo": "1001"}
UPTIME_CLAIMS = {"address 192.168.100.13": "uptime", "uid 1002": "uptime", "user uptime": "1002"}


def files(*containers: str) -> dict[str, str]:
    texts = {"forgejo": FORGEJO, "uptime": UPTIME, "kuma": UPTIME.replace("uptime", "kuma")}
    out = {f"containers/{c}.nix": texts[c] for c in containers}
    out["default.nix"] = index_module("seminar", out)
    return out


def claims(*containers: str, **over: dict[str, str]) -> dict[str, dict[str, str]]:
    known = {"forgejo": FORGEJO_CLAIMS, "uptime": UPTIME_CLAIMS, **over}
    return {f"containers/{c}.nix": known[c] for c in containers}


def modules(host: Host, *containers: str, **over: dict[str, str]) -> dict[str, Any]:
    return host.props(files(*containers), retain_removed=True, claims=claims(*containers, **over))


def pruner(host: Host, *containers: str) -> tuple[HostPruneProvider, dict[str, Any]]:
    provider = HostPruneProvider()
    props = {
        "host": "seminar",
        "target": {"transport": "local", "path": str(host.root)},
        "keep": dict.fromkeys(sorted(files(*containers)), True),
        "activation_config": {
            "command": recorder(host.tmp, "prune", host.log),
            "rollback": recorder(host.tmp, "rollback", host.log),
        },
    }
    result = provider.check({}, props)
    assert result.failures == [], [f.reason for f in result.failures]
    return provider, result.inputs


def manifest(host: Host) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((host.root / MANIFEST).read_text())
    return body


@pytest.fixture
def host(tmp_path: Path) -> Host:
    return Host(tmp_path)


@pytest.fixture
def two(host: Host) -> tuple[Host, dict[str, Any], dict[str, Any]]:
    """forgejo and uptime deployed by both steps; returns the host and both states."""
    mods = host.provider.create(modules(host, "forgejo", "uptime")).outs
    provider, props = pruner(host, "forgejo", "uptime")
    prune_outs = provider.create(props).outs
    assert mods is not None and prune_outs is not None
    assert host.activations() == ["activate"], "a first prune has nothing to remove and must not activate"
    return host, mods, prune_outs


def test_leaving_module_stays_until_the_prune_step(two: tuple[Host, dict[str, Any], dict[str, Any]]) -> None:
    host, mods, prune_outs = two
    result = host.provider.update("id", mods, modules(host, "forgejo"))
    assert result.outs is not None
    # Still there, still imported, marked; the manifest still owns it.
    assert (host.root / "containers/uptime.nix").read_text() == UPTIME
    index = (host.root / "default.nix").read_text()
    assert "./containers/uptime.nix # left the stack" in index
    assert "containers/uptime.nix" in manifest(host)["files"]
    assert result.outs["retained"] == {"containers/uptime.nix": UPTIME_CLAIMS}
    assert result.outs["activation"]["retained"] == ["containers/uptime.nix"]
    # Only default.nix's comment changed: the same system, so no activation.
    assert result.outs["activation"]["ran"] is False
    assert host.activations() == ["activate"]
    # The state holds what the stack asked for, so the next diff is quiet.
    assert host.provider.diff("id", result.outs, modules(host, "forgejo")).changes is False

    provider, props = pruner(host, "forgejo")
    done = provider.update("prune", prune_outs, props).outs
    assert done is not None
    assert done["removed"] == ["containers/uptime.nix"] and done["ran"] is True
    assert host.tree() | {MANIFEST: ""} == files("forgejo") | {MANIFEST: ""}
    assert sorted(manifest(host)["files"]) == ["containers/forgejo.nix", "default.nix"]
    # The secret stays, and the manifest still lists it.
    assert manifest(host)["secrets"] == [host.secret_path]
    assert host.activations() == ["activate", "prune"]


def test_a_later_host_step_does_not_bring_a_pruned_module_back(
    two: tuple[Host, dict[str, Any], dict[str, Any]],
) -> None:
    host, mods, prune_outs = two
    mods = host.provider.update("id", mods, modules(host, "forgejo")).outs or {}
    provider, props = pruner(host, "forgejo")
    provider.update("prune", prune_outs, props)
    changed = modules(host, "forgejo")
    changed["files"]["containers/forgejo.nix"] = FORGEJO.replace("8080", "8081")
    outs = host.provider.update("id", mods, changed).outs or {}
    assert not (host.root / "containers/uptime.nix").exists()
    assert outs["retained"] == {}
    assert outs["activation"]["changed"] == ["containers/forgejo.nix"]


def test_a_failed_prune_puts_the_module_back_and_the_next_one_removes_it(
    two: tuple[Host, dict[str, Any], dict[str, Any]],
) -> None:
    host, mods, prune_outs = two
    mods = host.provider.update("id", mods, modules(host, "forgejo")).outs or {}
    interim = host.tree()
    provider, props = pruner(host, "forgejo")
    props["activation_config"]["command"] = recorder(host.tmp, "prune", host.log, exit_code=1)
    with pytest.raises(ActivationError, match="Restored the previous modules and rolled back"):
        provider.update("prune", prune_outs, props)
    after = host.tree()
    assert "Activation of " in after.pop(FAILED), "the host records the failed activation for `nixedge status`"
    assert after == interim
    # The next host step (say, another change) keeps it, with its claims, for the retry.
    changed = modules(host, "forgejo")
    changed["files"]["containers/forgejo.nix"] = FORGEJO.replace("8080", "8081")
    outs = host.provider.update("id", mods, changed).outs or {}
    assert outs["retained"] == {"containers/uptime.nix": UPTIME_CLAIMS}
    assert (host.root / "containers/uptime.nix").exists()
    # The engine kept the prune's old state, so its next diff still sees uptime leave.
    provider, props = pruner(host, "forgejo")
    assert provider.diff("prune", prune_outs, props).changes is True
    done = provider.update("prune", prune_outs, props).outs or {}
    assert done["removed"] == ["containers/uptime.nix"]
    assert not (host.root / "containers/uptime.nix").exists()
    assert host.activations() == ["activate", "prune", "rollback", "activate", "prune"]
    assert FAILED not in host.tree(), "completed activations clear the record"


def test_a_module_whose_address_a_new_one_takes_goes_at_once(
    two: tuple[Host, dict[str, Any], dict[str, Any]],
) -> None:
    """A rename that keeps the address: uptime and kuma cannot run side by side."""
    host, mods, _ = two
    kuma = {**UPTIME_CLAIMS, "address 192.168.100.13": "kuma"}
    outs = host.provider.update("id", mods, modules(host, "forgejo", "kuma", kuma=kuma)).outs or {}
    assert not (host.root / "containers/uptime.nix").exists()
    assert outs["retained"] == {}
    assert "containers/uptime.nix" in outs["activation"]["changed"]
    assert host.activations() == ["activate", "activate"]


def test_a_shared_user_is_no_conflict(two: tuple[Host, dict[str, Any], dict[str, Any]]) -> None:
    """kuma runs as uptime's user (same name, same uid): NixOS merges the two, so uptime
    may stay until the prune step."""
    host, mods, _ = two
    kuma = {"address 192.168.100.15": "kuma", "uid 1002": "uptime", "user uptime": "1002"}
    outs = host.provider.update("id", mods, modules(host, "forgejo", "kuma", kuma=kuma)).outs or {}
    assert outs["retained"] == {"containers/uptime.nix": UPTIME_CLAIMS}
    assert (host.root / "containers/uptime.nix").exists()


def test_without_retain_removed_a_module_goes_at_once(host: Host) -> None:
    outs = host.provider.create(host.props(files("forgejo", "uptime"))).outs or {}
    outs = host.provider.update("id", outs, host.props(files("forgejo"))).outs or {}
    assert not (host.root / "containers/uptime.nix").exists()
    assert outs["retained"] == {}


def test_a_prune_that_removes_nothing_connects_to_nothing(
    two: tuple[Host, dict[str, Any], dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    host, _, prune_outs = two

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("a prune that removes nothing must not touch the host")

    monkeypatch.setattr(prune_module, "prune", refuse)
    provider, props = pruner(host, "forgejo", "uptime", "kuma")  # a container added
    assert provider.diff("prune", prune_outs, props).changes is True
    outs = provider.update("prune", prune_outs, props).outs or {}
    assert outs["keep"] == props["keep"] and outs["removed"] == [] and outs["ran"] is False
    assert provider.diff("prune", outs, props).changes is False


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"keep": {"../x.nix": True}}, "keep: '../x.nix' must be normalised"),
        ({"keep": ["default.nix"]}, "keep: must map the stack's module paths"),
        ({"activation_config": {"command": "nixos-rebuild"}}, "activation: command must be a list of strings"),
    ],
)
def test_prune_inputs_are_checked(host: Host, over: dict[str, Any], expected: str) -> None:
    provider, props = pruner(host, "forgejo")
    result = provider.check({}, props | over)
    assert any(f.reason.startswith(expected) for f in result.failures), [f.reason for f in result.failures]


def test_claims_must_name_modules(host: Host) -> None:
    props = host.props(files("forgejo"))
    props["claims"] = {"containers/gone.nix": {"address 10.0.0.2": "gone"}}
    result = host.provider.check({}, props)
    assert [f.reason for f in result.failures] == ["claims: 'containers/gone.nix' is not a module path of `files`"]


def test_the_first_update_after_an_upgrade_removes_at_once(host: Host) -> None:
    """A state written before claims existed cannot tell whether a new module takes
    over what a leaving one holds, so that update keeps nothing back."""
    outs = host.provider.create(host.props(files("forgejo", "uptime"))).outs or {}
    assert "claims" not in outs
    outs = host.provider.update("id", outs, modules(host, "forgejo")).outs or {}
    assert not (host.root / "containers/uptime.nix").exists()
    assert outs["retained"] == {}
