"""The host plan (components.host.plan) without a transport: what the host holds and
what the stack wants -> what to write, remove, activate and check.

Each case is a table row: the files on the host before (module path -> text, under
ROOT), the state's owned modules and the desired files; the expected writes in order,
removals, whether to activate, the checks to run, and what the report will name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from components.errors import HostError
from components.host.manifest import MANIFEST, PENDING, manifest_text, pending_text
from components.host.plan import Activation, Desired, Plan, first_reads, later_reads, make_plan
from components.model.claims import OriginCheck
from components.model.module_paths import INDEX, TUNNEL_ID
from components.nixos.layout import index_module

ROOT = "/h"
SWITCH = Activation(command=("nixos-rebuild", "switch"), rollback=("nixos-rebuild", "switch"))
A = "{ a = 1; }\n"
B = "{ b = 1; }\n"
A2 = "{ a = 2; }\n"
CHECK_A = OriginCheck("a", "10.0.0.2", 80, ("containers/a.nix",))
CHECK_B = OriginCheck("b", "10.0.0.3", 80, ("containers/b.nix",))


def index(*modules: str, leaving: tuple[str, ...] = ()) -> dict[str, str]:
    return {INDEX: index_module("h", modules, leaving=leaving)}


def files(*names: str, a: str = A) -> dict[str, str]:
    texts = {"a": a, "b": B}
    out = {f"containers/{n}.nix": texts[n] for n in names}
    return {**out, **index(*out)}


def on_host(modules: dict[str, str], *, manifest: bool = True, pending: list[str] | None = None) -> dict[str, bytes]:
    """What a host holds: the modules, their manifest (as nixedge writes it), a marker."""
    held = {f"{ROOT}/{rel}": text.encode() for rel, text in modules.items()}
    if manifest:
        held[f"{ROOT}/{MANIFEST}"] = manifest_text("h", modules, ())
    if pending is not None:
        held[f"{ROOT}/{PENDING}"] = pending_text(pending)
    return held


@dataclass
class Row:
    before: dict[str, bytes]
    want: dict[str, str]
    owned: tuple[str, ...] = ()
    activation: Activation = SWITCH
    checks: tuple[OriginCheck, ...] = (CHECK_A, CHECK_B)
    writes: list[str] = field(default_factory=list)
    """Written paths relative to ROOT, in order."""
    removals: list[str] = field(default_factory=list)
    activate: bool = False
    run_checks: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


def plan_of(row: Row, **desired: object) -> Plan:
    d = Desired(host="h", root=ROOT, files=row.want, activation=row.activation, checks=row.checks, **desired)  # type: ignore[arg-type]
    return make_plan(d, row.owned, (), row.before)


def rel(paths: tuple[str, ...] | list[str]) -> list[str]:
    return [p.removeprefix(f"{ROOT}/") for p in paths]


ROWS = {
    "first write: marker first, modules sorted, manifest last": Row(
        before={}, want=files("a"),
        writes=[PENDING, "containers/a.nix", INDEX, MANIFEST], activate=True,
        run_checks=["a"], changed=["containers/a.nix", INDEX],
    ),
    "unchanged: nothing at all": Row(before=on_host(files("a")), want=files("a"), owned=tuple(files("a"))),
    "one module changed: only it, and only its check": Row(
        before=on_host(files("a", "b")), want=files("a", "b", a=A2), owned=tuple(files("a", "b")),
        writes=[PENDING, "containers/a.nix", MANIFEST], activate=True,
        run_checks=["a"], changed=["containers/a.nix"],
    ),
    "a module left: removed, index rewritten": Row(
        before=on_host(files("a", "b")), want=files("a"), owned=tuple(files("a", "b")), checks=(CHECK_A,),
        writes=[PENDING, INDEX, MANIFEST], removals=["containers/b.nix"], activate=True,
        changed=["containers/b.nix", INDEX],
    ),
    "known only to the manifest: still ours, still removed": Row(
        before=on_host(files("a", "b")), want=files("a"), owned=(), checks=(CHECK_A,),
        writes=[PENDING, INDEX, MANIFEST], removals=["containers/b.nix"], activate=True,
        changed=["containers/b.nix", INDEX],
    ),
    "no activation command: files only, no marker, no checks": Row(
        before={}, want=files("a"), activation=Activation(),
        writes=["containers/a.nix", INDEX, MANIFEST], changed=["containers/a.nix", INDEX],
    ),
    "an interrupted activation: activate again though nothing differs": Row(
        before=on_host(files("a"), pending=["containers/a.nix"]), want=files("a"), owned=tuple(files("a")),
        writes=[PENDING], activate=True, run_checks=["a"],
    ),
    "an interrupted activation, now without command: the marker goes": Row(
        before=on_host(files("a"), pending=["containers/a.nix"]), want=files("a"), owned=tuple(files("a")),
        activation=Activation(), removals=[PENDING],
    ),
    "default.nix changed in comments only: written, not activated": Row(
        before=on_host({**files("a", "b"), **index("containers/a.nix", leaving=("containers/b.nix",))}),
        want=files("a", "b"), owned=tuple(files("a", "b")),
        writes=[INDEX, MANIFEST], changed=[INDEX],
    ),
}  # fmt: skip


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_plan(row: Row) -> None:
    plan = plan_of(row)
    assert rel([w.path for w in plan.writes]) == row.writes
    assert rel(plan.removals) == row.removals
    assert plan.activate is row.activate
    assert [c.container for c in plan.checks] == row.run_checks
    assert list(plan.changed) == row.changed
    assert plan.touches is bool(row.writes or row.removals)
    # Undo holds what each touched path had before (None: absent).
    assert set(plan.undo.touched) == {w.path for w in plan.writes} | set(plan.removals)
    for path in plan.undo.touched:
        assert plan.undo.before[path] == row.before.get(path)


def test_the_marker_lists_what_the_activation_is_for() -> None:
    plan = plan_of(Row(before=on_host(files("a"), pending=["containers/b.nix"]), want=files("a", a=A2),
                       owned=tuple(files("a"))))  # fmt: skip
    marker = plan.writes[0]
    assert marker.path == f"{ROOT}/{PENDING}"
    assert marker.content == pending_text(["containers/a.nix", "containers/b.nix"])


def test_a_foreign_file_is_never_overwritten() -> None:
    before = {f"{ROOT}/containers/a.nix": b"# mine\n"}
    refused = r"Refusing to overwrite containers/a\.nix in /h on h: nixedge did not write it"
    with pytest.raises(HostError, match=refused):
        plan_of(Row(before=before, want=files("a")))
    # The same file, identical to what we would write, is left alone (not a change).
    same = {f"{ROOT}/containers/a.nix": A.encode()}
    assert "containers/a.nix" not in plan_of(Row(before=same, want=files("a"))).changed


def test_secrets_are_written_private_and_named_not_shown() -> None:
    d = Desired(host="h", root=ROOT, files=files("a"), secrets={"/s/token": "t0p"}, activation=SWITCH)
    before = {**on_host(files("a")), "/s/token": b"old", "/s/gone": b"x"}
    plan = make_plan(d, files("a"), ["/s/token", "/s/gone"], before)
    token = next(w for w in plan.writes if w.path == "/s/token")
    assert (token.mode, token.dir_mode, token.content) == (0o600, 0o700, b"t0p")
    assert "/s/gone" in plan.removals
    assert list(plan.secrets_changed) == ["/s/gone", "/s/token"]
    assert plan.activate
    assert plan.undo.private == {"/s/token", "/s/gone"}


def test_retained_modules_stay_imported_until_prune() -> None:
    before = on_host(files("a", "b"))
    plan = plan_of(Row(before=before, want=files("a"), owned=tuple(files("a", "b"))), retain_removed=True)
    assert list(plan.retained) == ["containers/b.nix"]
    assert plan.removals == ()
    assert plan.desired.files[INDEX] == index_module("h", files("a"), leaving={"containers/b.nix": B})
    # Only default.nix's comment changed: the same system, so no activation.
    assert rel([w.path for w in plan.writes]) == [INDEX, MANIFEST]
    assert not plan.activate


@pytest.mark.parametrize("retain", [True, False])
def test_a_host_deployed_with_tunnel_id_nix_upgrades_by_the_normal_removal(retain: bool) -> None:
    """Earlier versions wrote tunnel-id.nix (a value, never imported) for local ingress.
    Without it in the render, the plan removes it as any file the stack no longer has:
    at once, or, with an edge, kept through the host step and removed by the prune step;
    default.nix never imports it meanwhile. (Its removal activates, to the same system:
    no unit changes, so nothing restarts.)"""
    old = {**files("a"), TUNNEL_ID: '"6f1c7a52-3b0e-4f7e-9d59-2a1f3c4b5d6e"\n'}
    row = Row(before=on_host(old), want=files("a"), owned=tuple(old))
    plan = plan_of(row, retain_removed=retain)
    if retain:
        assert list(plan.retained) == [TUNNEL_ID] and plan.removals == ()
        assert not plan.activate  # the prune step removes it
    else:
        assert plan.retained == () and rel(plan.removals) == [TUNNEL_ID]
    assert f"./{TUNNEL_ID}" not in plan.desired.files[INDEX]


def test_a_released_module_goes_at_once_even_when_retaining() -> None:
    before = on_host(files("a", "b"))
    row = Row(before=before, want=files("a"), owned=tuple(files("a", "b")))
    plan = plan_of(row, retain_removed=True, release=frozenset({"containers/b.nix"}))
    assert plan.retained == ()
    assert rel(plan.removals) == ["containers/b.nix"]
    assert plan.activate


def test_reads_name_every_path_the_plan_needs() -> None:
    d = Desired(host="h", root=ROOT, files=files("a"), secrets={"/s/token": "t"})
    first = first_reads(d, ["containers/b.nix"], ["/s/old"])
    assert first == [f"{ROOT}/{MANIFEST}", f"{ROOT}/{PENDING}", f"{ROOT}/containers/a.nix",
                     f"{ROOT}/containers/b.nix", f"{ROOT}/{INDEX}", "/s/old", "/s/token"]  # fmt: skip
    before = dict.fromkeys(first, None) | {f"{ROOT}/{MANIFEST}": manifest_text("h", files("a", "b"), ())}
    # The manifest lists b too; b is read already, so nothing more.
    assert later_reads(d, before) == []
    before[f"{ROOT}/{MANIFEST}"] = manifest_text("h", {"containers/c.nix": ""}, ())
    assert later_reads(d, before) == [f"{ROOT}/containers/c.nix"]
