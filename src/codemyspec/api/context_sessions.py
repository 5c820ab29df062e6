"""The use cases over HTTP: start, resume, retry and settle a context session, and trees.

``POST /api/context-sessions`` is what ``implement`` does on the server: the context by
name, its components, no unfinished session for it (a 422 naming the one to resume);
with ``detach`` the server's workers run it (a 422 when the server has no broker).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from codemyspec.api.auth import AppDep, CallerScope
from codemyspec.api.errors import error_responses
from codemyspec.api.inputs import CheckedRoute
from codemyspec.api.params import ProjectFilter, SessionId
from codemyspec.api.scoping import narrowed
from codemyspec.service_layer import ContextPlan, ContextStart
from codemyspec.sessions import Session

router = APIRouter(tags=["sessions"], route_class=CheckedRoute)

ContextName = Annotated[
    str, Query(min_length=1, max_length=200, description="the context's module name")
]


@router.get(
    "/api/context-sessions/plan",
    response_model=ContextPlan,
    responses=error_responses(401, 404, 422),
)
def plan_context_session(
    context: ContextName, scope: CallerScope, app: AppDep, project_id: ProjectFilter = None
) -> ContextPlan:
    """The context, its components and its sessions, before a runner checks its own tree."""
    return app.sessions.plan_context_session(narrowed(scope, project_id, app), context)


@router.post(
    "/api/context-sessions",
    response_model=Session,
    status_code=201,
    responses=error_responses(401, 404, 413, 422),
)
def start_context_session(
    start: ContextStart, scope: CallerScope, app: AppDep, project_id: ProjectFilter = None
) -> Session:
    """A new session for the context; refused while the context has an unfinished one."""
    return app.sessions.start_context_session(narrowed(scope, project_id, app), start)


@router.post(
    "/api/sessions/{session_id}/resume",
    response_model=Session,
    responses=error_responses(401, 404, 422),
)
def resume_session(
    session_id: SessionId, scope: CallerScope, app: AppDep, project_id: ProjectFilter = None
) -> Session:
    """Reopen the context session: it and its cancelled children become active."""
    return app.sessions.resume_session(narrowed(scope, project_id, app), session_id)


@router.post(
    "/api/sessions/{session_id}/retry",
    response_model=Session,
    responses=error_responses(401, 404, 422),
)
def retry_session(
    session_id: SessionId, scope: CallerScope, app: AppDep, project_id: ProjectFilter = None
) -> Session:
    """Reopen the context session with new attempts of its failed and cancelled children."""
    return app.sessions.retry_session(narrowed(scope, project_id, app), session_id)


@router.post(
    "/api/sessions/{session_id}/settle",
    response_model=Session,
    responses=error_responses(401, 404, 422),
)
def settle_session(
    session_id: SessionId, scope: CallerScope, app: AppDep, project_id: ProjectFilter = None
) -> Session:
    """A worker's drive of the detached session ended on its own: no longer queued."""
    return app.sessions.settle_session(narrowed(scope, project_id, app), session_id)


@router.get(
    "/api/session-trees",
    response_model=list[Session],
    responses=error_responses(401, 404, 422),
)
def session_trees(
    scope: CallerScope, app: AppDep, project_id: ProjectFilter = None
) -> list[Session]:
    """Every root session, newest first, with its interactions and its children."""
    return app.sessions.session_trees(narrowed(scope, project_id, app))


@router.get(
    "/api/sessions/{session_id}/tree",
    response_model=Session,
    responses=error_responses(401, 404, 422),
)
def session_tree(
    session_id: SessionId, scope: CallerScope, app: AppDep, project_id: ProjectFilter = None
) -> Session:
    """The session with its interactions and its children, each with theirs."""
    return app.sessions.session_tree(narrowed(scope, project_id, app), session_id)
