"""``LocalChanges``: what another process writes to a repository's SQLite database reaches the
dashboard's event bus (SQLite has no ``NOTIFY``), as the events the writer itself published.

The "other process" is a second ``App`` on the same file: its bus is not the dashboard's, so
only the watcher can carry its changes across.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from codemyspec.bootstrap import App, bootstrap
from codemyspec.scope import Scope
from codemyspec.sessions import EventKind, SessionEvent
from codemyspec.web import LocalChanges
from tests.support.factories import make_account, make_context, make_context_session, make_project

DATABASE = "codemyspec.db"


class Heard:
    """The events the dashboard's bus publishes, and a wait for one."""

    def __init__(self, app: App) -> None:
        self.events: list[SessionEvent] = []
        self._arrived = threading.Condition()
        app.events.subscribe(self._hear)

    def _hear(self, event: SessionEvent) -> None:
        with self._arrived:
            self.events.append(event)
            self._arrived.notify_all()

    def wait_for(self, kind: EventKind, session_id: int, timeout: float = 30) -> SessionEvent:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for event in self.events:
                    if event.kind is kind and event.session_id == session_id:
                        return event
                left = deadline - time.monotonic()
                assert left > 0, f"no {kind} of session {session_id}; heard {self.events}"
                self._arrived.wait(left)


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[App]:
    """The other process: ``implement`` in a second terminal."""
    app = bootstrap(f"sqlite:///{tmp_path / DATABASE}")
    yield app
    app.close()


@pytest.fixture
def dashboard_app(tmp_path: Path, writer: App) -> Iterator[App]:
    app = bootstrap(f"sqlite:///{tmp_path / DATABASE}")
    yield app
    app.close()


@pytest.fixture
def account(writer: App) -> Scope:
    return make_account(writer)


@pytest.fixture
def watching(
    dashboard_app: App, account: Scope, tmp_path: Path
) -> Iterator[tuple[LocalChanges, Heard]]:
    changes = LocalChanges(dashboard_app, account, tmp_path / DATABASE, poll_seconds=0.01)
    heard = Heard(dashboard_app)
    changes.start()
    yield changes, heard
    changes.stop()


def test_a_session_another_process_creates_runs_and_cancels_is_heard_as_its_events(
    writer: App, account: Scope, watching: tuple[LocalChanges, Heard]
) -> None:
    _, heard = watching
    scope, _ = make_project(writer, account)

    session = make_context_session(writer, scope, make_context(writer, scope))
    created = heard.wait_for(EventKind.SESSION_CREATED, session.id)
    interaction = writer.sessions.next_command(scope, session.id)
    started = heard.wait_for(EventKind.INTERACTION_STARTED, session.id)
    writer.sessions.cancel_session(scope, session.id)
    updated = heard.wait_for(EventKind.SESSION_UPDATED, session.id)

    assert created.account_id == account.account_id
    assert created.status == "active"
    assert started.interaction_id == interaction.id
    assert started.step == interaction.step
    assert updated.status == "cancelled"


def test_sessions_as_they_were_when_it_started_are_not_announced(
    writer: App, account: Scope, dashboard_app: App, tmp_path: Path
) -> None:
    scope, _ = make_project(writer, account)
    before = make_context_session(writer, scope, make_context(writer, scope))
    changes = LocalChanges(dashboard_app, account, tmp_path / DATABASE, poll_seconds=0.01)
    heard = Heard(dashboard_app)
    changes.start()
    try:
        later = make_context_session(
            writer, scope, make_context(writer, scope, "Shipping", [("Parcel", 1)])
        )
        heard.wait_for(EventKind.SESSION_CREATED, later.id)
    finally:
        changes.stop()

    assert [e.session_id for e in heard.events if e.kind is EventKind.SESSION_CREATED] == [later.id]
    assert before.id not in {e.session_id for e in heard.events}


def test_another_accounts_sessions_are_not_watched(
    writer: App, watching: tuple[LocalChanges, Heard], account: Scope
) -> None:
    _, heard = watching
    other, _ = make_project(writer, make_account(writer, "other"))
    theirs = make_context_session(writer, other, make_context(writer, other))
    scope, _ = make_project(writer, account, name="mine")
    mine = make_context_session(writer, scope, make_context(writer, scope))

    heard.wait_for(EventKind.SESSION_CREATED, mine.id)

    assert theirs.id not in {e.session_id for e in heard.events}
