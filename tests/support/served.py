"""``codemyspec serve`` as a real uvicorn subprocess on 127.0.0.1, and tokens for it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from codemyspec.bootstrap import bootstrap

CLI = [sys.executable, "-c", "from codemyspec.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    """``codemyspec serve`` in its own process on one port: killed and started again at will,
    as a server restarts (same port, same database)."""

    def __init__(self, database_url: str, log_path: Path, args: Sequence[str] = ()) -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.args = list(args)  # more of serve's options (``--broker URL``, ...)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> None:
        """Start it and wait until it answers; its output is appended to ``log_path``."""
        argv = [*CLI, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*argv, "--database-url", self.database_url, *self.args],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ},
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = self.log_path.read_text(errors="replace")[-2000:]
                self.stop()
                raise RuntimeError(f"codemyspec serve did not start:\n{tail}")
            try:
                if httpx.get(f"{self.url}/openapi.json", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL, as a crash: requests in flight get no answer."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


@contextmanager
def served(
    database_url: str, log_path: Path, *, timeout: float = 30, args: Sequence[str] = ()
) -> Iterator[str]:
    """``codemyspec serve`` on a free loopback port until the block ends; yields its base URL.

    Its output goes to ``log_path``; the end of it is in the error if it does not start.
    ``args`` are more of its options.
    """
    server = Served(database_url, log_path, args)
    server.start(timeout)
    try:
        yield server.url
    finally:
        server.stop()


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
