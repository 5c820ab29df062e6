"""Sessions and their interactions, always read and written within the caller's scope."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import selectinload

from codemyspec.clock import utcnow
from codemyspec.commands import Command, Result, parse_command
from codemyspec.components import Component, ComponentRepository
from codemyspec.db import (
    InteractionRow,
    SessionRow,
    database_reason,
    is_unique_violation,
    refused_writes,
)
from codemyspec.errors import (
    InteractionConflictError,
    NotFoundError,
    PersistenceError,
    ResultAlreadyRecordedError,
    ValidationError,
)
from codemyspec.projects import Project, ProjectRepository
from codemyspec.scope import Scope
from codemyspec.sessions.events import EventKind, SessionEvent
from codemyspec.sessions.models import (
    Interaction,
    Session,
    SessionAttrs,
    SessionStatus,
    SessionUpdate,
)


def _scoped(scope: Scope) -> Select[SessionRow]:
    query = select(SessionRow).where(SessionRow.account_id == scope.account_id)
    if scope.project_id is not None:
        query = query.where(SessionRow.project_id == scope.project_id)
    return query


def _interaction(row: InteractionRow) -> Interaction:
    return Interaction(
        id=row.id,
        session_id=row.session_id,
        step=row.step,
        command=parse_command(row.command, what=f"the command of interaction {row.id}"),
        result=Result.model_validate(row.result) if row.result is not None else None,
        started_at=row.started_at,
        completed_at=row.completed_at,
    )


def _current(row: SessionRow) -> list[Interaction]:
    """The interactions of the session's current attempt (the relationship orders them)."""
    return [_interaction(i) for i in row.interactions if i.attempt == row.attempt]


def _session(
    row: SessionRow,
    *,
    interactions: list[Interaction] | None = None,
    children: list[Session] | None = None,
    with_project: bool = False,
) -> Session:
    return Session(
        id=row.id,
        account_id=row.account_id,
        project_id=row.project_id,
        user_id=row.user_id,
        component_id=row.component_id,
        session_id=row.session_id,
        type=row.type,
        status=SessionStatus(row.status),
        execution_mode=row.execution_mode,
        agent=row.agent,
        environment_type=row.environment_type,
        state=dict(row.state or {}),
        external_conversation_id=row.external_conversation_id,
        attempt=row.attempt,
        claimed_by=row.claimed_by,
        claim_expires_at=row.claim_expires_at,
        inserted_at=row.inserted_at,
        updated_at=row.updated_at,
        component=Component.model_validate(row.component) if row.component else None,
        project=Project.model_validate(row.project) if with_project and row.project else None,
        interactions=interactions or [],
        child_sessions=children or [],
    )


class SessionRepository:
    """Scoped access to sessions inside one unit of work; collects the events it causes."""

    def __init__(self, orm: OrmSession) -> None:
        self._orm = orm
        self.events: list[SessionEvent] = []

    def _emit(self, kind: EventKind, row: SessionRow, **fields: object) -> None:
        self.events.append(
            SessionEvent.model_validate(
                {
                    "kind": kind,
                    "session_id": row.id,
                    "account_id": row.account_id,
                    "parent_session_id": row.session_id,
                    "status": row.status,
                    **fields,
                }
            )
        )

    def _row(self, scope: Scope, session_id: int) -> SessionRow:
        row = self._orm.scalars(_scoped(scope).where(SessionRow.id == session_id)).one_or_none()
        if row is None:
            raise NotFoundError(f"Session {session_id} not found")
        return row

    def create(self, scope: Scope, attrs: SessionAttrs) -> Session:
        project_id = attrs.project_id if attrs.project_id is not None else scope.project_id
        if project_id is not None:
            ProjectRepository(self._orm).get(scope, project_id)
        if attrs.component_id is not None:
            component = ComponentRepository(self._orm).get(scope, attrs.component_id)
            if project_id is not None and component.project_id != project_id:
                raise ValidationError(
                    f"component {attrs.component_id} is not in project {project_id}"
                )
        if attrs.session_id is not None:
            self._row(scope, attrs.session_id)
        row = SessionRow(
            **attrs.model_dump(mode="json", exclude={"project_id"}),
            project_id=project_id,
            account_id=scope.account_id,
            user_id=scope.user_id,
        )
        self._orm.add(row)
        with refused_writes(f"create the {attrs.type} session"):
            self._orm.flush()
        self._emit(EventKind.SESSION_CREATED, row)
        return self.get(scope, row.id)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: a write that fails inside it leaves the rest intact."""
        with self._orm.begin_nested():
            yield

    def get(self, scope: Scope, session_id: int) -> Session:
        """The session with component, project, interactions (newest first) and children."""
        row = self._orm.scalars(
            _scoped(scope)
            .where(SessionRow.id == session_id)
            .options(
                selectinload(SessionRow.component),
                selectinload(SessionRow.project),
                selectinload(SessionRow.interactions),
                selectinload(SessionRow.child_sessions).selectinload(SessionRow.component),
            )
            .execution_options(populate_existing=True)
        ).one_or_none()
        if row is None:
            raise NotFoundError(f"Session {session_id} not found")
        return _session(
            row,
            interactions=[_interaction(i) for i in row.interactions if i.attempt == row.attempt],
            children=[_session(child) for child in row.child_sessions],
            with_project=True,
        )

    def list_sessions(
        self,
        scope: Scope,
        *,
        status: SessionStatus | None = None,
        type: str | None = None,
        parent_id: int | None = None,
        roots_only: bool = False,
    ) -> list[Session]:
        query = _scoped(scope).options(selectinload(SessionRow.component))
        if status is not None:
            query = query.where(SessionRow.status == status.value)
        if type is not None:
            query = query.where(SessionRow.type == type)
        if parent_id is not None:
            query = query.where(SessionRow.session_id == parent_id)
        if roots_only:
            query = query.where(SessionRow.session_id.is_(None))
        return [_session(row) for row in self._orm.scalars(query.order_by(SessionRow.id))]

    def trees(
        self, scope: Scope, root_id: int | None = None, *, child_interactions: bool = True
    ) -> list[Session]:
        """Root sessions (all, or the session ``root_id``), oldest first, each with its component,
        project, interactions and children (as ``get`` loads them), in a fixed number of
        statements however many there are.

        ``child_interactions`` loads the children's own interactions too (a session's record).
        """
        children = selectinload(SessionRow.child_sessions)
        options = [
            selectinload(SessionRow.component),
            selectinload(SessionRow.project),
            selectinload(SessionRow.interactions),
            children.selectinload(SessionRow.component),
            children.selectinload(SessionRow.project),
        ]
        if child_interactions:
            options.append(children.selectinload(SessionRow.interactions))
        which = SessionRow.session_id.is_(None) if root_id is None else SessionRow.id == root_id
        query = _scoped(scope).where(which)
        rows = self._orm.scalars(
            query.options(*options)
            .order_by(SessionRow.id)
            .execution_options(populate_existing=True)
        )
        return [
            _session(
                row,
                interactions=_current(row),
                children=[
                    _session(
                        child,
                        interactions=_current(child) if child_interactions else None,
                        with_project=True,
                    )
                    for child in row.child_sessions
                ],
                with_project=True,
            )
            for row in rows
        ]

    def update(self, scope: Scope, session_id: int, changes: SessionUpdate) -> Session:
        row = self._row(scope, session_id)
        if changes.status is not None:
            row.status = changes.status.value
        if changes.state:
            row.state = {**(row.state or {}), **changes.state}
        if changes.agent is not None:
            row.agent = changes.agent
        if changes.external_conversation_id is not None:
            row.external_conversation_id = changes.external_conversation_id
        row.updated_at = utcnow()
        with refused_writes(f"update session {session_id}"):
            self._orm.flush()
        self._emit(EventKind.SESSION_UPDATED, row)
        return self.get(scope, session_id)

    def restart(self, scope: Scope, session_id: int, state: dict[str, Any]) -> Session:
        """Start a new attempt: active again, fresh state; earlier interactions are kept apart."""
        row = self._row(scope, session_id)
        abandoned = Result.error("abandoned: the session was restarted").model_dump(mode="json")
        with refused_writes(f"restart session {session_id}"):
            self._orm.execute(
                update(InteractionRow)
                .where(InteractionRow.session_id == row.id, InteractionRow.completed_at.is_(None))
                .values(result=abandoned, completed_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            row.attempt += 1
            row.status = SessionStatus.ACTIVE.value
            row.state = state
            row.external_conversation_id = None
            row.updated_at = utcnow()
            self._orm.flush()
        self._emit(EventKind.SESSION_UPDATED, row)
        return self.get(scope, session_id)

    def claim(
        self,
        scope: Scope,
        session_id: int,
        holder: str,
        now: datetime,
        until: datetime,
        *,
        take_over_from: str | None = None,
    ) -> bool:
        """Claim (or renew) the session for ``holder`` until ``until``, in one conditional UPDATE.

        It succeeds when nobody holds the session, ``holder`` already does, the lease ran
        out before ``now``, or the holder is ``take_over_from`` (a runner known to be dead).
        """
        row = self._row(scope, session_id)
        free = [
            SessionRow.claimed_by.is_(None),
            SessionRow.claimed_by == holder,
            SessionRow.claim_expires_at < now,
        ]
        if take_over_from is not None:
            free.append(SessionRow.claimed_by == take_over_from)
        with refused_writes(f"claim session {session_id}"):
            claimed = self._orm.execute(
                update(SessionRow)
                .where(SessionRow.id == row.id, or_(*free))
                .values(claimed_by=holder, claim_expires_at=until)
                .execution_options(synchronize_session=False)
            )
        return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]

    def release(self, scope: Scope, session_id: int, holder: str) -> None:
        """Give up ``holder``'s claim; a claim someone else holds now is left alone."""
        row = self._row(scope, session_id)
        with refused_writes(f"release session {session_id}"):
            self._orm.execute(
                update(SessionRow)
                .where(SessionRow.id == row.id, SessionRow.claimed_by == holder)
                .values(claimed_by=None, claim_expires_at=None)
                .execution_options(synchronize_session=False)
            )

    def delete(self, scope: Scope, session_id: int) -> None:
        row = self._row(scope, session_id)
        self._emit(EventKind.SESSION_DELETED, row)
        with refused_writes(f"delete session {session_id}"):
            self._orm.delete(row)
            self._orm.flush()

    def add_interaction(self, scope: Scope, session_id: int, command: Command) -> Interaction:
        """Store a pending interaction; the database refuses a second pending one
        (``InteractionConflictError``: the caller hands out the stored one instead)."""
        row = self._row(scope, session_id)
        interaction = InteractionRow(
            session_id=row.id,
            step=command.module,
            attempt=row.attempt,
            command=command.model_dump(mode="json"),
        )
        self._orm.add(interaction)
        try:
            self._orm.flush()
        except SQLAlchemyError as exc:
            if is_unique_violation(exc):
                raise InteractionConflictError(
                    f"session {session_id} already has a pending interaction; "
                    f"{command.module} was not stored ({database_reason(exc)})"
                ) from exc
            raise PersistenceError(
                f"could not store the {command.module} interaction of session {session_id}: "
                f"{database_reason(exc)}"
            ) from exc
        self._emit(
            EventKind.INTERACTION_STARTED, row, interaction_id=interaction.id, step=command.module
        )
        return _interaction(interaction)

    def record_result(
        self, scope: Scope, session_id: int, interaction_id: int, result: Result
    ) -> Interaction:
        """Store the result once: an update guarded by ``completed_at IS NULL``."""
        row = self._row(scope, session_id)
        completed_at: datetime = utcnow()
        with refused_writes(f"store the result of interaction {interaction_id}"):
            applied = self._orm.execute(
                update(InteractionRow)
                .where(
                    InteractionRow.id == interaction_id,
                    InteractionRow.session_id == row.id,
                    InteractionRow.completed_at.is_(None),
                )
                .values(result=result.model_dump(mode="json"), completed_at=completed_at)
                .execution_options(synchronize_session=False)
            )
        if applied.rowcount != 1:  # type: ignore[attr-defined]
            self._interaction_row(row.id, interaction_id)
            raise ResultAlreadyRecordedError(
                f"interaction {interaction_id} already has a result; a second one is refused"
            )
        stored = self._interaction_row(row.id, interaction_id)
        self._orm.refresh(stored)
        self._emit(
            EventKind.INTERACTION_FINISHED,
            row,
            interaction_id=interaction_id,
            step=stored.step,
            result_status=result.status.value,
        )
        return _interaction(stored)

    def _interaction_row(self, session_id: int, interaction_id: int) -> InteractionRow:
        stored = self._orm.scalars(
            select(InteractionRow).where(
                InteractionRow.id == interaction_id, InteractionRow.session_id == session_id
            )
        ).one_or_none()
        if stored is None:
            raise NotFoundError(f"Interaction {interaction_id} not found in session {session_id}")
        return stored
