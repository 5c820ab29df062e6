"""``implement``: one context, implemented by agents in parallel, committed and pushed.

``--server`` keeps the sessions on a codemyspec server; ``join`` lends this machine's
runner to a session another machine drives there.
"""

from __future__ import annotations

import re
from typing import Annotated

import typer

from codemyspec.cli.budgets import BudgetOption, DeadlineOption, start_limits
from codemyspec.cli.local import Local, open_here
from codemyspec.cli.remote import ServerOption, open_remote, remote_or_local
from codemyspec.cli.running import Drive, drive, implement_detached
from codemyspec.cli.running import implement as implement_context
from codemyspec.clock import utcnow
from codemyspec.context_coding_sessions import RunLimits
from codemyspec.errors import ConfigurationError, ValidationError
from codemyspec.service_layer import QUEUE_NAME

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
    detach: Annotated[
        bool,
        typer.Option(
            "--detach",
            help="with --server: the server's workers run it; print its id and return at once",
        ),
    ] = False,
    queue: Annotated[
        str | None,
        typer.Option(help="with --detach: the workers' queue (default: the project's language)"),
    ] = None,
    budget: BudgetOption = None,
    deadline: DeadlineOption = None,
    only: Annotated[
        list[str] | None,
        typer.Option(help="only these components, comma-separated (their dependencies done)"),
    ] = None,
) -> None:
    """Implement every component of CONTEXT from its design docs, in one commit."""
    local = open_here()
    limits = run_limits(local, budget, deadline)
    if detach or queue is not None:
        if concurrency is not None:
            raise ValidationError(
                "--concurrency is not for --detach: each worker has its own "
                "(`codemyspec worker --concurrency N`)"
            )
        _detached(
            local,
            context,
            server,
            queue,
            agent,
            max_fix_rounds,
            no_push,
            fresh,
            detach,
            limits,
            only,
        )
        return
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
            limits=limits,
            only=only,
        )
    if driven.exit_code:
        raise typer.Exit(driven.exit_code)


def _detached(
    local: Local,
    context: str,
    server: str | None,
    queue: str | None,
    agent: str | None,
    max_fix_rounds: int | None,
    no_push: bool,
    fresh: bool,
    detach: bool,
    limits: RunLimits,
    only: list[str] | None = None,
) -> None:
    """``implement --detach``: checked and queued on the server; nothing runs here."""
    if not detach:
        raise ValidationError("--queue is for a detached run: add --detach")
    if queue is not None and not re.match(QUEUE_NAME, queue):
        raise ValidationError(
            f"--queue {queue!r}: a queue's name is letters, digits, '.', '_' and '-' "
            "(e.g. python, elixir)"
        )
    if no_push:
        raise ValidationError(
            "--no-push cannot be used with --detach: the workers share their branches "
            "through origin and push the result"
        )
    if not (server or local.settings.server.url):
        raise ConfigurationError(
            "--detach needs a server: pass --server URL or set url under [server] in "
            "codemyspec.toml (its workers run the session)"
        )
    remote = open_remote(local, server)
    try:
        session = implement_detached(
            local,
            context,
            remote,
            queue=queue,
            agent=agent,
            max_fix_rounds=max_fix_rounds,
            fresh=fresh,
            limits=limits,
            only=only,
        )
    finally:
        remote.close()
    url = remote.sessions.client.url
    typer.echo(
        f"session {session.id} queued on {session.queue}; follow it: "
        f"codemyspec sessions show {session.id} --server {url}"
    )


def run_limits(local: Local, budget: list[str] | None, deadline: str | None) -> RunLimits:
    """``[runner]``'s budget and deadline, each replaced by ``--budget``/``--deadline``."""
    runner = local.settings.runner
    configured = RunLimits(budget_usd=runner.budget_usd, budget_tokens=runner.budget_tokens)
    return start_limits(configured, runner.deadline, budget, deadline, utcnow())


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
