"""What an agent changed in its worktree, as git sees it against the commit it started from."""

from __future__ import annotations

from pathlib import Path

from codemyspec.components import ChangeKind, FileChange, is_junk
from codemyspec.shell import Shell


def worktree_changes(tree: Path, shell: Shell, timeout: float) -> list[FileChange] | None:
    """Every added, modified or deleted file (caches left out); None when git cannot tell."""
    listed = shell.run(
        ["git", "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames"],
        tree,
        timeout=timeout,
    )
    if not listed.ok:
        return None
    changes = []
    for entry in filter(None, listed.stdout.split("\0")):
        status, path = entry[:2], entry[3:]
        if is_junk(path):
            continue
        if status == "??" or "A" in status:
            kind = ChangeKind.ADDED
        elif "D" in status:
            kind = ChangeKind.DELETED
        else:
            kind = ChangeKind.MODIFIED
        changes.append(FileChange(path=path, kind=kind))
    return sorted(changes, key=lambda c: c.path)
