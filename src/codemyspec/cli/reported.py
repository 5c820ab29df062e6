"""One way every command reports a codemyspec error: a red line on stderr, exit status 1."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec

import typer
from rich.console import Console
from rich.markup import escape

from codemyspec.errors import CodeMySpecError

P = ParamSpec("P")


def reported(command: Callable[P, None]) -> Callable[P, None]:
    """A codemyspec error becomes one red line on stderr and exit status 1."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except CodeMySpecError as exc:
            Console(stderr=True).print(
                f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(1) from None

    return run
