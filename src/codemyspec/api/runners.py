"""What a remote runner needs beyond next-command and result: steer and claim sessions.

``Runner`` works through these exactly as it works through the in-process engine.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from codemyspec.api.auth import AppDep, CallerScope
from codemyspec.api.errors import ErrorOut, error_responses
from codemyspec.api.inputs import CheckedRoute
from codemyspec.api.params import ProjectFilter, SessionId
from codemyspec.api.scoping import narrowed
from codemyspec.sessions import Session, SessionUpdate

router = APIRouter(tags=["runners"], route_class=CheckedRoute)

MAX_LEASE_SECONDS = 24 * 3600.0


class RestartIn(BaseModel):
    """A new attempt of the session, starting from this state."""

    model_config = ConfigDict(extra="forbid")

    state: dict[str, Any] = Field(default_factory=dict)


class ClaimIn(BaseModel):
    """Who runs the session, and for how long without renewing."""

    model_config = ConfigDict(extra="forbid")

    holder: str = Field(min_length=1, max_length=200)
    lease_seconds: float = Field(gt=0, le=MAX_LEASE_SECONDS)
    take_over_from: str | None = Field(default=None, min_length=1, max_length=200)


class ReleaseIn(BaseModel):
    """The holder giving its claim up."""

    model_config = ConfigDict(extra="forbid")

    holder: str = Field(min_length=1, max_length=200)


@router.patch(
    "/api/sessions/{session_id}",
    response_model=Session,
    responses=error_responses(401, 404, 413, 422),
)
def update_session(
    session_id: SessionId,
    changes: SessionUpdate,
    scope: CallerScope,
    app: AppDep,
    project_id: ProjectFilter = None,
) -> Session:
    """Change status, agent or conversation id; ``state`` is merged key by key."""
    return app.sessions.update_session(narrowed(scope, project_id, app), session_id, changes)


@router.post(
    "/api/sessions/{session_id}/restart",
    response_model=Session,
    responses=error_responses(401, 404, 413, 422),
)
def restart_session(
    session_id: SessionId,
    body: RestartIn,
    scope: CallerScope,
    app: AppDep,
    project_id: ProjectFilter = None,
) -> Session:
    """A new attempt from the first step; earlier interactions are kept apart."""
    return app.sessions.restart_session(narrowed(scope, project_id, app), session_id, body.state)


@router.post(
    "/api/sessions/{session_id}/claim",
    response_model=Session,
    responses={
        **error_responses(401, 404, 413, 422),
        409: {
            "model": ErrorOut,
            "description": "another runner's lease holds (`SessionClaimedError`)",
        },
    },
)
def claim_session(
    session_id: SessionId,
    body: ClaimIn,
    scope: CallerScope,
    app: AppDep,
    project_id: ProjectFilter = None,
) -> Session:
    """Claim or renew the right to run the session; 409 names the runner holding it."""
    return app.sessions.claim_session(
        narrowed(scope, project_id, app),
        session_id,
        body.holder,
        body.lease_seconds,
        take_over_from=body.take_over_from,
    )


@router.post(
    "/api/sessions/{session_id}/release",
    status_code=204,
    responses=error_responses(401, 404, 413, 422),
)
def release_session(
    session_id: SessionId,
    body: ReleaseIn,
    scope: CallerScope,
    app: AppDep,
    project_id: ProjectFilter = None,
) -> Response:
    """Give the claim up at once (a claim someone else holds now is left alone)."""
    app.sessions.release_session(narrowed(scope, project_id, app), session_id, body.holder)
    return Response(status_code=204)
