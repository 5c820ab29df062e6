"""The ``codemyspec`` command line: thin commands over the facades; errors exit 1 with a reason."""

from __future__ import annotations

import typer

from codemyspec import __version__
from codemyspec.cli import (
    dashboard_command,
    demo_command,
    run_commands,
    server_commands,
    session_commands,
    setup_commands,
    worker_command,
)
from codemyspec.cli.exiting import exit_now
from codemyspec.cli.reported import reported

app = typer.Typer(
    name="codemyspec",
    help="Implement a whole context of your codebase from its design documents.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


for _command in (
    setup_commands.init,
    setup_commands.sync,
    setup_commands.components,
    run_commands.implement,
    run_commands.join,
    demo_command.demo,
    server_commands.serve,
    dashboard_command.dashboard,
    worker_command.worker,
):
    app.command()(reported(_command))

app.add_typer(session_commands.sessions_app)
app.add_typer(server_commands.admin_app)


@app.command()
def version() -> None:
    """Print the installed version."""
    typer.echo(f"codemyspec {__version__}")


@app.callback()
def _root() -> None:
    """codemyspec: AI coding agents implement your design documents, in parallel."""


def main() -> None:
    """Console-script entry point; the process ends without the interpreter's teardown."""
    try:
        app()
    except SystemExit as stop:
        exit_now(stop.code)
    exit_now(0)
