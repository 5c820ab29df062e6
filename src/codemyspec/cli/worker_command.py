"""``worker``: lend this machine to a server's detached sessions, as a Celery worker.

A worker normally runs outside any repository: the server URL, the broker and the token
come from flags and the environment; inside a repository, ``codemyspec.toml``'s
``[server]`` fills in what the flags leave out. Celery loads only when the command runs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from codemyspec.cli.remote import ServerOption, server_token
from codemyspec.cli.settings import Settings, find_root, load_settings
from codemyspec.errors import ConfigurationError, ValidationError

if TYPE_CHECKING:
    from codemyspec.workers import WorkerOptions

BROKER_SCHEMES = ("redis://", "rediss://", "redis+socket://")


def worker(
    server: ServerOption = None,
    broker: Annotated[
        str | None,
        typer.Option(
            help="the Redis broker's URL (default $CODEMYSPEC_BROKER_URL, else codemyspec.toml's)"
        ),
    ] = None,
    queues: Annotated[
        str | None,
        typer.Option(help="queues to take work from, comma-separated (default python[,elixir])"),
    ] = None,
    concurrency: Annotated[int, typer.Option(help="sessions run at once")] = 1,
    workdir: Annotated[
        Path | None,
        typer.Option(help="mirrors, runs and logs (default ~/.cache/codemyspec/worker)"),
    ] = None,
    visibility_timeout: Annotated[
        float | None,
        typer.Option(help="seconds before Redis hands an unacknowledged task to another worker"),
    ] = None,
) -> None:
    """Run sessions the server dispatches (``implement --detach``) on this machine."""
    options = worker_options(
        server=server,
        broker=broker,
        queues=queues,
        concurrency=concurrency,
        workdir=workdir,
        visibility_timeout=visibility_timeout,
    )
    check_server(options)
    from codemyspec.workers import run_worker

    code = run_worker(options)
    if code:
        raise typer.Exit(code)


def worker_options(
    *,
    server: str | None,
    broker: str | None,
    queues: str | None,
    concurrency: int,
    workdir: Path | None,
    visibility_timeout: float | None,
) -> WorkerOptions:
    """The flags, the environment and ``[server]`` resolved; what is missing or bad is named."""
    from codemyspec.remote import TOKEN_ENV
    from codemyspec.runner import RUNNER_NAME_ENV
    from codemyspec.workers import (
        BROKER_URL_ENV,
        DEFAULT_VISIBILITY_TIMEOUT,
        WorkerOptions,
        default_queues,
        default_runner_name,
        default_workdir,
        parse_queues,
    )

    root, settings = _repository()
    server = server or (settings.server.url if settings else None)
    if not server:
        raise ConfigurationError(
            "no server: pass --server URL (the codemyspec server whose sessions this worker runs)"
        )
    if not server.startswith(("http://", "https://")):
        raise ValidationError(f"--server: {server!r} is not an http(s) URL")
    token = server_token(root) if root else os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ConfigurationError(
            f"no API token for {server}: set ${TOKEN_ENV} (`codemyspec admin create-token`)"
        )
    broker = (
        broker or os.environ.get(BROKER_URL_ENV) or (settings.server.broker if settings else None)
    )
    if not broker:
        raise ConfigurationError(
            f"no broker: pass --broker redis://HOST:6379/0, set ${BROKER_URL_ENV}, "
            "or set broker under [server] in codemyspec.toml"
        )
    if not broker.startswith(BROKER_SCHEMES):
        raise ValidationError(f"--broker: {broker!r} is not a Redis URL (redis://HOST:PORT/DB)")
    if concurrency < 1:
        raise ValidationError(f"--concurrency must be 1 or more, not {concurrency}")
    if visibility_timeout is not None and visibility_timeout <= 0:
        raise ValidationError(
            f"--visibility-timeout must be more than 0 seconds, not {visibility_timeout:g}"
        )
    return WorkerOptions(
        server=server.rstrip("/"),
        token=token,
        broker=broker,
        queues=parse_queues(queues) if queues is not None else default_queues(),
        concurrency=concurrency,
        workdir=(workdir or default_workdir()).expanduser().resolve(),
        visibility_timeout=visibility_timeout or DEFAULT_VISIBILITY_TIMEOUT,
        runner_name=os.environ.get(RUNNER_NAME_ENV) or default_runner_name(),
    )


def check_server(options: WorkerOptions) -> None:
    """The server answers and takes the token, before the worker takes any work."""
    from codemyspec.remote import ServerClient

    client = ServerClient(options.server, options.token, wait_seconds=0)
    try:
        client.call("GET", "/api/projects")
    finally:
        client.close()


def _repository() -> tuple[Path | None, Settings | None]:
    """The repository the worker was started in, if any, and its settings."""
    try:
        root = find_root(Path.cwd())
    except ConfigurationError:
        return None, None
    return root, load_settings(root)
