"""The ``codemyspec`` command line: thin commands over the facades; errors exit 1 with a reason."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec

import typer
from rich.console import Console

from codemyspec import __version__
from codemyspec.cli import setup_commands
from codemyspec.errors import CodeMySpecError

P = ParamSpec("P")

app = typer.Typer(
    name="codemyspec",
    help="Implement a whole context of your codebase from its design documents.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def reported(command: Callable[P, None]) -> Callable[P, None]:
    """A codemyspec error becomes one red line on stderr and exit status 1."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except CodeMySpecError as exc:
            Console(stderr=True).print(f"[red]error:[/] {exc}", highlight=False)
            raise typer.Exit(1) from None

    return run


for _command in (setup_commands.init, setup_commands.sync, setup_commands.components):
    app.command()(reported(_command))


@app.command()
def version() -> None:
    """Print the installed version."""
    typer.echo(f"codemyspec {__version__}")


@app.callback()
def _root() -> None:
    """codemyspec: AI coding agents implement your design documents, in parallel."""


def main() -> None:
    """Console-script entry point."""
    app()
