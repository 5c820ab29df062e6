"""The changes another process makes to a repository's SQLite database, as session events.

``codemyspec implement`` runs in its own process; its events reach only its own bus, and
SQLite has no ``NOTIFY`` to carry them (PostgreSQL's ``App.relay_events`` does that for
servers). So the dashboard watches the file: SQLite's ``PRAGMA data_version`` changes when
another connection commits, and then the sessions are read again and what differs from the
last reading is published on the dashboard's bus, as the process that wrote it would have.
Its own runs' events are published twice (by their commit, then here): a page only redraws.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from codemyspec.bootstrap import App
from codemyspec.scope import Scope
from codemyspec.sessions import EventKind, Interaction, Session, SessionEvent

log = logging.getLogger(__name__)

#: How often the file is checked; a check is one pragma, the sessions are read only on a change.
POLL_SECONDS = 0.25


@dataclass(frozen=True, slots=True)
class Seen:
    """What a reading knew of one session: enough to tell what changed since."""

    status: str
    attempt: int
    updated_at: datetime
    interactions: dict[int, str | None]  # id → result status (None while pending)


def _interactions(session: Session) -> dict[int, str | None]:
    return {i.id: _result_status(i) for i in session.interactions}


def _result_status(interaction: Interaction) -> str | None:
    return interaction.result.status.value if interaction.result else None


def _event(kind: EventKind, session: Session, **fields: object) -> SessionEvent:
    return SessionEvent.model_validate(
        {
            "kind": kind,
            "session_id": session.id,
            "account_id": session.account_id,
            "parent_session_id": session.session_id,
            "status": session.status.value,
            **fields,
        }
    )


def changes(before: Seen | None, session: Session) -> list[SessionEvent]:
    """The events that turn ``before`` into ``session``: created, interactions started and
    finished, then updated (last, so a finished session's stream ends after the rest)."""
    events = [] if before is not None else [_event(EventKind.SESSION_CREATED, session)]
    known = before.interactions if before is not None else {}
    for interaction in reversed(session.interactions):  # oldest first
        status = _result_status(interaction)
        if interaction.id not in known:
            events.append(
                _event(
                    EventKind.INTERACTION_STARTED,
                    session,
                    interaction_id=interaction.id,
                    step=interaction.step,
                )
            )
        if status is not None and known.get(interaction.id) is None:
            events.append(
                _event(
                    EventKind.INTERACTION_FINISHED,
                    session,
                    interaction_id=interaction.id,
                    step=interaction.step,
                    result_status=status,
                )
            )
    if before is not None and (before.status, before.attempt, before.updated_at) != (
        session.status.value,
        session.attempt,
        session.updated_at,
    ):
        events.append(_event(EventKind.SESSION_UPDATED, session))
    return events


def seen(session: Session) -> Seen:
    return Seen(session.status.value, session.attempt, session.updated_at, _interactions(session))


class LocalChanges:
    """Publishes on ``app``'s bus what other processes change in the sessions of ``scope``,
    from a daemon thread, until ``stop``."""

    def __init__(
        self, app: App, scope: Scope, database: Path, *, poll_seconds: float = POLL_SECONDS
    ) -> None:
        self.app = app
        self.scope = scope
        self.database = database
        self.poll_seconds = poll_seconds
        self._seen: dict[int, Seen] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Read the sessions as they are (nothing is published for them), then watch."""
        # The file's version first: a commit made during the first reading is read again.
        connection = sqlite3.connect(self.database, check_same_thread=False)
        version = _data_version(connection)
        self._seen = {s.id: seen(s) for s in self._read()}
        self._thread = threading.Thread(
            target=self._watch, args=(connection, version), name="local-changes", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(10)

    def _watch(self, connection: sqlite3.Connection, version: int) -> None:
        with closing(connection):
            while not self._stopping.wait(self.poll_seconds):
                now = _data_version(connection)
                if now == version:
                    continue
                try:
                    self.publish_changes()
                except Exception:  # a broken read: the next poll reads again
                    log.exception("could not read the sessions' changes")
                    continue
                version = now

    def publish_changes(self) -> None:
        """Read the sessions again and publish what changed since the last reading."""
        for session in self._read():
            for event in changes(self._seen.get(session.id), session):
                self.app.events.publish(event)
            self._seen[session.id] = seen(session)

    def _read(self) -> list[Session]:
        """The sessions of every root that is running or changed, with their interactions,
        children before their root (whose finishing update ends a stream)."""
        flat: list[Session] = []
        for listed in self.app.sessions.session_trees(self.scope):
            if listed.status.is_terminal and self._unchanged(listed):
                continue  # a finished run nobody touched: not read again
            root = self.app.sessions.session_tree(self.scope, listed.id)
            flat.extend(root.child_sessions)
            flat.append(root)
        return flat

    def _unchanged(self, root: Session) -> bool:
        """The root and its children as last read (their interactions were not loaded)."""
        for session in (root, *root.child_sessions):
            before = self._seen.get(session.id)
            if before is None or (before.status, before.attempt, before.updated_at) != (
                session.status.value,
                session.attempt,
                session.updated_at,
            ):
                return False
        return True


def _data_version(connection: sqlite3.Connection) -> int:
    row = connection.execute("PRAGMA data_version").fetchone()
    return int(row[0])
