"""One owner per module directory (components/host/ownership.py): the manifest names the
project and stack that wrote it; another stack is refused before anything changes, with
the owner and the command that hands the directory over; a manifest without owner is
adopted, and the update says so. Pure plans here; tests/test_ownership_engine.py runs a
second stack against the dev stack's directory under the real engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.errors import HostError
from components.host.apply import remove
from components.host.local import LocalTransport
from components.host.manifest import MANIFEST, manifest_text
from components.host.ownership import Owner, canonical_target, manifest_owner
from components.host.plan import Desired, make_plan
from components.model.module_paths import INDEX
from components.nixos.layout import index_module

ROOT = "/h"
DEV = Owner("nixedge", "dev")
OTHER = Owner("nixedge", "other")
MODULES = {"containers/a.nix": "{ a = 1; }\n"}
FILES = {**MODULES, INDEX: index_module("h", MODULES)}


def held(owner: Owner | None) -> dict[str, bytes | None]:
    props = None if owner is None else {**owner.to_props(), "target": "local:/h"}
    out: dict[str, bytes | None] = {f"{ROOT}/{rel}": text.encode() for rel, text in FILES.items()}
    out[f"{ROOT}/{MANIFEST}"] = manifest_text("devhost", FILES, (), props)
    return out


def desired(owner: Owner, host: str = "otherhost") -> Desired:
    return Desired(host=host, root=ROOT, files={INDEX: index_module(host, {})}, owner=owner, target={"path": ROOT})


def test_another_stack_is_refused_before_anything_changes() -> None:
    with pytest.raises(HostError) as caught:
        make_plan(desired(OTHER), (), (), held(DEV))
    message = str(caught.value)
    assert "belongs to stack 'dev' (project nixedge)" in message
    assert "nothing was changed" in message
    assert "`.venv/bin/nixedge handover --stack other`" in message


def test_the_owner_writes_and_keeps_its_name() -> None:
    plan = make_plan(desired(DEV, "devhost"), FILES.keys(), (), held(DEV))
    manifest = next(w for w in plan.writes if w.path.endswith(MANIFEST))
    assert manifest_owner(manifest.content) == DEV
    assert plan.adopted is None


def test_a_manifest_without_owner_is_adopted_and_said() -> None:
    plan = make_plan(desired(OTHER), (), (), held(None))
    manifest = next(w for w in plan.writes if w.path.endswith(MANIFEST))
    assert manifest_owner(manifest.content) == OTHER
    assert plan.adopted is not None and "adopted the module directory" in plan.adopted


def test_destroy_of_a_stack_whose_directory_was_handed_over_leaves_the_new_owner_alone(tmp_path: Path) -> None:
    (tmp_path / "containers").mkdir()
    for rel, text in FILES.items():
        (tmp_path / rel).write_text(text)
    (tmp_path / MANIFEST).write_bytes(manifest_text("devhost", FILES, (), OTHER.to_props()))
    remove(LocalTransport(), str(tmp_path), FILES.keys(), (), host="devhost", owner=DEV)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted([MANIFEST, "a.nix", "default.nix"])


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"path": "./.dev-host"}, {"path": ".dev-host/"}),
        ({"path": ".dev-host/etc/../etc/nixos"}, {"path": ".dev-host/etc/nixos"}),
        (
            {"transport": "ssh", "destination": "root@Seminar", "path": "/etc/nixos/nixedge/"},
            {"transport": "ssh", "destination": "root@seminar", "port": 22, "path": "/etc//nixos/nixedge"},
        ),
    ],
)
def test_one_target_many_spellings(a: dict[str, object], b: dict[str, object]) -> None:
    assert canonical_target(a) == canonical_target(b)


def test_other_ports_and_users_are_other_targets() -> None:
    base = {"transport": "ssh", "destination": "root@seminar", "path": "/etc/nixos/nixedge"}
    assert canonical_target(base) != canonical_target({**base, "port": 2222})
    assert canonical_target(base) != canonical_target({**base, "path": "/etc/nixos/other"})


def test_manifest_records_the_owner() -> None:
    body = json.loads(manifest_text("devhost", FILES, (), {**DEV.to_props(), "target": "local:/h"}))
    assert body["owner"] == {"project": "nixedge", "stack": "dev", "target": "local:/h"}


# -- at check, so that a preview refuses (components/host/preflight.py) -------------------


def _check_props(root: Path, owner: Owner, **target: object) -> dict[str, object]:
    return {
        "host": "otherhost",
        "target": {"transport": "local", "path": str(root), **target},
        "files": {INDEX: index_module("otherhost", {})},
        "owner": owner.to_props(),
    }


def _deployed_by(root: Path, owner: Owner | None) -> None:
    root.mkdir(parents=True)
    props = None if owner is None else owner.to_props()
    (root / MANIFEST).write_bytes(manifest_text("devhost", FILES, (), props))


def _reasons(olds: dict[str, object], news: dict[str, object]) -> list[str]:
    from components.host.provider import HostModulesProvider

    return [f.reason for f in HostModulesProvider().check(olds, news).failures]


def test_check_refuses_a_new_target_another_stack_owns(tmp_path: Path) -> None:
    root = tmp_path / "nixedge"
    _deployed_by(root, DEV)
    before = (root / MANIFEST).read_bytes()
    # Another spelling of the same directory is the same target.
    for spelling in (str(root), f"{root}/", f"{tmp_path}/./nixedge", f"{tmp_path}//nixedge"):
        (reason,) = _reasons({}, _check_props(Path(spelling), OTHER))
        assert reason.startswith("target: Refusing to touch "), reason
        assert "belongs to stack 'dev' (project nixedge)" in reason
        assert "`.venv/bin/nixedge handover --stack other`" in reason
    assert sorted(p.name for p in root.iterdir()) == [MANIFEST]
    assert (root / MANIFEST).read_bytes() == before  # check wrote nothing


def test_check_refuses_a_move_onto_another_stacks_directory(tmp_path: Path) -> None:
    theirs, ours = tmp_path / "theirs", tmp_path / "ours"
    _deployed_by(theirs, DEV)
    olds = _check_props(ours, OTHER)
    (reason,) = _reasons(olds, _check_props(theirs, OTHER))
    assert "belongs to stack 'dev'" in reason


@pytest.mark.parametrize("owner", [OTHER, None], ids=["its-own", "no-owner-recorded"])
def test_check_passes_its_own_or_an_unowned_directory(tmp_path: Path, owner: Owner | None) -> None:
    root = tmp_path / "nixedge"
    _deployed_by(root, owner)
    assert _reasons({}, _check_props(root, OTHER)) == []


def test_check_passes_a_new_directory_and_an_unreachable_host(tmp_path: Path) -> None:
    assert _reasons({}, _check_props(tmp_path / "absent", OTHER)) == []
    unreachable = {
        **_check_props(Path("/etc/nixos/nixedge"), OTHER),
        # A closed port on loopback: the read fails at once; up reads again before it writes.
        "target": {"transport": "ssh", "destination": "root@127.0.0.1", "port": 9, "path": "/etc/nixos/nixedge"},
    }
    assert _reasons({}, unreachable) == []


def test_check_does_not_read_a_target_the_resource_already_deploys_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from components.host import preflight

    root = tmp_path / "nixedge"
    _deployed_by(root, DEV)

    def never(props: object) -> None:
        raise AssertionError(f"check read a target its resource deploys to already: {props}")

    monkeypatch.setattr(preflight, "open_target", never)
    props = _check_props(root, OTHER)
    assert _reasons(props, props) == []  # an update in place: the update checks the owner itself


def test_foreign_owner_is_the_one_rule_status_and_destroy_read() -> None:
    from components.host.ownership import foreign_owner

    dev, other = Owner("nixedge", "dev"), Owner("nixedge", "other")
    assert foreign_owner(None, dev, "dev") is None  # no owner named: nothing to say
    assert foreign_owner(dev, dev, "dev") is None
    assert foreign_owner(other, dev, "dev") == other
    assert foreign_owner(Owner("elsewhere", "dev"), dev, "dev") == Owner("elsewhere", "dev")
    # A state from before owners were recorded: the stack's name decides.
    assert foreign_owner(Owner("elsewhere", "dev"), None, "dev") is None
    assert foreign_owner(other, None, "dev") == other
    assert foreign_owner(other, None, None) is None
