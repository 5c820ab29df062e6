"""Sessions and their interactions, always read and written within the caller's scope."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, Executable, Select, select, update
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
from codemyspec.sessions.dispatch_queue import DispatchQueue
from codemyspec.sessions.events import EventKind, SessionEvent
from codemyspec.sessions.loading import load_session, scope_params
from codemyspec.sessions.models import (
    Interaction,
    Session,
    SessionAttrs,
    SessionStatus,
    SessionUpdate,
)
from codemyspec.sessions.statements import (
    COMPONENTS,
    claim_update,
    exists_select,
    interaction_insert,
    release_update,
    result_update,
    sessions_insert,
    sessions_update,
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
        detached=row.detached,
        queue=row.queue,
        queued_at=row.queued_at,
        dispatched_at=row.dispatched_at,
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

    def _emit(self, kind: EventKind, row: SessionRow | Session, **fields: object) -> None:
        self.events.append(
            SessionEvent.model_validate(
                {
                    "kind": kind,
                    "session_id": row.id,
                    "account_id": row.account_id,
                    "parent_session_id": row.session_id,
                    "status": str(row.status),
                    **fields,
                }
            )
        )

    def _execute(self, statement: Executable, params: Any = None) -> CursorResult[*tuple[Any, ...]]:
        """A prebuilt Core statement in this unit of work's transaction (no ORM on the way)."""
        return self._orm.connection().execute(statement, params)

    def _loaded(self, scope: Scope, session: int | Session) -> Session:
        return session if isinstance(session, Session) else self.get(scope, session)

    def _check_exists(self, scope: Scope, session_id: int) -> None:
        found = self._execute(
            exists_select(scope.project_id is not None), scope_params(scope, session_id)
        )
        if found.first() is None:
            raise NotFoundError(f"Session {session_id} not found")

    def _row(self, scope: Scope, session_id: int) -> SessionRow:
        # populate_existing: a Core write in this unit of work may have changed the row.
        query = _scoped(scope).where(SessionRow.id == session_id)
        row = self._orm.scalars(query.execution_options(populate_existing=True)).one_or_none()
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

    def create_all(self, scope: Scope, attrs: list[SessionAttrs]) -> list[int]:
        """Many sessions (a spawn's children) in one insert, checked as ``create`` checks
        each, with one statement per kind of check; their ids, ascending (the order a
        database numbers the rows of one insert is not promised). A refusal or a failed
        check refuses them all."""
        for project_id in {a.project_id or scope.project_id for a in attrs}:
            if project_id is not None:
                ProjectRepository(self._orm).get(scope, project_id)
        for parent_id in {a.session_id for a in attrs}:
            if parent_id is not None:
                self._check_exists(scope, parent_id)
        self._check_components(scope, attrs)
        rows = [
            {
                **a.model_dump(mode="json", exclude={"project_id"}),
                "project_id": a.project_id if a.project_id is not None else scope.project_id,
                "account_id": scope.account_id,
                "user_id": scope.user_id,
            }
            for a in attrs
        ]
        with refused_writes(f"create {len(rows)} sessions"):
            created = sorted(self._execute(sessions_insert(), rows))
        for session_id, parent_id, status in created:
            self.events.append(
                SessionEvent(
                    kind=EventKind.SESSION_CREATED,
                    session_id=session_id,
                    account_id=scope.account_id,
                    parent_session_id=parent_id,
                    status=status,
                )
            )
        return [int(row[0]) for row in created]

    def _check_components(self, scope: Scope, attrs: list[SessionAttrs]) -> None:
        """Each session's component is in scope and, when it has one, in its project."""
        wanted = {a.component_id for a in attrs} - {None}
        if not wanted:
            return
        query = select(COMPONENTS.c.id, COMPONENTS.c.project_id).where(
            COMPONENTS.c.id.in_(wanted), COMPONENTS.c.account_id == scope.account_id
        )
        if scope.project_id is not None:
            query = query.where(COMPONENTS.c.project_id == scope.project_id)
        found: dict[int, int] = {int(r[0]): int(r[1]) for r in self._execute(query)}
        for a in attrs:
            if a.component_id is None:
                continue
            if a.component_id not in found:
                raise NotFoundError(f"Component {a.component_id} not found")
            project_id = a.project_id if a.project_id is not None else scope.project_id
            if project_id is not None and found[a.component_id] != project_id:
                raise ValidationError(f"component {a.component_id} is not in project {project_id}")

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: a write that fails inside it leaves the rest intact."""
        with self._orm.begin_nested():
            yield

    def get(self, scope: Scope, session_id: int) -> Session:
        """The session with component, project, interactions (newest first) and children."""
        return load_session(self._orm.connection(), scope, session_id)

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
        query = query.order_by(SessionRow.id).execution_options(populate_existing=True)
        return [_session(row) for row in self._orm.scalars(query)]

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

    def update(self, scope: Scope, session: int | Session, changes: SessionUpdate) -> Session:
        """Apply ``changes``; a ``Session`` loaded in this unit of work is not read again."""
        return self.update_all(scope, [self._loaded(scope, session)], changes)[0]

    def update_all(
        self, scope: Scope, sessions: list[Session], changes: SessionUpdate
    ) -> list[Session]:
        """The same ``changes`` to sessions loaded in this unit of work, in one statement;
        only the columns ``changes`` sets are written. Returns them as a reload would."""
        if not sessions:
            return []
        now = utcnow()
        common: dict[str, Any] = {"updated_at": now}
        if changes.status is not None:
            common["status"] = changes.status.value
        if changes.agent is not None:
            common["agent"] = changes.agent
        if changes.external_conversation_id is not None:
            common["external_conversation_id"] = changes.external_conversation_id
        states = [{**s.state, **changes.state} if changes.state else s.state for s in sessions]
        columns = (*sorted(common), *(("state",) if changes.state else ()))
        rows = [
            {
                "b_id": s.id,
                **{f"b_{k}": v for k, v in common.items()},
                **({"b_state": state} if changes.state else {}),
            }
            for s, state in zip(sessions, states, strict=True)
        ]
        which = ", ".join(str(s.id) for s in sessions)
        with refused_writes(f"update session {which}"):
            self._execute(sessions_update(columns), rows[0] if len(rows) == 1 else rows)
        updated = [
            s.model_copy(
                update={
                    **{k: v for k, v in common.items() if k != "status"},
                    "status": changes.status or s.status,
                    # What the JSON column gives back when read (stored, so it serializes).
                    "state": json.loads(json.dumps(state)) if changes.state else state,
                }
            )
            for s, state in zip(sessions, states, strict=True)
        ]
        for session in updated:
            self._emit(EventKind.SESSION_UPDATED, session)
        return updated

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
        params = {**scope_params(scope, session_id), "holder": holder, "now": now, "until": until}
        if take_over_from is not None:
            params["dead"] = take_over_from
        statement = claim_update(scope.project_id is not None, take_over_from is not None)
        with refused_writes(f"claim session {session_id}"):
            claimed = self._execute(statement, params).rowcount == 1
        if not claimed:
            self._check_exists(scope, session_id)
        return claimed

    def release(self, scope: Scope, session_id: int, holder: str) -> None:
        """Give up ``holder``'s claim; a claim someone else holds now is left alone."""
        params = {**scope_params(scope, session_id), "holder": holder}
        with refused_writes(f"release session {session_id}"):
            released = self._execute(release_update(scope.project_id is not None), params)
        if released.rowcount != 1:
            self._check_exists(scope, session_id)

    def detach(self, scope: Scope, session_id: int, queue: str, now: datetime) -> Session:
        """Mark the session as run by the server's workers on ``queue``, queued from ``now``."""
        return self._set_dispatch(
            scope, session_id, detached=True, queue=queue, queued_at=now, dispatched_at=None
        )

    def requeue(self, scope: Scope, session_id: int, now: datetime) -> Session:
        """Queue a detached session again (resumed, retried): sent at the next sweep."""
        return self._set_dispatch(scope, session_id, queued_at=now, dispatched_at=None)

    def unqueue(self, scope: Scope, session_id: int) -> Session:
        """The session wants no worker now (settled by one, or cancelled)."""
        return self._set_dispatch(scope, session_id, queued_at=None)

    def _set_dispatch(self, scope: Scope, session_id: int, **values: object) -> Session:
        row = self._row(scope, session_id)
        with refused_writes(f"update session {session_id}"):
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            self._orm.flush()
        self._emit(EventKind.SESSION_UPDATED, row)
        return self.get(scope, session_id)

    def dispatch_queue(self) -> DispatchQueue:
        """The server dispatcher's view of detached sessions, across accounts (see there)."""
        return DispatchQueue(self._orm)

    def delete(self, scope: Scope, session_id: int) -> None:
        row = self._row(scope, session_id)
        self._emit(EventKind.SESSION_DELETED, row)
        with refused_writes(f"delete session {session_id}"):
            self._orm.delete(row)
            self._orm.flush()

    def add_interaction(
        self, scope: Scope, session: int | Session, command: Command
    ) -> Interaction:
        """Store a pending interaction; the database refuses a second pending one
        (``InteractionConflictError``: the caller hands out the stored one instead)."""
        owner = self._loaded(scope, session)
        values = {
            "session_id": owner.id,
            "step": command.module,
            "attempt": owner.attempt,
            "command": command.model_dump(mode="json"),
            "started_at": utcnow(),
        }
        try:
            inserted = self._execute(interaction_insert(), values)
        except SQLAlchemyError as exc:
            if is_unique_violation(exc):
                raise InteractionConflictError(
                    f"session {owner.id} already has a pending interaction; "
                    f"{command.module} was not stored ({database_reason(exc)})"
                ) from exc
            raise PersistenceError(
                f"could not store the {command.module} interaction of session {owner.id}: "
                f"{database_reason(exc)}"
            ) from exc
        interaction_id = inserted.inserted_primary_key[0]  # type: ignore[index]
        self._emit(
            EventKind.INTERACTION_STARTED, owner, interaction_id=interaction_id, step=command.module
        )
        return Interaction(
            id=interaction_id,
            session_id=owner.id,
            step=command.module,
            command=command,  # a typed, frozen model: what parsing the stored JSON gives
            started_at=values["started_at"],
        )

    def record_result(
        self, scope: Scope, session: int | Session, interaction_id: int, result: Result
    ) -> Interaction:
        """Store the result once: an update guarded by ``completed_at IS NULL``."""
        owner = self._loaded(scope, session)
        stored = result.model_dump(mode="json")
        completed_at: datetime = utcnow()
        params = {
            "b_id": interaction_id,
            "b_session": owner.id,
            "b_result": stored,
            "b_completed_at": completed_at,
        }
        with refused_writes(f"store the result of interaction {interaction_id}"):
            applied = self._execute(result_update(), params)
        if applied.rowcount != 1:
            self._interaction_row(owner.id, interaction_id)
            raise ResultAlreadyRecordedError(
                f"interaction {interaction_id} already has a result; a second one is refused"
            )
        pending = owner.interaction(interaction_id)
        if pending is None:  # not of the attempt loaded: read it as stored
            row = self._interaction_row(owner.id, interaction_id)
            self._orm.refresh(row)
            done = _interaction(row)
        else:
            answered = {"result": Result.model_validate(stored), "completed_at": completed_at}
            done = pending.model_copy(update=answered)
        self._emit(
            EventKind.INTERACTION_FINISHED,
            owner,
            interaction_id=interaction_id,
            step=done.step,
            result_status=result.status.value,
        )
        return done

    def _interaction_row(self, session_id: int, interaction_id: int) -> InteractionRow:
        stored = self._orm.scalars(
            select(InteractionRow).where(
                InteractionRow.id == interaction_id, InteractionRow.session_id == session_id
            )
        ).one_or_none()
        if stored is None:
            raise NotFoundError(f"Interaction {interaction_id} not found in session {session_id}")
        return stored
