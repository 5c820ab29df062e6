"""The detached sessions waiting for a worker, as the server's own dispatcher sees them.

This is the one view of sessions across accounts: the dispatcher is the server's loop, not
a caller with a token. It reads only what it sends (a session's id, queue and how many
children it will have) and writes only ``dispatched_at``; a worker then reads the session
itself with its own token, scoped as any caller.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, CursorResult, and_, func, or_, select, update
from sqlalchemy.orm import Session as OrmSession

from codemyspec.db import ComponentRow, SessionRow, refused_writes
from codemyspec.sessions.models import SessionStatus

#: The state key saying the context's own module is written by one more child.
_WRITES_CONTEXT_MODULE = "write_context_module"


class DueSession(BaseModel):
    """A detached root session to send to its queue now."""

    model_config = ConfigDict(frozen=True)

    id: int
    queue: str
    #: When it was last sent (None: never since it was queued, so its joiners go too).
    dispatched_at: datetime | None
    #: How many children it will run: its context's components (and the context module).
    children: int


def _due(now: datetime, redispatch_before: datetime) -> list[ColumnElement[bool]]:
    """Queued, active, detached roots never sent since queued; or sent before
    ``redispatch_before`` and now held by nobody: its last lease ran out. A released claim
    keeps its expiry, so a worker that just let go has until then to settle it."""
    unheld = or_(SessionRow.claim_expires_at.is_(None), SessionRow.claim_expires_at < now)
    return [
        SessionRow.detached.is_(True),
        SessionRow.queued_at.is_not(None),
        SessionRow.session_id.is_(None),
        SessionRow.status == SessionStatus.ACTIVE.value,
        or_(
            SessionRow.dispatched_at.is_(None),
            and_(SessionRow.dispatched_at < redispatch_before, unheld),
        ),
    ]


class DispatchQueue:
    """The detached sessions due for dispatch, across accounts (see the module docstring)."""

    def __init__(self, orm: OrmSession) -> None:
        self._orm = orm

    def due(self, now: datetime, redispatch_before: datetime) -> list[DueSession]:
        """The sessions to send now, oldest queued first."""
        components = (
            select(func.count(ComponentRow.id))
            .where(ComponentRow.parent_component_id == SessionRow.component_id)
            .scalar_subquery()
        )
        query = (
            select(
                SessionRow.id,
                SessionRow.queue,
                SessionRow.dispatched_at,
                SessionRow.state,
                components,
            )
            .where(*_due(now, redispatch_before))
            .order_by(SessionRow.queued_at, SessionRow.id)
        )
        return [
            DueSession(
                id=session_id,
                queue=queue or "",
                dispatched_at=dispatched_at,
                children=int(count or 0) + bool((state or {}).get(_WRITES_CONTEXT_MODULE)),
            )
            for session_id, queue, dispatched_at, state, count in self._orm.execute(query)
        ]

    def mark_dispatched(self, session_id: int, now: datetime, redispatch_before: datetime) -> bool:
        """Record the sending, only while the session is still due: of two server processes
        sweeping at once, one sends it."""
        statement = (
            update(SessionRow)
            .where(SessionRow.id == session_id, *_due(now, redispatch_before))
            .values(dispatched_at=now)
            .execution_options(synchronize_session=False)
        )
        with refused_writes(f"mark session {session_id} dispatched"):
            marked: CursorResult[Any] = self._orm.execute(statement)  # type: ignore[assignment]
        return marked.rowcount == 1

    def unmark(self, session_id: int, dispatched_at: datetime | None) -> None:
        """The sending failed (the broker is away): due again at the next sweep."""
        statement = (
            update(SessionRow)
            .where(SessionRow.id == session_id)
            .values(dispatched_at=dispatched_at)
            .execution_options(synchronize_session=False)
        )
        with refused_writes(f"mark session {session_id} not dispatched"):
            self._orm.execute(statement)
