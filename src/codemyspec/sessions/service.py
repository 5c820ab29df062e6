"""The sessions engine: create and inspect sessions, hand out commands, take results.

Each public method is one unit of work from the composition root's factory, which
publishes the session events only after the work commits.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any, Protocol

from codemyspec.clock import Clock, utcnow
from codemyspec.commands import Result, SpawnSessionsCommand
from codemyspec.components import ComponentRepository
from codemyspec.errors import (
    CodeMySpecError,
    InteractionConflictError,
    NotFoundError,
    ResultAlreadyRecordedError,
    SessionClaimedError,
    SessionCompleteError,
    SessionNotActiveError,
    StepError,
)
from codemyspec.projects import ProjectRepository
from codemyspec.scope import Scope
from codemyspec.sessions.models import (
    ExecutionMode,
    Interaction,
    Session,
    SessionAttrs,
    SessionStatus,
    SessionUpdate,
)
from codemyspec.sessions.registry import OrchestratorRegistry
from codemyspec.sessions.repository import SessionRepository
from codemyspec.sessions.workflow import StepContext, StepOutcome

log = logging.getLogger(__name__)


class Work(Protocol):
    """The repositories the engine needs, bound to one transaction."""

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def components(self) -> ComponentRepository: ...

    @property
    def projects(self) -> ProjectRepository: ...


class UnitOfWorkFactory(Protocol):
    """Opens one unit of work; ``read_only`` when the block only reads (no write lock)."""

    def __call__(self, *, read_only: bool = False) -> AbstractContextManager[Work]: ...


class SessionsEngine:
    """The seed's ``Sessions`` context over one unit-of-work factory and one registry.

    ``clock`` dates claims and their leases, so a test can let a lease run out at once.
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        registry: OrchestratorRegistry,
        clock: Clock = utcnow,
    ) -> None:
        self._unit_of_work = unit_of_work
        self.registry = registry
        self._clock = clock

    def _context(self, work: Work, session: Session) -> StepContext:
        return StepContext(sessions=work.sessions, components=work.components)

    def create_session(self, scope: Scope, attrs: SessionAttrs) -> Session:
        self.registry.get(attrs.type)
        with self._unit_of_work() as work:
            return work.sessions.create(scope, attrs)

    def get_session(self, scope: Scope, session_id: int) -> Session:
        with self._unit_of_work(read_only=True) as work:
            return work.sessions.get(scope, session_id)

    def list_sessions(
        self,
        scope: Scope,
        *,
        status: SessionStatus | None = None,
        type: str | None = None,
        parent_id: int | None = None,
        roots_only: bool = False,
    ) -> list[Session]:
        with self._unit_of_work(read_only=True) as work:
            return work.sessions.list_sessions(
                scope, status=status, type=type, parent_id=parent_id, roots_only=roots_only
            )

    def update_session(self, scope: Scope, session_id: int, changes: SessionUpdate) -> Session:
        with self._unit_of_work() as work:
            return work.sessions.update(scope, session_id, changes)

    def restart_session(self, scope: Scope, session_id: int, state: dict[str, Any]) -> Session:
        """A new attempt of the session (what ``retry`` does to a failed child)."""
        with self._unit_of_work() as work:
            return work.sessions.restart(scope, session_id, state)

    def cancel_session(
        self, scope: Scope, session_id: int, reason: str = "cancelled by user"
    ) -> Session:
        """Abandon a session: it and its unfinished children become cancelled, atomically."""
        with self._unit_of_work() as work:
            return self._cancel(work, scope, session_id, reason)

    def _cancel(self, work: Work, scope: Scope, session_id: int, reason: str) -> Session:
        session = work.sessions.get(scope, session_id)
        if session.status is SessionStatus.COMPLETE:
            raise SessionCompleteError(
                f"session {session_id} is complete; there is nothing to cancel"
            )
        cancelled = SessionUpdate(status=SessionStatus.CANCELLED, state={"error": reason})
        unfinished = [c for c in session.child_sessions if not c.status.is_terminal]
        work.sessions.update_all(scope, unfinished, cancelled)
        if session.status is not SessionStatus.CANCELLED:
            work.sessions.update(scope, session, cancelled)
        return work.sessions.get(scope, session_id)

    def claim_session(
        self,
        scope: Scope,
        session_id: int,
        holder: str,
        lease_seconds: float,
        *,
        take_over_from: str | None = None,
    ) -> Session:
        """Claim or renew the right to run the session, for ``lease_seconds`` from now.

        Raises ``SessionClaimedError`` naming the holder while another runner's lease holds.
        """
        now = self._clock()
        until = now + timedelta(seconds=lease_seconds)
        with self._unit_of_work() as work:
            if work.sessions.claim(
                scope, session_id, holder, now, until, take_over_from=take_over_from
            ):
                return work.sessions.get(scope, session_id)
            session = work.sessions.get(scope, session_id)
        expires = session.claim_expires_at.isoformat() if session.claim_expires_at else "?"
        raise SessionClaimedError(
            f"session {session_id} is being run by {session.claimed_by} "
            f"(its lease runs until {expires})"
        )

    def release_session(self, scope: Scope, session_id: int, holder: str) -> None:
        """Give up ``holder``'s claim so another runner may take the session at once."""
        with self._unit_of_work() as work:
            work.sessions.release(scope, session_id, holder)

    def delete_session(self, scope: Scope, session_id: int) -> None:
        with self._unit_of_work() as work:
            work.sessions.delete(scope, session_id)

    def next_command(self, scope: Scope, session_id: int) -> Interaction:
        """The pending interaction if there is one, else a new one from the next step."""
        try:
            return self._next_command(scope, session_id)
        except InteractionConflictError:
            # Another caller stored the pending interaction first: hand out that one.
            pending = self.get_session(scope, session_id).pending_interaction()
            if pending is None:
                raise
            return pending

    def _next_command(self, scope: Scope, session_id: int) -> Interaction:
        with self._unit_of_work() as work:
            session = work.sessions.get(scope, session_id)
            if session.status is SessionStatus.COMPLETE:
                raise SessionCompleteError(f"session {session_id} is complete")
            if session.status.is_terminal:
                raise SessionNotActiveError(
                    f"session {session_id} is {session.status.value}; it takes no new command"
                )
            pending = session.pending_interaction()
            if pending is not None:
                return pending
            orchestrator = self.registry.get(session.type)
            step = orchestrator.get_next_interaction(session)
            command = step.get_command(scope, session, context=self._context(work, session))
            if isinstance(command, SpawnSessionsCommand) and command.spawn:
                command = _spawned(work, scope, session, command)
            return work.sessions.add_interaction(scope, session, command)

    def handle_result(
        self, scope: Scope, session_id: int, interaction_id: int, result: Result
    ) -> Session:
        """Let the step judge the result, store it once, and apply its session updates."""
        with self._unit_of_work() as work:
            session = work.sessions.get(scope, session_id)
            interaction = session.interaction(interaction_id)
            if interaction is None:
                raise NotFoundError(
                    f"Interaction {interaction_id} not found in session {session_id}"
                )
            if not interaction.pending:
                raise ResultAlreadyRecordedError(
                    f"interaction {interaction_id} already has a result; a second one is refused"
                )
            step = self.registry.step(session.type, interaction.step)
            outcome = step.handle_result(
                scope, session, result, context=self._context(work, session)
            )
            # Nothing else changes the session within this unit of work: the one loaded, with
            # the result and the updates applied, is what a reload would read.
            stored = work.sessions.record_result(scope, session, interaction_id, outcome.result)
            session = session.model_copy(
                update={
                    "interactions": [
                        stored if i.id == stored.id else i for i in session.interactions
                    ]
                }
            )
            if outcome.children:
                return self._update_children(work, scope, session, outcome)
            if not outcome.updates.is_empty:
                return work.sessions.update(scope, session, outcome.updates)
            return session

    @staticmethod
    def _update_children(
        work: Work, scope: Scope, session: Session, outcome: StepOutcome
    ) -> Session:
        """A step's changes to its own children (only those), then the session read again."""
        own = {child.id for child in session.child_sessions}
        for child_id, changes in outcome.children.items():
            if child_id not in own:
                raise StepError(f"session {child_id} is not a child of session {session.id}")
            work.sessions.update(scope, child_id, changes)
        if not outcome.updates.is_empty:
            work.sessions.update(scope, session, outcome.updates)
        return work.sessions.get(scope, session.id)


def _spawned(
    work: Work, scope: Scope, session: Session, command: SpawnSessionsCommand
) -> SpawnSessionsCommand:
    """Create the children a step asked for; the command records their ids instead.

    All in one insert; when that is refused, each in its own savepoint, so one that cannot
    be created is logged and left out. None at all is the step's failure.
    """
    wanted = [
        SessionAttrs(
            type=child.type,
            component_id=child.component_id,
            session_id=session.id,
            project_id=session.project_id,
            execution_mode=ExecutionMode.AGENTIC,
            agent=session.agent,
            environment_type=session.environment_type,
            state=child.state,
        )
        for child in command.spawn
    ]
    try:
        with work.sessions.savepoint():
            child_ids = work.sessions.create_all(scope, wanted)
    except CodeMySpecError:
        child_ids = _one_by_one(work, scope, command, wanted)
    if not child_ids:
        raise StepError("Failed to spawn any child sessions")
    return command.model_copy(update={"child_session_ids": child_ids, "spawn": []})


def _one_by_one(
    work: Work, scope: Scope, command: SpawnSessionsCommand, wanted: list[SessionAttrs]
) -> list[int]:
    child_ids: list[int] = []
    for child, attrs in zip(command.spawn, wanted, strict=True):
        try:
            with work.sessions.savepoint():
                child_ids.append(work.sessions.create(scope, attrs).id)
        except CodeMySpecError as exc:
            log.warning("could not spawn a coding session for %s: %s", child.name, exc)
    return child_ids
