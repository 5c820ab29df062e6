"""``codemyspec serve`` as a real uvicorn subprocess on 127.0.0.1, and tokens for it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from codemyspec.bootstrap import bootstrap

CLI = [sys.executable, "-c", "from codemyspec.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(database_url: str, log_path: Path, *, timeout: float = 30) -> Iterator[str]:
    """The server's base URL while it runs; its output goes to ``log_path``."""
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*CLI, "serve", "--port", str(port), "--database-url", database_url],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"the server did not start: {log_path.read_text()}")
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)


def make_token(database_url: str, account: str, email: str) -> str:
    """A member of a new account and its API token, made in the server's database."""
    app = bootstrap(database_url)
    try:
        with app.unit_of_work() as uow:
            made = uow.accounts.create_account(account)
            user = uow.accounts.create_user(email)
            uow.accounts.add_member(made.id, user.id)
            token = uow.accounts.create_token(made.id, user.id, "tests")
    finally:
        app.close()
    assert token.token is not None
    return token.token
