"""``serve`` and ``admin``: server mode's HTTP API and the accounts and tokens behind it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from codemyspec.accounts import AccountRepository
from codemyspec.bootstrap import App, bootstrap
from codemyspec.cli.reported import reported
from codemyspec.cli.settings import ProjectSettings, Settings, find_root, load_settings
from codemyspec.db import database_url
from codemyspec.errors import ConfigurationError, NotFoundError
from codemyspec.service_layer import (
    DEFAULT_MAX_JOINS,
    DEFAULT_SWEEP_SECONDS,
    DispatchLoop,
    DispatchSignal,
)
from codemyspec.workers import BROKER_URL_ENV

SERVER_DATABASE = "codemyspec-server.db"
admin_app = typer.Typer(
    name="admin", help="Accounts, users and API tokens of a server.", no_args_is_help=True
)
console = Console()

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help=f"SQLAlchemy URL (default: $CODEMYSPEC_DATABASE_URL, else ./{SERVER_DATABASE})",
    ),
]


def server_app(url: str | None) -> App:
    return bootstrap(url or database_url(Path.cwd() / SERVER_DATABASE))


@contextmanager
def accounts(url: str | None) -> Iterator[AccountRepository]:
    """The accounts repository in one transaction; the database is closed afterwards."""
    app = server_app(url)
    try:
        with app.unit_of_work() as uow:
            yield uow.accounts
    finally:
        app.close()


def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on", min=1, max=65535)] = 8000,
    url: DatabaseUrl = None,
    broker: Annotated[
        str | None,
        typer.Option(
            help="the workers' Celery broker, redis://... (default: $CODEMYSPEC_BROKER_URL, "
            "else [server] broker); without one, nothing runs detached"
        ),
    ] = None,
    sweep_seconds: Annotated[
        float, typer.Option(help="how often detached sessions are sent to the workers", min=0.01)
    ] = DEFAULT_SWEEP_SECONDS,
    redispatch_seconds: Annotated[
        float | None,
        typer.Option(
            help="resend a detached session nobody holds after this (default: [server] "
            "redispatch_seconds, else 2 x [runner] lease_seconds, at least 30)",
            min=0.01,
        ),
    ] = None,
    max_joins: Annotated[
        int, typer.Option(help="workers sent to help one session's driver, at most", min=0)
    ] = DEFAULT_MAX_JOINS,
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json); migrations run on start. With a
    broker, a dispatcher sends detached sessions to the workers."""
    import uvicorn

    from codemyspec.api import create_api

    settings = settings_here()
    broker = broker or os.environ.get(BROKER_URL_ENV) or settings.server.broker
    signal = DispatchSignal() if broker else None
    app = bootstrap(url or database_url(Path.cwd() / SERVER_DATABASE), dispatch=signal)
    loop = None
    if broker and signal is not None:
        from codemyspec.workers import Dispatcher, celery_app

        loop = DispatchLoop(
            app.sessions,
            Dispatcher(celery_app(broker)),
            signal,
            sweep_seconds=sweep_seconds,
            redispatch_seconds=redispatch_seconds or settings.redispatch_seconds,
            max_joins=max_joins,
        )
        loop.start()
    try:
        uvicorn.run(create_api(app), host=host, port=port, log_level="info")
    finally:
        if loop is not None:
            loop.stop()


def settings_here() -> Settings:
    """The ``codemyspec.toml`` at or above the current folder, if any; else the defaults (a
    server usually runs outside any repository)."""
    try:
        root = find_root(Path.cwd())
    except ConfigurationError:
        return Settings(project=ProjectSettings(name="server", package="server"))
    return load_settings(root)


@admin_app.command("create-user")
@reported
def create_user(
    email: Annotated[str, typer.Argument(help="the user's email")],
    account: Annotated[str, typer.Option(help="the account to join (made if missing)")],
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    url: DatabaseUrl = None,
) -> None:
    """Create a user as a member of an account."""
    with accounts(url) as repository:
        made = repository.get_or_create_account(account)
        user = repository.create_user(email, name)
        repository.add_member(made.id, user.id)
    console.print(f"user {user.id} {email} is a member of account {made.id} {account!r}")


@admin_app.command("create-token")
@reported
def create_token(
    email: Annotated[str, typer.Argument(help="the user the token acts for")],
    account: Annotated[str, typer.Option(help="the account it acts in")],
    name: Annotated[str, typer.Option(help="what the token is for")] = "api",
    url: DatabaseUrl = None,
) -> None:
    """Create an API token; it is printed once and only its hash is stored."""
    with accounts(url) as repository:
        user = repository.get_user_by_email(email)
        found = [a for a in repository.list_accounts() if a.name == account]
        if not found:
            raise NotFoundError(f"no account named {account!r}")
        token = repository.create_token(found[0].id, user.id, name)
    console.print(f"token {token.id} for {email} in {account!r} (shown once):", highlight=False)
    typer.echo(token.token)


@admin_app.command("revoke-token")
@reported
def revoke_token(
    token_id: Annotated[int, typer.Argument(help="the token's id")],
    url: DatabaseUrl = None,
) -> None:
    """Revoke a token; requests with it get 401 from now on."""
    with accounts(url) as repository:
        repository.revoke_token(token_id)
    console.print(f"token {token_id} revoked")
