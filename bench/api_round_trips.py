"""Throughput and latency of one engine round trip over HTTP and in process.

usage: .venv/bin/python -m bench.api_round_trips [--clients 1 8 32] [--round-trips 300]
                                                 [--database postgresql|sqlite]

A *round trip* is what a runner does per interaction: ``POST /api/sessions/{id}/next-command``
then ``POST /api/sessions/{id}/interactions/{iid}/result``. For each client count the bench
drives that many concurrent clients against ``codemyspec serve`` (a real uvicorn subprocess
on 127.0.0.1, one keep-alive ``httpx.Client`` per client thread), then the same two engine
calls in process (``app.sessions.next_command`` + ``app.sessions.handle_result``, one thread
per client) on the same database, and prints one Markdown table: requests per second, round
trips per second and p50/p99 latency of a round trip. The database is a real PostgreSQL the
bench starts in a temp folder (default), or a SQLite file (``--database sqlite``).

The workload: every round trip is the first interaction of a fresh ``ContextCodingSessions``
session (its context component exists, the project has no local root), answered ``ok``. That
is real engine work on every call: (over HTTP) the bearer token lookup, the session loaded with its
component, project and interactions, orchestrator routing (none → Initialize), the step's
``get_command`` (the environment's ``git switch`` command), the pending interaction inserted,
the step's ``handle_result``, the result stored by the guarded update and the session state
merged, and the whole session read back (it is the response). Fresh sessions keep the cost
per round trip constant: a single session looping forever (a context's Initialize answered
with an error routes back to Initialize) would reload its ever longer interaction list on
every call, so the figure would depend on how long the bench ran, not on what a call costs.
The component workflow has no cheap loop either: its Initialize fails the session on any
result but ok, and the steps after it prompt an agent in a worktree.
Each client works only on its own sessions, so round trips never conflict; the sessions are
made before the clock starts, and each client does a few warm-up round trips first.

The ``--round-trips`` total per row is split evenly across the clients, so every row does
about the same work; the default run takes well under two minutes on two cores. Clients,
server and database share the machine, so with few cores the HTTP rows measure the box as
much as the server; in process, Python threads share one GIL.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from tests.support.postgres import running_postgres
from tests.support.served import served

from codemyspec.bootstrap import App, bootstrap
from codemyspec.commands import Result
from codemyspec.components import ComponentAttrs, ComponentType
from codemyspec.context_coding_sessions import SESSION_TYPE
from codemyspec.projects import ProjectAttrs
from codemyspec.scope import Scope
from codemyspec.sessions import SessionAttrs

WARM_UP = 3  # round trips per client before the clock starts
SERVER_START_TIMEOUT = 60.0

RoundTrip = Callable[[int], None]


@dataclass(frozen=True)
class Fixture:
    """The account every client acts in: its scope, one token per client, the context."""

    scope: Scope
    tokens: list[str]
    project_id: int
    context_id: int


@dataclass(frozen=True)
class Row:
    mode: str
    clients: int
    round_trips: int
    wall: float
    latencies: list[float]

    def cells(self) -> list[str]:
        # inclusive quantiles: cut 49 is the median, cut 98 the 99th percentile
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return [
            self.mode,
            str(self.clients),
            str(self.round_trips),
            f"{2 * self.round_trips / self.wall:,.0f}",
            f"{self.round_trips / self.wall:,.0f}",
            f"{cuts[49] * 1000:.1f}",
            f"{cuts[98] * 1000:.1f}",
        ]


def prepare(app: App, clients: int) -> Fixture:
    """An account with a user, a project (no local root), a context and a token per client."""
    with app.unit_of_work() as uow:
        account = uow.accounts.create_account(f"bench-{time.monotonic_ns()}")
        user = uow.accounts.create_user(f"bench{account.id}@bench.example")
        uow.accounts.add_member(account.id, user.id)
        scope = Scope(account_id=account.id, user_id=user.id)
        project = uow.projects.create(scope, ProjectAttrs(name="shop", package="shop"))
        context = uow.components.create(
            scope.for_project(project.id),
            ComponentAttrs(module_name="Billing", type=ComponentType.CONTEXT),
        )
        tokens = [
            uow.accounts.create_token(account.id, user.id, f"client{k}") for k in range(clients)
        ]
    secrets = [t.token for t in tokens if t.token is not None]
    return Fixture(scope, secrets, project.id, context.id)


def fresh_sessions(app: App, fixture: Fixture, count: int) -> list[int]:
    """``count`` new context sessions, made in one transaction."""
    attrs = SessionAttrs(
        type=SESSION_TYPE,
        project_id=fixture.project_id,
        component_id=fixture.context_id,
        agent="bench",
    )
    with app.unit_of_work() as uow:
        return [uow.sessions.create(fixture.scope, attrs).id for _ in range(count)]


def http_round_trip(client: httpx.Client) -> RoundTrip:
    ok = Result.ok().model_dump(mode="json")

    def round_trip(session_id: int) -> None:
        command = client.post(f"/api/sessions/{session_id}/next-command")
        if command.status_code != 200:
            raise RuntimeError(f"next-command {command.status_code}: {command.text}")
        interaction = command.json()["id"]
        done = client.post(f"/api/sessions/{session_id}/interactions/{interaction}/result", json=ok)
        if done.status_code != 200:
            raise RuntimeError(f"result {done.status_code}: {done.text}")

    return round_trip


def engine_round_trip(app: App, scope: Scope) -> RoundTrip:
    def round_trip(session_id: int) -> None:
        interaction = app.sessions.next_command(scope, session_id)
        app.sessions.handle_result(scope, session_id, interaction.id, Result.ok())

    return round_trip


def measure(
    mode: str,
    app: App,
    fixture: Fixture,
    clients: int,
    total: int,
    make_round_trip: Callable[[int], contextlib.AbstractContextManager[RoundTrip]],
) -> Row:
    """``clients`` threads, each on its own fresh sessions, started together after warm-up."""
    per_client = math.ceil(total / clients)
    sessions = fresh_sessions(app, fixture, clients * (WARM_UP + per_client))
    work = [
        sessions[k * (WARM_UP + per_client) : (k + 1) * (WARM_UP + per_client)]
        for k in range(clients)
    ]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []
    start = threading.Barrier(clients + 1)

    def client(k: int) -> None:
        try:
            with make_round_trip(k) as round_trip:
                for session_id in work[k][:WARM_UP]:
                    round_trip(session_id)
                start.wait()
                for session_id in work[k][WARM_UP:]:
                    began = time.perf_counter()
                    round_trip(session_id)
                    latencies[k].append(time.perf_counter() - began)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            start.abort()

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    if errors:
        raise RuntimeError(f"{mode}, {clients} clients: {errors[0]!r}") from errors[0]
    flat = [latency for per in latencies for latency in per]
    return Row(mode, clients, len(flat), wall, flat)


def run(url: str, clients: list[int], total: int, log: Path) -> list[Row]:
    app = bootstrap(url)  # migrates before the server opens the same database
    try:
        fixture = prepare(app, max(clients))
        rows = []
        with served(url, log, timeout=SERVER_START_TIMEOUT) as base:

            @contextlib.contextmanager
            def over_http(k: int) -> Iterator[RoundTrip]:
                headers = {"Authorization": f"Bearer {fixture.tokens[k]}"}
                with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                    yield http_round_trip(client)

            for count in clients:
                rows.append(measure("HTTP", app, fixture, count, total, over_http))

        @contextlib.contextmanager
        def in_process(_k: int) -> Iterator[RoundTrip]:
            yield engine_round_trip(app, fixture.scope)

        for count in clients:
            rows.append(measure("in process", app, fixture, count, total, in_process))
        return rows
    finally:
        app.close()


@contextlib.contextmanager
def database(kind: str, tmp: Path) -> Iterator[str]:
    """A fresh database URL: a database on a PostgreSQL started for the run, or a SQLite file."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'bench.db'}"
        return
    with running_postgres() as server:
        if server is None:
            raise SystemExit("PostgreSQL is not installed (no pg_ctl); try --database sqlite")
        yield server.database_url()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument(
        "--round-trips",
        type=int,
        default=300,
        help="timed round trips per row, split evenly across the clients",
    )
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    if min(args.clients) < 1 or args.round_trips < 2:
        parser.error("--clients must be positive and --round-trips at least 2")
    with (
        tempfile.TemporaryDirectory(prefix="codemyspec-bench-api-") as tmp,
        database(args.database, Path(tmp)) as url,
    ):
        began = time.monotonic()
        rows = run(url, args.clients, args.round_trips, Path(tmp) / "server.log")
        elapsed = time.monotonic() - began
    _report(args.database, rows, elapsed)


COLUMNS = ("mode", "clients", "round trips", "req/s", "round trips/s", "p50 ms", "p99 ms")


def markdown_table(rows: list[Row]) -> str:
    """A Markdown table, padded to line up in a terminal; numbers right-aligned."""
    cells = [list(COLUMNS), *(row.cells() for row in rows)]
    widths = [max(len(line[k]) for line in cells) for k in range(len(COLUMNS))]

    def line(values: list[str]) -> str:
        padded = [
            v.ljust(w) if k == 0 else v.rjust(w)
            for k, (v, w) in enumerate(zip(values, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = ["-" * w if k == 0 else "-" * (w - 1) + ":" for k, w in enumerate(widths)]
    return "\n".join([line(cells[0]), line(rule), *(line(c) for c in cells[1:])])


def _report(kind: str, rows: list[Row], elapsed: float) -> None:
    print(
        f"API round trips (next-command + result) on {kind}, {os.cpu_count()} CPUs, "
        f"{elapsed:.0f} s in all\n"
    )
    print(markdown_table(rows))


if __name__ == "__main__":
    main()
