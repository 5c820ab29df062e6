"""``codemyspec dashboard``: this repository's sessions in a browser, on 127.0.0.1 only.

The same pages as ``serve``, over the repository's own database and its local account. The
printed URL carries a one-time token (as Jupyter's does): its first visit signs the browser
in with a token made for this run, revoked when the dashboard stops. Retry and resume run
here, as ``codemyspec sessions retry|resume`` would; runs of ``implement`` in another
terminal show up live.
"""

from __future__ import annotations

import contextlib
import errno
import signal
import socket
import threading
import webbrowser
from collections.abc import Iterator
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from codemyspec.cli.local import Local, open_here
from codemyspec.cli.running import Drive, drive
from codemyspec.cli.settings import DATABASE_FILE, STATE_DIR
from codemyspec.errors import ConfigurationError, NotFoundError

if TYPE_CHECKING:  # the pages (Jinja2, FastAPI) load only when the dashboard starts
    from codemyspec.web import Action, LocalRun

HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DASHBOARD_USER = "dashboard@localhost"

console = Console()


def dashboard(
    port: Annotated[
        int | None,
        typer.Option(
            help=f"port on {HOST} (default: {DEFAULT_PORT}, or a free one when it is taken)",
            min=1,
            max=65535,
        ),
    ] = None,
    no_open: Annotated[
        bool, typer.Option("--no-open", help="print the URL only; do not open a browser")
    ] = False,
) -> None:
    """Watch and steer this repository's sessions in a browser (127.0.0.1 only)."""
    local = open_here()
    try:
        with _listen(port) as listening, _dashboard_token(local) as token:
            _serve(local, listening, token, browse=not no_open)
    finally:
        local.app.close()
    console.print("dashboard stopped; its sign-in link and cookie no longer work", highlight=False)


def _serve(local: Local, listening: socket.socket, token: str, *, browse: bool) -> None:
    """The pages on ``listening`` until Ctrl-C (or SIGTERM); then the runs it started stop."""
    import uvicorn

    from codemyspec.api import create_api
    from codemyspec.web import Dashboard, LocalChanges, LocalSteering, OneTimeToken

    steering = LocalSteering(local.app.sessions, local.app.events, _drive_here(local))
    changes = LocalChanges(local.app, local.scope, local.root / STATE_DIR / DATABASE_FILE)
    one_time = OneTimeToken(token)
    api = create_api(
        local.app, dashboard=Dashboard(steering=steering, one_time=one_time, remote=False)
    )
    url = f"http://{HOST}:{listening.getsockname()[1]}/?token={one_time.secret}"
    console.print(
        f"codemyspec dashboard of {local.project.name} ({local.root}); Ctrl-C stops it.\n"
        "Open this link (it signs in once):",
        highlight=False,
    )
    typer.echo(url)
    if browse:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    # An open event stream would keep a graceful shutdown waiting: it gets 3 s.
    server = uvicorn.Server(uvicorn.Config(api, log_level="warning", timeout_graceful_shutdown=3))
    # uvicorn stops on the signal, then raises it again once its own handlers are gone:
    # SIGTERM then ends up here as Ctrl-C does, not as the end of the process.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    changes.start()
    try:
        server.run(sockets=[listening])
    except KeyboardInterrupt:
        pass  # the way a dashboard is stopped
    finally:
        signal.signal(signal.SIGTERM, previous)
        changes.stop()
        steering.stop()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _listen(port: int | None) -> socket.socket:
    """A socket bound on 127.0.0.1: ``port``, else the default one or, taken, any free one."""
    if port is None:
        return _bound(DEFAULT_PORT) or _bound(0) or _never()
    listening = _bound(port)
    if listening is None:
        raise ConfigurationError(
            f"port {port} on {HOST} is in use (another dashboard or server?): "
            "choose another with --port, or leave --port out for a free one"
        )
    return listening


def _bound(port: int) -> socket.socket | None:
    """A socket bound to ``port`` on 127.0.0.1, or None when something else has it."""
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # A dashboard stopped a moment ago leaves its port in TIME_WAIT; a live one still refuses.
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((HOST, port))
    except OSError as exc:
        listening.close()
        if exc.errno == errno.EADDRINUSE:
            return None
        raise ConfigurationError(f"cannot listen on {HOST}:{port}: {exc.strerror}") from exc
    listening.listen()  # a visit of the printed link waits in the backlog until uvicorn runs
    return listening


def _never() -> socket.socket:
    raise ConfigurationError(f"no free port on {HOST} to listen on")


@contextlib.contextmanager
def _dashboard_token(local: Local) -> Iterator[str]:
    """An API token of the local account for this run, revoked when it ends."""
    with local.app.unit_of_work() as uow:
        accounts = uow.accounts
        try:
            user = accounts.get_user_by_email(DASHBOARD_USER)
        except NotFoundError:
            user = accounts.create_user(DASHBOARD_USER, "codemyspec dashboard")
        accounts.add_member(local.scope.account_id, user.id)
        made = accounts.create_token(local.scope.account_id, user.id, "dashboard")
    if made.token is None:  # only a token just made has its secret
        raise ConfigurationError("the local account gave the dashboard no token")
    try:
        yield made.token
    finally:
        with local.app.unit_of_work() as uow:
            uow.accounts.revoke_token(made.id)


def _drive_here(local: Local) -> LocalRun:
    """The steering's runs: ``drive`` in this repository, its progress printed as lines."""
    lines = Console(force_terminal=False, soft_wrap=True, highlight=False)

    def run(session_id: int, action: Action, cancel: threading.Event) -> None:
        drive(local, session_id, Drive(action.value), console=lines, cancel=cancel)

    return run
