"""``serve`` and ``admin``: server mode's HTTP API and the accounts and tokens behind it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from codemyspec.accounts import AccountRepository
from codemyspec.bootstrap import App, bootstrap
from codemyspec.cli.reported import reported
from codemyspec.db import database_url
from codemyspec.errors import NotFoundError

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
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json); migrations run on start."""
    import uvicorn

    from codemyspec.api import create_api

    api = create_api(server_app(url))
    uvicorn.run(api, host=host, port=port, log_level="info")


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
