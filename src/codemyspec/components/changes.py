"""Which files a component's session may bring into the context: pure rules over a file list.

A child brings in every file its agent created, changed or deleted, so helper modules and
fixtures are not lost. It may not touch another component's code or test file, nor any
file outside the project's source and test roots (``pyproject.toml``, CI files): such a
child is refused with the list, never silently trimmed. Its own test file, when it existed
before the session, is guarded elsewhere (the agent may not change it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from codemyspec.components.files import component_files
from codemyspec.components.models import Component
from codemyspec.projects import Project, source_root, test_root

CHANGES_KEY = "changes"

#: What test runs and tools leave in a worktree: never a component's work.
JUNK_PARTS = frozenset(
    {"__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache", "_build"}
)
JUNK_SUFFIXES = (".pyc", ".pyo")


class ChangeKind(StrEnum):
    """How a file differs from the tree the child started from."""

    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"


class FileChange(BaseModel):
    """One file the agent added, modified or deleted in its worktree."""

    model_config = ConfigDict(frozen=True)

    path: str
    kind: ChangeKind


@dataclass(frozen=True, slots=True)
class Owner:
    """A component's name and the files that are its own."""

    name: str
    files: frozenset[str]


#: ``git add`` pathspecs that leave the junk out of a component's commit.
JUNK_PATHSPECS = (
    *(f":(exclude,glob)**/{part}/**" for part in sorted(JUNK_PARTS)),
    *(f":(exclude,glob)**/*{suffix}" for suffix in JUNK_SUFFIXES),
)

_changes = TypeAdapter(list[FileChange])


def recorded_changes(state: dict[str, Any]) -> list[FileChange] | None:
    """The changes a session's last test run found in its worktree; None before any."""
    try:
        return _changes.validate_python(state[CHANGES_KEY]) if CHANGES_KEY in state else None
    except ValidationError:
        return None


def is_junk(path: str) -> bool:
    """A cache or build product (``__pycache__/``, ``.pytest_cache/``, ``*.pyc``…)."""
    pure = PurePosixPath(path)
    return bool(JUNK_PARTS & set(pure.parts)) or pure.suffix in JUNK_SUFFIXES


def _inside(path: str, roots: list[PurePosixPath]) -> bool:
    pure = PurePosixPath(path)
    return any(root == PurePosixPath(".") or root in pure.parents for root in roots)


def refused_changes(
    changes: list[FileChange], own: Owner, others: list[Owner], roots: list[PurePosixPath]
) -> list[str]:
    """Why each change the child may not bring in is refused; empty when all may come."""
    owners = {path: other.name for other in others for path in other.files}
    shown_roots = ", ".join(str(r) for r in roots)
    refused: list[str] = []
    for change in changes:
        if change.path in own.files:
            continue
        if change.path in owners:
            refused.append(f"{change.path} ({change.kind.value}; {owners[change.path]}'s)")
        elif not _inside(change.path, roots):
            refused.append(
                f"{change.path} ({change.kind.value}; outside the source and test roots "
                f"{shown_roots})"
            )
    return refused


def owner_of(component: Component, project: Project) -> Owner:
    """The component and its code and test files."""
    paths = component_files(component, project)
    return Owner(component.module_name, frozenset({str(paths.code), str(paths.test)}))


def roots_of(project: Project) -> list[PurePosixPath]:
    """Where a component's agent may add files of its own: the source and test roots."""
    return sorted({source_root(project), test_root(project)})
