"""Helpers the context workflow's steps share: its branch name and its session type names."""

from __future__ import annotations

import re

from codemyspec.components import Component
from codemyspec.context_coding_sessions.state import ContextState
from codemyspec.errors import StepError
from codemyspec.sessions import Session

SESSION_TYPE = "ContextCodingSessions"
CHILD_SESSION_TYPE = "ComponentCodingSessions"
BRANCH_PREFIX = "code-context-coding-session-for-"
FRESH_BRANCH_KEY = "fresh_branch"
#: In a context session's state: its own module does not exist, so one more child writes it.
WRITE_CONTEXT_MODULE_KEY = "write_context_module"
#: In that child's state: it writes the context's module, last, from all the others' work.
CONTEXT_MODULE_KEY = "context_module"

_OUTSIDE_SLUG = re.compile(r"[^a-z0-9_-]")
_HYPHEN_RUNS = re.compile(r"-{2,}")


def slugify(name: str) -> str:
    """Lowercase, anything outside ``[a-z0-9_-]`` becomes ``-``, runs collapsed, ends trimmed."""
    slug = _OUTSIDE_SLUG.sub("-", name.lower())
    return _HYPHEN_RUNS.sub("-", slug).strip("-")


def branch_name(session: Session) -> str:
    """``code-context-coding-session-for-<slug of the context component's name>``.

    A session started with ``fresh_branch`` in its state (``implement --fresh``, beyond the
    seed) gets its own branch: the same name followed by ``-<session id>``.
    """
    if session.component is None:
        raise StepError("Context component not found")
    seed = seed_branch_name(session.component)
    return f"{seed}-{session.id}" if ContextState.of(session).fresh_branch else seed


def seed_branch_name(component: Component) -> str:
    """The seed's branch name for a context; ``branch_name`` is what a session uses."""
    slug = slugify(component.name) or f"component-{component.id}"
    return f"{BRANCH_PREFIX}{slug}"
