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
    """``codemyspec serve`` on a free loopback port until the block ends; yields its base URL.

    Its output goes to ``log_path``; the end of it is in the error if it does not start.
    """
    port = free_port()
    argv = [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*argv, "--database-url", database_url],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = log_path.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"codemyspec serve did not start:\n{tail}")
                try:
                    if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


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
