"""``implement``: one context, implemented by agents in parallel, committed and pushed.

``--server`` keeps the sessions on a codemyspec server; ``join`` lends this machine's
runner to a session another machine drives there.
"""

from __future__ import annotations

from typing import Annotated

import typer

from codemyspec.cli.local import open_here
from codemyspec.cli.remote import ServerOption, open_remote, remote_or_local
from codemyspec.cli.running import Drive, drive
from codemyspec.cli.running import implement as implement_context

ConcurrencyOption = Annotated[
    int | None, typer.Option(help="components at once (0 = all; default from settings)")
]


def implement(
    context: Annotated[str, typer.Argument(help="the context to implement, e.g. Billing")],
    agent: Annotated[
        str | None, typer.Option(help="claude_code or a name under [agent.commands]")
    ] = None,
    concurrency: ConcurrencyOption = None,
    max_fix_rounds: Annotated[
        int | None, typer.Option(help="fix rounds before a component fails")
    ] = None,
    no_push: Annotated[bool, typer.Option("--no-push", help="commit but do not push")] = False,
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh", help="after a complete session: a new session on a new branch from HEAD"
        ),
    ] = False,
    server: ServerOption = None,
) -> None:
    """Implement every component of CONTEXT from its design docs, in one commit."""
    local = open_here()
    with remote_or_local(local, server) as remote:
        driven = implement_context(
            local,
            context,
            agent=agent,
            concurrency=concurrency,
            max_fix_rounds=max_fix_rounds,
            push=not no_push,
            remote=remote,
            fresh=fresh,
        )
    if driven.exit_code:
        raise typer.Exit(driven.exit_code)


def join(
    session_id: Annotated[int, typer.Argument(help="the context session to help with")],
    concurrency: ConcurrencyOption = None,
    server: ServerOption = None,
) -> None:
    """Run children of a context session another machine drives on the server."""
    local = open_here()
    remote = open_remote(local, server)
    try:
        driven = drive(local, session_id, Drive.JOIN, concurrency=concurrency, remote=remote)
    finally:
        remote.close()
    if driven.interrupted or driven.server_gone:
        raise typer.Exit(driven.exit_code)
