"""The two implementations of ``SessionsApi`` a contract test runs against, on one database.

``in_process`` is the app's own service; ``http`` is ``RemoteSessions`` against uvicorn
serving the API over the same app in a thread, so a test arranges rows directly and reads
the answers through either. ``CountingTransport`` counts the HTTP requests a call makes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from codemyspec.bootstrap import App
from codemyspec.remote import RemoteSessions, ServerClient
from codemyspec.service_layer import SessionsApi
from tests.support.api_callers import Caller, api_in_thread

IMPLEMENTATIONS = ("in_process", "http")


class CountingTransport(httpx.HTTPTransport):
    """httpx's own transport, remembering each request's method and path."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(f"{request.method} {request.url.path}")
        return super().handle_request(request)


@contextmanager
def remote_sessions(
    app: App, caller: Caller, transport: httpx.BaseTransport | None = None
) -> Iterator[RemoteSessions]:
    """``RemoteSessions`` with the caller's token against the API over ``app``."""
    token = caller.headers["Authorization"].removeprefix("Bearer ")
    with api_in_thread(app) as url:
        client = ServerClient(url, token, retry_delays=(), transport=transport)
        try:
            yield RemoteSessions(client)
        finally:
            client.close()


@contextmanager
def sessions_api(app: App, caller: Caller, implementation: str) -> Iterator[SessionsApi]:
    """The app's service itself, or the HTTP client of the API over it."""
    if implementation == "in_process":
        yield app.sessions
        return
    with remote_sessions(app, caller) as remote:
        yield remote
