"""Reading a context session's own record back: what its newest spawn reported."""

from __future__ import annotations

from codemyspec.context_coding_sessions.steps.spawn_component_coding_sessions import (
    SpawnComponentCodingSessions,
)
from codemyspec.sessions import Result, ResultStatus, Session


def newest_spawn_result(session: Session, *, passed: bool = False) -> Result | None:
    """The newest judged spawn's result (with ``passed``, the newest one validation let
    through): where its validation, integrated files and facts are read back from."""
    return next(
        (
            i.result
            for i in session.interactions  # newest first
            if i.step == SpawnComponentCodingSessions.name
            and i.result is not None
            and (not passed or i.result.status is ResultStatus.OK)
        ),
        None,
    )
