"""Who is looking at the pages: the API token, kept in a cookie, and the forms' CSRF token.

The cookie holds the API token itself and is checked on every request exactly as a bearer
token is, so a revoked token signs its holder out at once. Every form carries ``csrf``, an
HMAC of the token: a page of another site cannot know it, so it cannot post for the user.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass

from fastapi import Request, Response

from codemyspec.bootstrap import App
from codemyspec.errors import AuthenticationError
from codemyspec.scope import Scope

SESSION_COOKIE = "codemyspec_session"
SIGN_IN_PATH = "/sign-in"


class SignInRequiredError(Exception):
    """No token, or one the accounts no longer accept: the page asks to sign in."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason or "sign in with an API token")
        self.reason = reason


class CsrfRefusedError(Exception):
    """A form posted without this sign-in's CSRF token: refused, nothing done."""


def csrf_token(api_token: str) -> str:
    """What every form of this sign-in carries: HMAC-SHA256(token, "csrf"), hex."""
    return hmac.new(api_token.encode(), b"csrf", hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Visitor:
    """A signed-in person: the scope their token acts in, and the token itself."""

    scope: Scope
    token: str

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)

    def check_csrf(self, posted: str) -> None:
        """Raises ``CsrfRefusedError`` unless ``posted`` is this sign-in's CSRF token."""
        if not hmac.compare_digest(posted.encode(), self.csrf.encode()):
            raise CsrfRefusedError(
                "this form is not from your page (its CSRF token is missing or wrong)"
            )


def check_origin(request: Request) -> None:
    """A form another site posts (its ``Origin`` is not this server's) is refused: the
    sign-in form has no CSRF token yet, so this is what keeps another site from signing a
    person in under the other site's token."""
    origin = request.headers.get("origin")
    if origin is not None and origin.rstrip("/") != str(request.base_url).rstrip("/"):
        raise CsrfRefusedError(f"this form was posted from another site ({origin})")


def app_of(request: Request) -> App:
    app: App = request.app.state.codemyspec
    return app


def authenticate(app: App, token: str) -> Scope:
    """The scope ``token`` acts in; ``AuthenticationError`` says why it is refused."""
    with app.unit_of_work(read_only=True) as uow:
        return uow.accounts.authenticate(token)


def presented_token(request: Request) -> str | None:
    """The cookie's token, or a bearer token (a script reading a page)."""
    if cookie := request.cookies.get(SESSION_COOKIE):
        return cookie
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


def visitor(request: Request) -> Visitor:
    """The signed-in visitor; ``SignInRequiredError`` without a token the accounts accept."""
    token = presented_token(request)
    if token is None:
        raise SignInRequiredError()
    try:
        return Visitor(authenticate(app_of(request), token), token)
    except AuthenticationError as refused:
        raise SignInRequiredError(f"you were signed out: {refused}") from refused


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure on
    https, for the whole site."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


class OneTimeToken:
    """A secret that signs in once (``codemyspec dashboard`` prints it in its URL, as Jupyter
    does): redeemed, it gives the API token for the cookie, and then never again."""

    def __init__(self, api_token: str, secret: str | None = None) -> None:
        self.secret = secret or secrets.token_urlsafe(32)
        self._api_token: str | None = api_token
        self._lock = threading.Lock()

    def redeem(self, offered: str) -> str | None:
        """The API token when ``offered`` is the secret and it was not used yet, else None."""
        with self._lock:
            if self._api_token is None:
                return None
            if not hmac.compare_digest(offered.encode(), self.secret.encode()):
                return None
            token, self._api_token = self._api_token, None
            return token
