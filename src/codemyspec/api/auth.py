"""The bearer token → ``Scope`` dependency every route takes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from codemyspec.bootstrap import App
from codemyspec.errors import AuthenticationError
from codemyspec.scope import Scope

bearer = HTTPBearer(auto_error=False, description="an API token: `codemyspec admin create-token`")


def app_of(request: Request) -> App:
    app: App = request.app.state.codemyspec
    return app


def token_scope(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Scope:
    """The caller's scope; no token, an unknown one or a revoked one is a 401."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError("a bearer token is required")
    with app_of(request).unit_of_work(read_only=True) as uow:
        return uow.accounts.authenticate(credentials.credentials)


CallerScope = Annotated[Scope, Depends(token_scope)]
AppDep = Annotated[App, Depends(app_of)]
