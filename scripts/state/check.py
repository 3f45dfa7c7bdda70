"""One run of the state check over a backend: its locks, then each file's torn writes,
then the interrupted creates of the stack about to run."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from scripts.state import pending, torn
from scripts.state.files import Group, attrs_valid, groups, stack_of
from scripts.state.machine import LOCAL_FS, file_system, holder, open_files


@dataclass
class Check:
    """One run over a backend: what it repaired, and what only a person may do."""

    root: Path
    stack: str | None
    command: str
    said: list[str] = field(default_factory=list)
    stops: list[str] = field(default_factory=list)
    busy: set[str] = field(default_factory=set)
    _open: set[str] | None = None

    @property
    def pulumi_dir(self) -> Path:
        return self.root / ".pulumi"

    def rel(self, path: Path) -> str:
        return str(path.relative_to(self.root))

    def is_open(self, path: Path) -> bool:
        if self._open is None:
            self._open = open_files()
        return str(path) in self._open or str(path.resolve()) in self._open

    def run(self) -> None:
        if not self.pulumi_dir.is_dir():
            return
        if (kind := file_system(self.root)) not in LOCAL_FS:
            self.network_file_system(kind)
            return
        found = groups(self.pulumi_dir)
        self.locks(found)
        for group in found.values():
            stack = stack_of(self.pulumi_dir, group.path)
            if stack not in self.busy and not any(self.is_open(t) for t in group.tmps):
                torn.repair(self, group)
        if self.stack and pending.drops_pending(self.command) and self.stack not in self.busy and not self.stops:
            pending.pending_creates(self, self.stack)

    def network_file_system(self, kind: str) -> None:
        torn_groups = [
            g for g in groups(self.pulumi_dir).values() if g.tmps or (g.attrs and not attrs_valid(g.sidecar))
        ]
        if torn_groups:
            example = self.rel(torn_groups[0].path)
            self.said.append(
                f"{self.root} is on a {kind} file system, which other machines may write: nothing "
                f"repaired ({len(torn_groups)} file(s) with leftovers, e.g. {example})"
            )

    def locks(self, found: dict[Path, Group]) -> None:
        lock_dir = self.pulumi_dir / "locks"
        for group in [g for g in found.values() if lock_dir in g.path.parents]:
            stack = stack_of(self.pulumi_dir, group.path) or "?"
            for tmp in group.tmps:
                # A lock being written names its writer once complete; until then it is open.
                writer = holder(tmp)
                if self.is_open(tmp) or (writer is not None and not writer.gone()):
                    self.busy.add(stack)
            if group.path.exists():
                self.lock(group, stack)

    def lock(self, group: Group, stack: str) -> None:
        lock = holder(group.path)
        if lock is None:
            self.busy.add(stack)
            self.stops.append(
                f"the lock {self.rel(group.path)} of stack {stack} is unreadable; once no `pulumi` "
                f"runs on the stack, run: scripts/pulumi cancel --stack {stack} --yes"
            )
        elif lock.gone():
            group.path.unlink()
            with contextlib.suppress(FileNotFoundError):
                group.sidecar.unlink()
            group.attrs = False
            self.said.append(f"removed the lock of stack {stack} left by {lock}: no such process on this machine")
        else:
            self.busy.add(stack)
