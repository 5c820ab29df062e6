"""Helpers the context workflow's steps share: its branch name and its session type names."""

from __future__ import annotations

import re

from codemyspec.errors import StepError
from codemyspec.sessions import Session

SESSION_TYPE = "ContextCodingSessions"
CHILD_SESSION_TYPE = "ComponentCodingSessions"
BRANCH_PREFIX = "code-context-coding-session-for-"

_OUTSIDE_SLUG = re.compile(r"[^a-z0-9_-]")
_HYPHEN_RUNS = re.compile(r"-{2,}")


def slugify(name: str) -> str:
    """Lowercase, anything outside ``[a-z0-9_-]`` becomes ``-``, runs collapsed, ends trimmed."""
    slug = _OUTSIDE_SLUG.sub("-", name.lower())
    return _HYPHEN_RUNS.sub("-", slug).strip("-")


def branch_name(session: Session) -> str:
    """``code-context-coding-session-for-<slug of the context component's name>``."""
    if session.component is None:
        raise StepError("Context component not found")
    slug = slugify(session.component.name) or f"component-{session.component.id}"
    return f"{BRANCH_PREFIX}{slug}"
