"""``implement``: one context, implemented by agents in parallel, committed and pushed."""

from __future__ import annotations

from typing import Annotated

import typer

from codemyspec.cli.local import open_here
from codemyspec.cli.running import implement as implement_context


def implement(
    context: Annotated[str, typer.Argument(help="the context to implement, e.g. Billing")],
    agent: Annotated[
        str | None, typer.Option(help="claude_code or a name under [agent.commands]")
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(help="components at once (0 = all; default from settings)")
    ] = None,
    max_fix_rounds: Annotated[
        int | None, typer.Option(help="fix rounds before a component fails")
    ] = None,
    no_push: Annotated[bool, typer.Option("--no-push", help="commit but do not push")] = False,
) -> None:
    """Implement every component of CONTEXT from its design docs, in one commit."""
    local = open_here()
    driven = implement_context(
        local,
        context,
        agent=agent,
        concurrency=concurrency,
        max_fix_rounds=max_fix_rounds,
        push=not no_push,
    )
    if driven.exit_code:
        raise typer.Exit(driven.exit_code)
