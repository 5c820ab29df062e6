"""The ``codemyspec`` command line (a thin entrypoint over the facades)."""

from __future__ import annotations

import typer

from codemyspec import __version__

app = typer.Typer(
    name="codemyspec",
    help="Implement a whole context of your codebase from its design documents.",
    no_args_is_help=True,
)


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
