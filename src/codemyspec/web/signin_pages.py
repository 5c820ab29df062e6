"""``/``, ``/sign-in`` and ``/sign-out``: an API token signs a person in, into a cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from codemyspec.errors import AuthenticationError
from codemyspec.web.rendering import PageRoute, page
from codemyspec.web.settings import dashboard_of
from codemyspec.web.signin import (
    SIGN_IN_PATH,
    app_of,
    authenticate,
    check_origin,
    clear_session_cookie,
    set_session_cookie,
    visitor,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SESSIONS_PATH = "/sessions"


def _signed_in(request: Request, token: str) -> Response:
    response = RedirectResponse(SESSIONS_PATH, status_code=303)
    set_session_cookie(response, request, token)
    return response


@router.get("/")
def home(request: Request, token: str | None = None) -> Response:
    """The sessions; with the dashboard's one-time ``token``, signed in first."""
    one_time = dashboard_of(request).one_time
    if token is not None:
        redeemed = one_time.redeem(token) if one_time is not None else None
        if redeemed is None:
            message = "This sign-in link was used already or is not valid: sign in with a token."
            return page(request, "sign_in.html", status_code=401, message=message)
        return _signed_in(request, redeemed)
    return RedirectResponse(SESSIONS_PATH, status_code=303)


@router.get(SIGN_IN_PATH)
def sign_in_form(request: Request, signed_out: bool = False) -> Response:
    message = (
        "Your token no longer works (unknown or revoked): sign in with another."
        if signed_out
        else ""
    )
    return page(request, "sign_in.html", message=message)


@router.post(SIGN_IN_PATH)
def sign_in(request: Request, token: Annotated[str, Form()] = "") -> Response:
    """A token the accounts accept signs in; any other shows why, and sets nothing."""
    check_origin(request)
    token = token.strip()
    if not token:
        return page(
            request, "sign_in.html", status_code=401, message="Paste an API token to sign in."
        )
    try:
        authenticate(app_of(request), token)
    except AuthenticationError as refused:
        message = f"That token does not sign in: {refused}."
        return page(request, "sign_in.html", status_code=401, message=message)
    return _signed_in(request, token)


@router.post("/sign-out")
def sign_out(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    visitor(request).check_csrf(csrf)
    response = RedirectResponse(SIGN_IN_PATH, status_code=303)
    clear_session_cookie(response, request)
    return response
