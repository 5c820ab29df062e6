"""What a completed component session brings to its context: every file its agent changed."""

from __future__ import annotations

from dataclasses import dataclass

from codemyspec.components import ChangeKind, component_files, recorded_changes
from codemyspec.sessions import Session


@dataclass(frozen=True, slots=True)
class ChildWork:
    """A completed child's files: those to check out of its commit, those to delete."""

    child: Session
    present: tuple[str, ...]
    deleted: tuple[str, ...]
    code: str | None = None
    test: str | None = None

    @property
    def name(self) -> str:
        return self.child.component.name if self.child.component else f"session {self.child.id}"

    @property
    def files(self) -> tuple[str, ...]:
        return (*self.present, *self.deleted)


def child_work(parent: Session, child: Session) -> ChildWork:
    """What ``child`` changed; its code and test file when it recorded nothing (older runs)."""
    code = test = None
    if child.component is not None and parent.project is not None:
        paths = component_files(child.component, parent.project)
        code, test = str(paths.code), str(paths.test)
    changes = recorded_changes(child.state)
    if changes is None:
        both = tuple(p for p in (code, test) if p is not None)
        return ChildWork(child, both, (), code, test)
    present = tuple(c.path for c in changes if c.kind is not ChangeKind.DELETED)
    deleted = tuple(c.path for c in changes if c.kind is ChangeKind.DELETED)
    return ChildWork(child, present, deleted, code, test)
