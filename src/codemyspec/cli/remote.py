"""Remote mode on the command line: the sessions live on a server, the work happens here.

The server comes from ``--server`` or ``[server] url``; the token from ``$CODEMYSPEC_TOKEN``
or ``.codemyspec/token`` (git-ignored), never from ``codemyspec.toml``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from codemyspec.cli.local import Local, project_attrs
from codemyspec.cli.settings import STATE_DIR
from codemyspec.errors import ConfigurationError
from codemyspec.projects import Project
from codemyspec.scope import Scope

if TYPE_CHECKING:  # the HTTP client (httpx) loads only when a server is used
    from codemyspec.remote import RemoteCatalog, RemoteSessions

ServerOption = Annotated[
    str | None,
    typer.Option(
        "--server",
        help="a codemyspec server's URL (default [server] url); token: $CODEMYSPEC_TOKEN",
    ),
]
TOKEN_FILE = "token"  # noqa: S105 - a file name under .codemyspec/


@dataclass(frozen=True)
class Remote:
    """A server, this repository's project on it, and the scope of the token's account."""

    sessions: RemoteSessions
    catalog: RemoteCatalog
    project: Project
    scope: Scope

    def close(self) -> None:
        self.sessions.client.close()


def server_token(root: Path) -> str:
    """``$CODEMYSPEC_TOKEN``, else the first line of ``.codemyspec/token``, else empty."""
    from codemyspec.remote import TOKEN_ENV

    token = os.environ.get(TOKEN_ENV, "").strip()
    path = root / STATE_DIR / TOKEN_FILE
    if not token and path.is_file():
        token = path.read_text(encoding="utf-8").strip()
    return token


def open_remote(local: Local, url: str | None) -> Remote:
    """Connect to the server and find (or create) this repository's project there."""
    from codemyspec.remote import RemoteCatalog, RemoteSessions, ServerClient

    url = url or local.settings.server.url
    if not url:
        raise ConfigurationError(
            "no server: pass --server URL or set url under [server] in codemyspec.toml"
        )
    client = ServerClient(
        url, server_token(local.root), wait_seconds=local.settings.server.wait_seconds
    )
    catalog = RemoteCatalog(client)
    try:
        project = catalog.project(project_attrs(local.root, local.settings))
    except BaseException:
        client.close()
        raise
    scope = Scope(account_id=project.account_id, project_id=project.id)
    return Remote(RemoteSessions(client), catalog, project, scope)


@contextmanager
def remote_or_local(local: Local, url: str | None) -> Iterator[Remote | None]:
    """The server when one is named (``--server`` or ``[server] url``), closed afterwards."""
    if not (url or local.settings.server.url):
        yield None
        return
    remote = open_remote(local, url)
    try:
        yield remote
    finally:
        remote.close()
