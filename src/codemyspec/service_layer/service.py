"""The service layer: the engine's operations and the use cases every entrypoint calls.

The command line and the API both call these (the command line through ``RemoteSessions``
when the sessions live on a server), so a check made here is made for both.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from codemyspec.clock import Clock, utcnow
from codemyspec.component_coding_sessions import ComponentState
from codemyspec.context_coding_sessions import CHILD_SESSION_TYPE
from codemyspec.context_coding_sessions import SESSION_TYPE as CONTEXT_SESSION_TYPE
from codemyspec.errors import ValidationError
from codemyspec.scope import Scope
from codemyspec.service_layer.context_sessions import (
    UNFINISHED,
    ContextPlan,
    ContextStart,
    check_only,
    context_session_attrs,
    is_context_root,
    pick_context,
    unfinished_error,
)
from codemyspec.service_layer.dispatching import NO_BROKER, Dispatch, DispatchSignal
from codemyspec.service_layer.operations import CANCELLED_BY_USER, SessionsApi
from codemyspec.service_layer.progress import with_progress
from codemyspec.sessions import (
    OrchestratorRegistry,
    Session,
    SessionAttrs,
    SessionsEngine,
    SessionStatus,
    SessionUpdate,
    UnitOfWorkFactory,
    Work,
)

STOPPED = (SessionStatus.FAILED, SessionStatus.CANCELLED)
REOPENED = SessionUpdate(status=SessionStatus.ACTIVE, state={"error": None})


class SessionsService(SessionsEngine, SessionsApi):
    """``SessionsEngine`` plus the use cases, each one unit of work.

    ``create_session`` stays the engine's own (any session, no checks: what a workflow's
    children and tests need); ``start_context_session`` is what a person starts.
    ``dispatch`` wakes the server's dispatcher; without one (no broker) nothing detaches.
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        registry: OrchestratorRegistry,
        clock: Clock = utcnow,
        *,
        dispatch: DispatchSignal | None = None,
    ) -> None:
        super().__init__(unit_of_work, registry, clock=clock)
        self.dispatch = dispatch

    def create_session(self, scope: Scope, attrs: SessionAttrs) -> Session:
        """Any session; a context's own root session only while none is unfinished (what
        ``POST /api/sessions`` and ``start_context_session`` both hold to)."""
        root = attrs.type == CONTEXT_SESSION_TYPE and attrs.session_id is None
        if not root or attrs.component_id is None or attrs.status.is_terminal:
            return super().create_session(scope, attrs)
        self.registry.get(attrs.type)
        with self._unit_of_work() as work:
            context = work.components.get(scope, attrs.component_id)
            work.components.lock(scope, context.id)
            sessions = _context_sessions(work, scope, context.id)
            if (first := next((s for s in sessions if s.status in UNFINISHED), None)) is not None:
                raise unfinished_error(first, context, str(first.id))
            return work.sessions.create(scope, attrs)

    def plan_context_session(self, scope: Scope, context: str) -> ContextPlan:
        _project_id(scope)
        with self._unit_of_work() as work:
            return self._plan(work, scope, context)

    def start_context_session(self, scope: Scope, start: ContextStart) -> Session:
        project_id = _project_id(scope)
        if start.queue is not None and not start.detach:
            raise ValidationError("queue: only a detached session (detach: true) has a queue")
        with self._unit_of_work() as work:
            plan = self._plan(work, scope, start.context)
            if (unfinished := plan.unfinished) is not None:
                raise unfinished_error(unfinished, plan.context, str(unfinished.id))
            if start.only:
                start = start.model_copy(update={"only": check_only(plan, start.only)})
            queue = self._detachable(work, scope, start, project_id) if start.detach else None
            attrs = context_session_attrs(plan, start, project_id)
            session = work.sessions.create(scope, attrs)
            if queue is not None:
                session = work.sessions.detach(scope, session.id, queue, self._clock())
        return self._woken(session)

    def _detachable(self, work: Work, scope: Scope, start: ContextStart, project_id: int) -> str:
        """The queue of a detached start, once it is known the workers can run it: a broker,
        the commit to start from, the remote to clone (recorded on the project)."""
        if self.dispatch is None:
            raise ValidationError(f"detach: {NO_BROKER}")
        if start.base_commit is None:
            raise ValidationError(
                "base_commit: a detached run starts from a commit on origin (HEAD, pushed)"
            )
        project = work.projects.get(scope, project_id)
        if start.code_repo is not None and start.code_repo != project.code_repo:
            project = work.projects.set_code_repo(scope, project_id, start.code_repo)
        if project.code_repo is None:
            raise ValidationError(
                f"code_repo: project {project.name!r} has no remote for the workers to clone: "
                "send origin's URL"
            )
        return start.queue or project.language.value

    def get_session(self, scope: Scope, session_id: int) -> Session:
        """The session; a context's own with its progress in ``state.progress``."""
        return with_progress(super().get_session(scope, session_id))

    def session_tree(self, scope: Scope, session_id: int) -> Session:
        with self._unit_of_work(read_only=True) as work:
            found = work.sessions.trees(scope, session_id)
        if not found:
            return self.get_session(scope, session_id)  # raises NotFoundError
        return with_progress(found[0])

    def session_trees(self, scope: Scope) -> list[Session]:
        with self._unit_of_work(read_only=True) as work:
            trees = work.sessions.trees(scope, child_interactions=False)
        return [with_progress(tree) for tree in reversed(trees)]

    def resume_session(self, scope: Scope, session_id: int) -> Session:
        with self._unit_of_work() as work:
            session = _steerable(work, scope, session_id, "resume")
            targets = [session] if session.status in STOPPED else []
            targets += [c for c in session.child_sessions if c.status is SessionStatus.CANCELLED]
            for target in targets:
                work.sessions.update(scope, target.id, REOPENED)
            session = self._requeued(work, scope, session)
        return self._woken(session)

    def retry_session(self, scope: Scope, session_id: int) -> Session:
        with self._unit_of_work() as work:
            session = _steerable(work, scope, session_id, "retry")
            for child in session.child_sessions:
                if child.type == CHILD_SESSION_TYPE and child.status in STOPPED:
                    work.sessions.restart(scope, child.id, _kept(child))
            if session.status in STOPPED:
                work.sessions.update(scope, session_id, REOPENED)
            session = self._requeued(work, scope, session)
        return self._woken(session)

    def cancel_session(
        self, scope: Scope, session_id: int, reason: str = CANCELLED_BY_USER
    ) -> Session:
        """Cancelled, and (detached) no longer queued: no worker is sent to it again."""
        with self._unit_of_work() as work:
            session = self._cancel(work, scope, session_id, reason)
            if session.queued_at is not None:
                session = work.sessions.unqueue(scope, session_id)
            return session

    def settle_session(self, scope: Scope, session_id: int) -> Session:
        with self._unit_of_work() as work:
            session = work.sessions.get(scope, session_id)
            if not session.detached:
                raise ValidationError(
                    f"session {session_id} is not detached: only the workers of a detached "
                    "session settle it"
                )
            if session.queued_at is None:
                return session
            return work.sessions.unqueue(scope, session_id)

    def dispatch_due(
        self, now: datetime, *, redispatch_seconds: float, max_joins: int
    ) -> list[Dispatch]:
        """The detached sessions to send now, each marked sent (across accounts: this is the
        server's own dispatcher, see ``sessions.DispatchQueue``)."""
        before = now - timedelta(seconds=redispatch_seconds)
        sent: list[Dispatch] = []
        with self._unit_of_work() as work:
            queue = work.sessions.dispatch_queue()
            for due in queue.due(now, before):
                if not queue.mark_dispatched(due.id, now, before):
                    continue
                first = due.dispatched_at is None
                joins = min(max(due.children - 1, 0), max_joins) if first else 0
                sent.append(
                    Dispatch(
                        session_id=due.id, queue=due.queue, joins=joins, previous=due.dispatched_at
                    )
                )
        return sent

    def dispatch_failed(self, dispatch: Dispatch) -> None:
        """The broker did not take it: due again at the next sweep, as before."""
        with self._unit_of_work() as work:
            work.sessions.dispatch_queue().unmark(dispatch.session_id, dispatch.previous)

    def _requeued(self, work: Work, scope: Scope, session: Session) -> Session:
        """A detached session reopened: queued again for the workers (the engine's state as
        reopened); any other as it now is."""
        if not session.detached:
            return work.sessions.get(scope, session.id)
        if self.dispatch is None:
            raise ValidationError(f"session {session.id} is detached and {NO_BROKER}")
        return work.sessions.requeue(scope, session.id, self._clock())

    def _woken(self, session: Session) -> Session:
        if session.detached:
            self._wake()
        return session

    def _wake(self) -> None:
        if self.dispatch is not None:
            self.dispatch.wake()

    def _plan(self, work: Work, scope: Scope, name: str) -> ContextPlan:
        plan = pick_context(work.components.list_components(scope), name)
        work.components.lock(scope, plan.context.id)  # one start per context at a time
        sessions = _context_sessions(work, scope, plan.context.id)
        return plan.model_copy(update={"sessions": sessions})


def _steerable(work: Work, scope: Scope, session_id: int, action: str) -> Session:
    """A root context session that is not complete: what resume and retry work on."""
    session = work.sessions.get(scope, session_id)
    if not is_context_root(session):
        raise ValidationError(
            f"session {session_id} is a {session.type} session; "
            "run, resume and retry work on context sessions"
        )
    if session.status is SessionStatus.COMPLETE:
        raise ValidationError(f"session {session_id} is complete; there is nothing to {action}")
    return session


def _kept(child: Session) -> dict[str, Any]:
    """What a component session's new attempt keeps: what its parent gave it."""
    return ComponentState.of(child).given()


def _context_sessions(work: Work, scope: Scope, component_id: int) -> list[Session]:
    listed = work.sessions.list_sessions(scope, type=CONTEXT_SESSION_TYPE, roots_only=True)
    return [s for s in listed if is_context_root(s) and s.component_id == component_id]


def _project_id(scope: Scope) -> int:
    if scope.project_id is None:
        raise ValidationError("project_id: a context session is started in one project")
    return scope.project_id
