"""Callers of the HTTP API in tests: an account member with a token, and the API served."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi.testclient import TestClient

from codemyspec.api import create_api
from codemyspec.bootstrap import App


@dataclass(frozen=True)
class Caller:
    """A member of one account, with its bearer token."""

    account_id: int
    user_id: int
    token_id: int
    headers: dict[str, str]


def make_caller(app: App, account: str, email: str) -> Caller:
    with app.unit_of_work() as uow:
        made = uow.accounts.create_account(account)
        user = uow.accounts.create_user(email)
        uow.accounts.add_member(made.id, user.id)
        token = uow.accounts.create_token(made.id, user.id, "tests")
    assert token.token is not None
    return Caller(made.id, user.id, token.id, {"Authorization": f"Bearer {token.token}"})


def post(client: TestClient, caller: Caller, path: str, body: Any = None) -> Any:
    response = client.post(path, json=body, headers=caller.headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


@contextmanager
def api_in_thread(app: App, *, wait_seconds: float = 30.0) -> Iterator[str]:
    """uvicorn serving the API over ``app`` in a thread, on a loopback socket bound first.

    In process, so a test sees the same event bus and database as the server.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = int(listener.getsockname()[1])
    config = uvicorn.Config(
        create_api(app),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        timeout_graceful_shutdown=2,
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + wait_seconds
        while not running.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=wait_seconds)
        listener.close()
        assert not thread.is_alive(), "uvicorn did not stop"
