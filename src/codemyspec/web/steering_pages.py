"""``/sessions/{id}/retry|resume|cancel``: GET asks to confirm, POST (with CSRF) does it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from codemyspec.errors import ValidationError
from codemyspec.scope import Scope
from codemyspec.sessions import Session, SessionStatus
from codemyspec.web.pages import SessionId, SignedIn
from codemyspec.web.rendering import PageRoute, page
from codemyspec.web.settings import dashboard_of, server_of
from codemyspec.web.signin import app_of
from codemyspec.web.steering import Action, steer
from codemyspec.web.tree import session_name
from codemyspec.web.views import cli_command

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _steerable(request: Request, scope: Scope, session_id: int, action: Action) -> Session:
    """The root session ``action`` applies to now (another account's: ``NotFoundError``)."""
    session = app_of(request).sessions.get_session(scope, session_id)
    if session.session_id is not None:
        raise ValidationError(
            f"session {session_id} is a component of session {session.session_id}: "
            f"{action.value} that one"
        )
    if not action.applies(session):
        doing = "running" if session.status is SessionStatus.ACTIVE else session.status.value
        raise ValidationError(
            f"session {session_id} is {doing}: there is nothing to {action.value}"
        )
    return session


@router.get("/sessions/{session_id}/{action}")
def confirm(
    request: Request, session_id: SessionId, action: Action, signed_in: SignedIn
) -> Response:
    """One button that does it, or, where this server cannot, the command that does."""
    session = _steerable(request, signed_in.scope, session_id, action)
    offered = dashboard_of(request).steering.offers(session, action)
    return page(
        request,
        "confirm.html",
        visitor=signed_in,
        session_id=session_id,
        name=session_name(session),
        action=action,
        offered=offered,
        command=cli_command(action, session_id, server_of(request)),
    )


@router.post("/sessions/{session_id}/{action}")
def act(
    request: Request,
    session_id: SessionId,
    action: Action,
    signed_in: SignedIn,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Done, then back to the session's page."""
    signed_in.check_csrf(csrf)
    session = _steerable(request, signed_in.scope, session_id, action)
    steering = dashboard_of(request).steering
    if not steering.offers(session, action):
        raise ValidationError(
            f"this server does not run session {session_id}: run "
            f"`{cli_command(action, session_id, server_of(request))}` where its code is"
        )
    steer(steering, action, signed_in.scope, session_id)
    return RedirectResponse(f"/sessions/{session_id}", status_code=303)
