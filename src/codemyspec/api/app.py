"""The FastAPI application: projects, components and sessions, all under the caller's scope.

Routes are plain ``def`` functions: FastAPI runs them in its thread pool, and each one is a
single call into the same engine the command line uses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from codemyspec import __version__
from codemyspec.api import context_sessions, design_docs, events, runners
from codemyspec.api.auth import AppDep, CallerScope
from codemyspec.api.errors import error_responses, install_error_handlers
from codemyspec.api.inputs import CheckedRoute
from codemyspec.api.limits import MAX_BODY_BYTES, BodyLimit
from codemyspec.api.params import (
    ComponentId,
    InteractionId,
    ParentFilter,
    ProjectFilter,
    ProjectId,
    SessionId,
    TypeFilter,
)
from codemyspec.api.schemas import CancelIn, SessionIn
from codemyspec.api.scoping import in_project, narrowed
from codemyspec.bootstrap import App
from codemyspec.commands import Result
from codemyspec.components import Component, ComponentAttrs
from codemyspec.errors import ValidationError
from codemyspec.projects import Project, ProjectAttrs
from codemyspec.sessions import Interaction, Session, SessionStatus
from codemyspec.web import Dashboard, mount_dashboard


def create_api(
    app: App, *, max_body_bytes: int = MAX_BODY_BYTES, dashboard: Dashboard | None = None
) -> FastAPI:
    """The HTTP API over ``app``'s engine; OpenAPI at ``/openapi.json``; the dashboard's
    pages at ``/`` (steered by the service layer unless ``dashboard`` says otherwise)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # On PostgreSQL, the events other server processes write reach this one's streams.
        listener = await run_in_threadpool(app.relay_events)
        try:
            yield
        finally:
            if listener is not None:
                await run_in_threadpool(listener.stop)

    api = FastAPI(title="codemyspec", version=__version__, lifespan=lifespan)
    api.router.route_class = CheckedRoute
    api.state.codemyspec = app
    api.add_middleware(BodyLimit, limit=max_body_bytes)
    install_error_handlers(api)
    api.include_router(events.router)
    api.include_router(design_docs.router)
    api.include_router(runners.router)
    api.include_router(context_sessions.router)
    mount_dashboard(api, dashboard)

    @api.get(
        "/api/projects",
        response_model=list[Project],
        tags=["projects"],
        responses=error_responses(401),
    )
    def list_projects(scope: CallerScope, app: AppDep) -> list[Project]:
        with app.unit_of_work() as uow:
            return uow.projects.list_projects(scope)

    @api.post(
        "/api/projects",
        response_model=Project,
        status_code=201,
        tags=["projects"],
        responses=error_responses(401, 413, 422),
    )
    def create_project(attrs: ProjectAttrs, scope: CallerScope, app: AppDep) -> Project:
        with app.unit_of_work() as uow:
            return uow.projects.create(scope, attrs)

    @api.get(
        "/api/projects/{project_id}",
        response_model=Project,
        tags=["projects"],
        responses=error_responses(401, 404, 422),
    )
    def get_project(project_id: ProjectId, scope: CallerScope, app: AppDep) -> Project:
        with app.unit_of_work() as uow:
            return uow.projects.get(scope, project_id)

    @api.get(
        "/api/projects/{project_id}/components",
        response_model=list[Component],
        tags=["components"],
        responses=error_responses(401, 404, 422),
    )
    def list_components(project_id: ProjectId, scope: CallerScope, app: AppDep) -> list[Component]:
        with app.unit_of_work() as uow:
            return uow.components.list_components(in_project(uow, scope, project_id))

    @api.post(
        "/api/projects/{project_id}/components",
        response_model=Component,
        status_code=201,
        tags=["components"],
        responses=error_responses(401, 404, 413, 422),
    )
    def create_component(
        project_id: ProjectId, attrs: ComponentAttrs, scope: CallerScope, app: AppDep
    ) -> Component:
        with app.unit_of_work() as uow:
            return uow.components.create(in_project(uow, scope, project_id), attrs)

    @api.get(
        "/api/projects/{project_id}/components/{component_id}",
        response_model=Component,
        tags=["components"],
        responses=error_responses(401, 404, 422),
    )
    def get_component(
        project_id: ProjectId, component_id: ComponentId, scope: CallerScope, app: AppDep
    ) -> Component:
        with app.unit_of_work() as uow:
            return uow.components.get(in_project(uow, scope, project_id), component_id)

    @api.post(
        "/api/sessions",
        response_model=Session,
        status_code=201,
        tags=["sessions"],
        responses=error_responses(401, 404, 409, 413, 422),
    )
    def create_session(body: SessionIn, scope: CallerScope, app: AppDep) -> Session:
        project_scope = narrowed(scope, body.project_id, app)
        if body.type not in app.registry.types():
            known = ", ".join(sorted(app.registry.types()))
            raise ValidationError(f"type: unknown session type {body.type!r} (known: {known})")
        return app.sessions.create_session(project_scope, body)

    @api.get(
        "/api/sessions",
        response_model=list[Session],
        tags=["sessions"],
        responses=error_responses(401, 404, 422),
    )
    def list_sessions(
        scope: CallerScope,
        app: AppDep,
        project_id: ProjectFilter = None,
        status: SessionStatus | None = None,
        type: TypeFilter = None,
        parent_id: ParentFilter = None,
        roots_only: bool = False,
    ) -> list[Session]:
        return app.sessions.list_sessions(
            narrowed(scope, project_id, app),
            status=status,
            type=type,
            parent_id=parent_id,
            roots_only=roots_only,
        )

    @api.get(
        "/api/sessions/{session_id}",
        response_model=Session,
        tags=["sessions"],
        responses=error_responses(401, 404, 422),
    )
    def get_session(
        session_id: SessionId, scope: CallerScope, app: AppDep, project_id: ProjectFilter = None
    ) -> Session:
        return app.sessions.get_session(narrowed(scope, project_id, app), session_id)

    @api.post(
        "/api/sessions/{session_id}/next-command",
        response_model=Interaction,
        tags=["sessions"],
        responses=error_responses(401, 404, 409, 422),
    )
    def next_command(
        session_id: SessionId, scope: CallerScope, app: AppDep, project_id: ProjectFilter = None
    ) -> Interaction:
        return app.sessions.next_command(narrowed(scope, project_id, app), session_id)

    @api.post(
        "/api/sessions/{session_id}/interactions/{interaction_id}/result",
        response_model=Session,
        tags=["sessions"],
        responses=error_responses(401, 404, 409, 413, 422),
    )
    def submit_result(
        session_id: SessionId,
        interaction_id: InteractionId,
        result: Result,
        scope: CallerScope,
        app: AppDep,
        project_id: ProjectFilter = None,
    ) -> Session:
        return app.sessions.handle_result(
            narrowed(scope, project_id, app), session_id, interaction_id, result
        )

    @api.post(
        "/api/sessions/{session_id}/cancel",
        response_model=Session,
        tags=["sessions"],
        responses=error_responses(401, 404, 409, 413, 422),
    )
    def cancel_session(
        session_id: SessionId,
        scope: CallerScope,
        app: AppDep,
        body: CancelIn | None = None,
        project_id: ProjectFilter = None,
    ) -> Session:
        """The session and its unfinished children become cancelled, ``reason`` their error."""
        reason = (body or CancelIn()).reason
        return app.sessions.cancel_session(narrowed(scope, project_id, app), session_id, reason)

    return api
