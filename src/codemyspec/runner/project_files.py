"""The project files a step asks the runner to read (design docs, coding rules), and their
digests (what a file was when it was looked at)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from codemyspec.components import resolve_inside


def read_project_files(root: Path, paths: list[str]) -> dict[str, str | None]:
    """Each file's text in the tree at ``root`` (where design docs and rules are kept, even
    uncommitted), None for a file that is not there."""
    found: dict[str, str | None] = {}
    for relative in paths:
        path = resolve_inside(root, relative)
        found[relative] = path.read_text(encoding="utf-8") if path.is_file() else None
    return found


def file_digest(path: Path) -> str | None:
    """sha256 of a file, None when it does not exist."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
