"""Templates, and the route class that turns a page's refusals into pages.

A page never answers JSON: not signed in is a redirect to the sign-in page, another
account's session the 404 page, a form without its CSRF token the 403 page, and every
other refusal of the service layer a page saying what was refused.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape

from codemyspec.errors import CodeMySpecError, NotFoundError, ValidationError, WorkflowError
from codemyspec.web.signin import (
    SIGN_IN_PATH,
    CsrfRefusedError,
    SignInRequiredError,
    clear_session_cookie,
)

Handler = Callable[[Request], Coroutine[Any, Any, Response]]

templates = Jinja2Templates(
    env=Environment(
        loader=PackageLoader("codemyspec.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
)


def page(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """``template`` rendered with ``context``."""
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def refusal(request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
    return page(request, "error.html", status_code=status_code, title=title, message=message)


def sign_in_redirect(request: Request, reason: str | None) -> Response:
    """To the sign-in page; a token that no longer works leaves its cookie behind."""
    target = SIGN_IN_PATH + ("?signed_out=1" if reason else "")
    response = RedirectResponse(target, status_code=303)
    if reason:
        clear_session_cookie(response, request)
    return response


def page_for(request: Request, error: Exception) -> Response:
    """The page a refusal becomes."""
    match error:
        case SignInRequiredError():
            return sign_in_redirect(request, error.reason)
        case CsrfRefusedError():
            return refusal(request, 403, "Refused", str(error))
        case NotFoundError():
            return refusal(request, 404, "Not found", str(error))
        case RequestValidationError():
            return refusal(request, 404, "Not found", "there is no such page")
        case ValidationError() | WorkflowError():
            return refusal(request, 409, "Not done", str(error))
        case _:
            return refusal(request, 400, "Refused", str(error))


class PageRoute(APIRoute):
    """An ``APIRoute`` whose refusals are pages (see the module's docstring)."""

    def get_route_handler(self) -> Handler:
        handle = super().get_route_handler()

        async def as_page(request: Request) -> Response:
            try:
                return await handle(request)
            except (
                SignInRequiredError,
                CsrfRefusedError,
                CodeMySpecError,
                RequestValidationError,
            ) as error:
                return page_for(request, error)

        return as_page
