"""The bearer token → ``Scope`` dependency every route takes.

A GET may carry the token in the dashboard's sign-in cookie instead (what the session
page's event stream sends); a write never does, so no other site can make one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from codemyspec.bootstrap import App
from codemyspec.errors import AuthenticationError
from codemyspec.scope import Scope
from codemyspec.web import SESSION_COOKIE

bearer = HTTPBearer(auto_error=False, description="an API token: `codemyspec admin create-token`")


def app_of(request: Request) -> App:
    app: App = request.app.state.codemyspec
    return app


def token_scope(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Scope:
    """The caller's scope; no token, an unknown one or a revoked one is a 401."""
    token = credentials.credentials if credentials is not None else None
    if credentials is not None and credentials.scheme.lower() != "bearer":
        token = None
    if token is None and request.method == "GET":
        token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise AuthenticationError("a bearer token is required")
    with app_of(request).unit_of_work(read_only=True) as uow:
        return uow.accounts.authenticate(token)


CallerScope = Annotated[Scope, Depends(token_scope)]
AppDep = Annotated[App, Depends(app_of)]
