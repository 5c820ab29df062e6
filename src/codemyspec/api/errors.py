"""Our exceptions as HTTP answers: another account's object is a 404, never a 403.

Every error body is an ``ErrorOut`` (``detail`` and the exception's name), except FastAPI's
own 422 for a request that does not parse, whose ``detail`` lists the fields at fault
(``RequestErrorOut``). ``error_responses`` declares both in the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from codemyspec.errors import (
    AuthenticationError,
    CodeMySpecError,
    ConfigurationError,
    NotFoundError,
    PersistenceError,
    StepError,
    ValidationError,
    WorkflowError,
)

STATUS_BY_ERROR: tuple[tuple[type[CodeMySpecError], int], ...] = (
    (AuthenticationError, 401),
    (NotFoundError, 404),
    (ValidationError, 422),
    (WorkflowError, 409),
    (StepError, 409),
    (PersistenceError, 409),
    (ConfigurationError, 400),
)


class ErrorOut(BaseModel):
    """An error codemyspec answers itself: what went wrong, and the exception's class name."""

    detail: str
    error: str


class FieldErrorOut(BaseModel):
    """One field FastAPI could not accept; ``loc`` names it (``["body", "state"]``)."""

    loc: list[str | int]
    msg: str
    type: str


class RequestErrorOut(BaseModel):
    """FastAPI's 422 for a request that does not parse: one entry per field at fault."""

    detail: list[FieldErrorOut]


DESCRIPTIONS: dict[int, str] = {
    401: "no bearer token, or an unknown or revoked one",
    404: "no such object in the caller's account",
    409: "the session's workflow, its claim or the database refuses this now",
    413: "the request body is over the size limit",
    422: "invalid input: `loc` or the message names the field",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` for a route's error statuses, each with the body it has."""
    return {
        status: {
            "model": RequestErrorOut | ErrorOut if status == 422 else ErrorOut,
            "description": DESCRIPTIONS[status],
        }
        for status in statuses
    }


def status_of(error: CodeMySpecError) -> int:
    for kind, status in STATUS_BY_ERROR:
        if isinstance(error, kind):
            return status
    return 400


async def codemyspec_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, CodeMySpecError)  # noqa: S101 - registered for this type only
    status = status_of(error)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    body = {"detail": str(error), "error": type(error).__name__}
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handlers(api: FastAPI) -> None:
    api.add_exception_handler(CodeMySpecError, codemyspec_error)
