"""Events between two apps on one real PostgreSQL database, as two server processes have them:
NOTIFY on commit only, each heard once, and a listener that survives losing its connection."""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from codemyspec.bootstrap import App, bootstrap
from codemyspec.component_coding_sessions import SESSION_TYPE as COMPONENT_SESSION_TYPE
from codemyspec.context_coding_sessions import SESSION_TYPE
from codemyspec.db import LISTENER_NAME, Backoff, NotificationListener
from codemyspec.scope import Scope
from codemyspec.sessions import (
    EventKind,
    SessionAttrs,
    SessionEvent,
    SessionStatus,
    SessionUpdate,
)
from tests.support.factories import make_account, make_context, make_context_session, make_project
from tests.support.postgres import PostgresServer
from tests.support.served import free_port

WAIT_SECONDS = 20.0
FAST = Backoff(first=0.05, most=0.5)


class Heard:
    """An app's subscriber: the events it gets, waited for with a bound."""

    def __init__(self, app: App) -> None:
        self._queue: queue.Queue[SessionEvent] = queue.Queue()
        app.events.subscribe(self._queue.put)

    def next(self) -> SessionEvent:
        return self._queue.get(timeout=WAIT_SECONDS)

    def now(self) -> list[SessionEvent]:
        """What has arrived so far, without waiting."""
        got: list[SessionEvent] = []
        while not self._queue.empty():
            got.append(self._queue.get_nowait())
        return got


@pytest.fixture
def url(postgres_server: PostgresServer) -> str:
    return postgres_server.database_url()


@pytest.fixture
def writer(url: str) -> Iterator[App]:
    app = bootstrap(url)
    yield app
    app.close()


@pytest.fixture
def reader(url: str) -> Iterator[tuple[App, NotificationListener]]:
    """A second app on the same database, listening as a server's lifespan makes it."""
    app = bootstrap(url)
    listener = app.relay_events(ready_seconds=WAIT_SECONDS, backoff=FAST)
    assert listener is not None and listener.listening.is_set()
    yield app, listener
    listener.stop()
    app.close()


@pytest.fixture
def scope(writer: App, tmp_path: Path) -> Scope:
    project_scope, _ = make_project(writer, make_account(writer), tmp_path)
    return project_scope


def test_a_write_on_one_app_is_heard_once_on_the_other_in_order(
    writer: App, reader: tuple[App, NotificationListener], scope: Scope
) -> None:
    # The writer listens too, as every server does: its own events still reach it once.
    own = writer.relay_events(ready_seconds=WAIT_SECONDS, backoff=FAST)
    assert own is not None
    try:
        on_writer, on_reader = Heard(writer), Heard(reader[0])
        session = make_context_session(writer, scope, make_context(writer, scope))
        writer.sessions.update_session(
            scope, session.id, SessionUpdate(status=SessionStatus.CANCELLED)
        )
        expected = [
            (EventKind.SESSION_CREATED, session.id, "active"),
            (EventKind.SESSION_UPDATED, session.id, "cancelled"),
        ]

        heard = [on_reader.next(), on_reader.next()]

        assert [(e.kind, e.session_id, e.status) for e in heard] == expected
        assert {e.account_id for e in heard} == {scope.account_id}
        # A marker written after: once it is heard, nothing else was on its way.
        marker = make_context_session(writer, scope, make_context(writer, scope, "Orders"))
        assert on_reader.next().session_id == marker.id
        assert on_reader.now() == []
        mine = on_writer.now()
        assert [(e.kind, e.session_id, e.status) for e in mine[:2]] == expected
        assert [e.session_id for e in mine[2:]] == [marker.id]
    finally:
        own.stop()


def test_many_events_of_one_transaction_arrive_in_the_order_written(
    writer: App, reader: tuple[App, NotificationListener], scope: Scope
) -> None:
    on_reader = Heard(reader[0])
    context = make_context(writer, scope, children=[(f"Part{n}", None) for n in range(30)])
    parent = make_context_session(writer, scope, context)
    spawned = [
        SessionAttrs(type=COMPONENT_SESSION_TYPE, component_id=child.id, session_id=parent.id)
        for child in context.children
    ]
    with writer.unit_of_work() as uow:
        children = uow.sessions.create_all(scope, spawned)

    heard = [on_reader.next() for _ in range(31)]

    assert [e.session_id for e in heard] == [parent.id, *children]
    assert {e.parent_session_id for e in heard[1:]} == {parent.id}


def test_a_rolled_back_write_notifies_nobody(
    writer: App, reader: tuple[App, NotificationListener], scope: Scope
) -> None:
    on_reader = Heard(reader[0])
    context = make_context(writer, scope)
    attrs = SessionAttrs(type=SESSION_TYPE, component_id=context.component.id)
    with pytest.raises(RuntimeError, match="changed my mind"), writer.unit_of_work() as uow:
        uow.sessions.create(scope, attrs)
        assert uow.sessions.events, "the block made an event"
        raise RuntimeError("changed my mind")

    marker = make_context_session(writer, scope, make_context(writer, scope, "Orders"))

    assert on_reader.next().session_id == marker.id, "the rolled-back creation was heard"


def _listener_pids(url: str) -> set[int]:
    """The backends of listeners on this test's database."""
    database = make_url(url).database
    with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(False)) as c:
        rows = c.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = %s",
            (LISTENER_NAME, database),
        ).fetchall()
    return {int(row[0]) for row in rows}


def _wait_for(condition_name: str, check: Callable[[], object]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        assert time.monotonic() < deadline, f"{condition_name} did not happen"
        time.sleep(0.05)


def test_the_listener_reconnects_when_its_connection_is_killed_and_hears_later_events(
    url: str,
    writer: App,
    reader: tuple[App, NotificationListener],
    scope: Scope,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    on_reader = Heard(reader[0])
    (before,) = _listener_pids(url)
    with writer.database.engine.begin() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": before})

    _wait_for("a new listener connection", lambda: _listener_pids(url) - {before})
    _wait_for("the listener listening again", reader[1].listening.is_set)
    session = make_context_session(writer, scope, make_context(writer, scope))

    assert on_reader.next().session_id == session.id
    assert "event listener lost PostgreSQL (" in caplog.text
    assert "); reconnecting in " in caplog.text


def test_a_listener_that_cannot_reach_postgresql_says_so_and_keeps_trying(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    nowhere = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/codemyspec"
    listener = NotificationListener(nowhere, "codemyspec_events", print, backoff=FAST)

    assert listener.start(ready_seconds=0.2) is False
    listener.stop()

    assert "event listener lost PostgreSQL (" in caplog.text
    assert "Connection refused" in caplog.text


def test_a_stray_notification_on_the_channel_is_skipped(
    url: str, writer: App, reader: tuple[App, NotificationListener], scope: Scope
) -> None:
    on_reader = Heard(reader[0])
    with writer.database.engine.begin() as connection:
        connection.execute(text("NOTIFY codemyspec_events, 'not an event'"))
    session = make_context_session(writer, scope, make_context(writer, scope))

    assert on_reader.next().session_id == session.id


def test_on_sqlite_there_is_nothing_to_relay(tmp_path: Path) -> None:
    app = bootstrap(f"sqlite:///{tmp_path / 'one.db'}")
    try:
        assert app.relay_events() is None
    finally:
        app.close()
