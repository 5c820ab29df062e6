"""Our exceptions as HTTP answers: another account's object is a 404, never a 403."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

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
