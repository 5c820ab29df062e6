"""The service layer: the engine's operations and the use cases every entrypoint calls.

The command line and the API both call these (the command line through ``RemoteSessions``
when the sessions live on a server), so a check made here is made for both.
"""

from __future__ import annotations

from codemyspec.context_coding_sessions import SESSION_TYPE as CONTEXT_SESSION_TYPE
from codemyspec.errors import ValidationError
from codemyspec.scope import Scope
from codemyspec.service_layer.context_sessions import (
    ContextPlan,
    ContextStart,
    context_session_attrs,
    is_context_root,
    pick_context,
    unfinished_error,
)
from codemyspec.service_layer.operations import SessionsApi
from codemyspec.sessions import Session, SessionsEngine, Work


class SessionsService(SessionsEngine, SessionsApi):
    """``SessionsEngine`` plus the use cases, each one unit of work.

    ``create_session`` stays the engine's own (any session, no checks: what a workflow's
    children and tests need); ``start_context_session`` is what a person starts.
    """

    def plan_context_session(self, scope: Scope, context: str) -> ContextPlan:
        _project_id(scope)
        with self._unit_of_work() as work:
            return self._plan(work, scope, context)

    def start_context_session(self, scope: Scope, start: ContextStart) -> Session:
        project_id = _project_id(scope)
        with self._unit_of_work() as work:
            plan = self._plan(work, scope, start.context)
            if (unfinished := plan.unfinished) is not None:
                raise unfinished_error(unfinished, plan.context, str(unfinished.id))
            attrs = context_session_attrs(plan, start, project_id)
            return work.sessions.create(scope, attrs)

    def session_tree(self, scope: Scope, session_id: int) -> Session:
        with self._unit_of_work() as work:
            found = work.sessions.trees(scope, session_id)
        if not found:
            return self.get_session(scope, session_id)  # raises NotFoundError
        return found[0]

    def session_trees(self, scope: Scope) -> list[Session]:
        with self._unit_of_work() as work:
            return list(reversed(work.sessions.trees(scope, child_interactions=False)))

    def _plan(self, work: Work, scope: Scope, name: str) -> ContextPlan:
        plan = pick_context(work.components.list_components(scope), name)
        sessions = _context_sessions(work, scope, plan.context.id)
        return plan.model_copy(update={"sessions": sessions})


def _context_sessions(work: Work, scope: Scope, component_id: int) -> list[Session]:
    listed = work.sessions.list_sessions(scope, type=CONTEXT_SESSION_TYPE, roots_only=True)
    return [s for s in listed if is_context_root(s) and s.component_id == component_id]


def _project_id(scope: Scope) -> int:
    if scope.project_id is None:
        raise ValidationError("project_id: a context session is started in one project")
    return scope.project_id
