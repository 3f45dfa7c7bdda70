"""docs/architecture.md matches the tree: it names every module of components/ and
scripts/, so a new module gets its line in the room it joins."""

from __future__ import annotations

from tests.paths import REPO

PAGE = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")


def test_every_module_is_named_in_its_room() -> None:
    modules = [
        p.relative_to(REPO)
        for top in ("components", "scripts")
        for p in sorted((REPO / top).rglob("*"))
        if p.is_file() and p.name != "__init__.py" and p.suffix in (".py", ".sh", "") and "__pycache__" not in p.parts
    ]
    missing = [str(m) for m in modules if f"`{m.name}`" not in PAGE and f"`{m}`" not in PAGE]
    assert missing == [], "docs/architecture.md does not name these modules"


def test_every_room_has_its_place() -> None:
    rooms = sorted(
        p.relative_to(REPO).as_posix() + "/"
        for top in ("components", "scripts")
        for p in [REPO / top, *(REPO / top).rglob("*")]
        if p.is_dir() and p.name != "__pycache__"
    )

    # Named whole (`components/host/`), by its last part in its parent's table (`checks/`),
    # or as the start of its modules' paths (`scripts/state/files.py`).
    def named(room: str) -> bool:
        return f"`{room}" in PAGE or f"`{room.rstrip('/').rsplit('/', 1)[-1]}/`" in PAGE

    assert [room for room in rooms if not named(room)] == []
