"""No lost work: what the parent's one commit must hold, and whether what is staged holds it.

At integration the runner lists, for every completed child, each file its branch changed
(from git, since it left the parent's history: not only what its test runs recorded) with
the blob it committed, a later child's where that child built on it (dependencies are
integrated first; two independent children changing one file are refused before). Before
Finalize's commit it compares that with what the commit would hold (the index for the
files it commits, HEAD for any other) and commits nothing when one differs: a change that
did not make it is named, never lost silently.
"""

from __future__ import annotations

from typing import Protocol

from codemyspec.components import is_junk
from codemyspec.context_coding_sessions import ChildWork
from codemyspec.runner.worktrees import GitWorktrees
from codemyspec.sessions import CommitCommand, IntegratedFile

SHORT = 10


class Committed(Protocol):
    """The blob of ``path`` a commit would hold, taken from the index when ``staged``."""

    def __call__(self, path: str, *, staged: bool) -> str | None: ...


def _owner(work: ChildWork) -> str:
    component = work.child.component
    return component.module_name if component is not None else work.name


def integrated_files(
    plan: list[ChildWork], sources: dict[int, str], git: GitWorktrees
) -> list[IntegratedFile] | str:
    """Each file the children of ``plan`` (in order) changed, with the blob the commit must
    hold and whose change it is; or why git could not tell."""
    expected: dict[str, IntegratedFile] = {}
    for work in plan:
        source = sources[work.child.id]
        changed = git.changed_files(source)
        if changed is None:
            return f"could not list the files {_owner(work)} changed ({source})"
        for path in sorted({*changed, *work.files}):
            if is_junk(path):
                continue
            blob = git.blob(source, path)
            before = expected.get(path)
            if before is None or before.blob != blob:  # a dependency's, unchanged: theirs
                expected[path] = IntegratedFile(path=path, blob=blob, component=_owner(work))
    return sorted(expected.values(), key=lambda f: f.path)


def lost_work(command: CommitCommand, committed: Committed) -> str | None:
    """Why the commit would lose a child's change (``committed``: the blob a path would have
    in it, given whether the commit takes it from what is staged), None when it holds all."""
    taken = set(command.files)
    lost: list[str] = []
    for file in command.integrated:
        held = committed(file.path, staged=file.path in taken)
        if held == file.blob:
            continue
        change = "deletion of" if file.blob is None else "change to"
        if file.path not in taken:
            why = "the commit does not take that file"
        elif file.blob is None:
            why = "the file is still there"
        elif held is None:
            why = "the file is missing from the tree"
        else:
            why = (
                f"the tree holds another version, {held[:SHORT]}, not {file.blob[:SHORT]}: "
                "was it changed in the checkout after integration?"
            )
        lost.append(
            f"{file.component}'s {change} {file.path} did not make it into the commit ({why})"
        )
    return "; ".join(lost) + ": nothing was committed" if lost else None
