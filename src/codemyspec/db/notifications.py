"""PostgreSQL ``LISTEN``/``NOTIFY``: payloads sent inside a transaction, heard by a thread.

``NOTIFY`` inside the writing transaction is delivered only if it commits, so a rolled-back
write tells nobody. The listener holds its own connection (never the pool's), named
``codemyspec-events`` in ``pg_stat_activity``, and reconnects with a growing delay when
PostgreSQL restarts or drops it; what was sent while it was away is not replayed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

LISTENER_NAME = "codemyspec-events"
"""The listener connection's ``application_name``: operators (and tests) find it by it."""
# One statement for all of a transaction's payloads: a spawn of fifty children costs what one
# does. A function scan yields an array's elements in order, so they are sent in order.
_NOTIFY = text(
    "SELECT pg_notify(:channel, payload)"
    " FROM unnest(CAST(:payloads AS text[])) WITH ORDINALITY AS sent(payload, number)"
    " ORDER BY number"
)
# A database host that vanishes without closing the socket is noticed in about a minute
# (keepalives) instead of never, as the listener only reads; a connection attempt to a host
# that does not answer gives up after ten seconds and is tried again.
_CONNECTION = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
}
STOP_SECONDS = 15.0
"""How long ``stop`` waits for the thread (a connection attempt under way) before leaving it."""


def notify(orm: Session, channel: str, payloads: list[str]) -> None:
    """Send ``payloads`` on ``channel`` when ``orm``'s transaction commits, in this order."""
    orm.execute(_NOTIFY, {"channel": channel, "payloads": payloads})


@dataclass(frozen=True, slots=True)
class Backoff:
    """How long the listener waits before reconnecting: ``first``, doubled up to ``most``."""

    first: float = 0.2
    most: float = 10.0


class NotificationListener:
    """``LISTEN channel`` in a daemon thread; each payload from another connection goes to
    ``deliver`` (in that thread). ``poll_seconds`` bounds how long ``stop`` waits."""

    def __init__(
        self,
        url: str,
        channel: str,
        deliver: Callable[[str], None],
        *,
        backoff: Backoff = Backoff(),
        poll_seconds: float = 0.5,
    ) -> None:
        # SQLAlchemy's URL names its driver; libpq wants the plain scheme.
        self._conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)
        self._channel = channel
        self._deliver = deliver
        self._backoff = backoff
        self._poll_seconds = poll_seconds
        self._stopping = threading.Event()
        self.listening = threading.Event()
        """Set while the connection is up and listening."""
        self._thread = threading.Thread(target=self._run, name=LISTENER_NAME, daemon=True)

    def start(self, *, ready_seconds: float) -> bool:
        """Start listening; waits up to ``ready_seconds`` for the first ``LISTEN`` so that a
        server that answers also hears. False when it is still trying (it goes on)."""
        self._thread.start()
        return self.listening.wait(ready_seconds)

    def stop(self) -> None:
        """Stop listening; a daemon thread still connecting is left to end with the process."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(STOP_SECONDS)

    def _run(self) -> None:
        delay = self._backoff.first
        while not self._stopping.is_set():
            try:
                self._listen()
                return
            except Exception as exc:  # psycopg's errors, and anything a bad server sends
                if self.listening.is_set():
                    delay = self._backoff.first  # it was up: this is a new outage
                self.listening.clear()
                log.warning(
                    "event listener lost PostgreSQL (%s); reconnecting in %.1fs", exc, delay
                )
            self._stopping.wait(delay)
            delay = min(delay * 2, self._backoff.most)

    def _listen(self) -> None:
        """One connection's life: listen, hand over payloads until stopped or it breaks."""
        import psycopg
        from psycopg import sql
        from psycopg.conninfo import make_conninfo

        conninfo = make_conninfo(self._conninfo, application_name=LISTENER_NAME, **_CONNECTION)
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
            self.listening.set()
            log.info("event listener is listening on %s", self._channel)
            while not self._stopping.is_set():
                for note in connection.notifies(timeout=self._poll_seconds):
                    self._hand_over(note.payload)

    def _hand_over(self, payload: str) -> None:
        """A receiver that fails loses that payload only, never the connection."""
        try:
            self._deliver(payload)
        except Exception:
            log.exception("event listener could not deliver a notification")
