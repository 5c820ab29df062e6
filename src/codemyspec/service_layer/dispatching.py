"""Detached sessions: what the server sends to the workers' queues, and when.

A detached root session is *queued* while it wants workers: from ``implement --detach``
and again from a resume or a retry, until a worker reports it settled or it is cancelled.
The server's dispatcher loop sweeps every ``sweep_seconds`` (and at once when woken by a
detach, resume or retry): a queued session never sent goes out as one ``drive`` and its
``join``s; one sent over ``redispatch_seconds`` ago that nobody holds (its claim free or
its lease lapsed) goes out as ``drive`` again. That is how a dead worker's session is
taken over even when Redis lost the message; the claim keeps a second delivery from
running what a live worker runs.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from codemyspec.clock import Clock, utcnow

log = logging.getLogger(__name__)

NO_BROKER = (
    "the server has no broker: set CODEMYSPEC_BROKER_URL (or broker under [server] in "
    "codemyspec.toml) where `codemyspec serve` runs, or run without --detach"
)
DEFAULT_SWEEP_SECONDS = 5.0
DEFAULT_MAX_JOINS = 16


class Dispatch(BaseModel):
    """One sending: the session's ``drive`` on ``queue``, and ``joins`` more workers."""

    model_config = ConfigDict(frozen=True)

    session_id: int
    queue: str
    joins: int = 0
    #: When it had been sent before (restored when this sending fails).
    previous: datetime | None = None


class DispatchSignal:
    """Wakes the dispatcher loop at once: a session was just queued."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def wake(self) -> None:
        self._event.set()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a wake; True when woken."""
        woken = self._event.wait(timeout)
        self._event.clear()
        return woken


class Sender(Protocol):
    """Where dispatches go: ``workers.Dispatcher`` (Celery on Redis)."""

    def drive(self, session_id: int, *, queue: str) -> None: ...

    def join(self, session_id: int, *, queue: str, count: int) -> None: ...


class Dispatching(Protocol):
    """The service's part the loop calls (``SessionsService``)."""

    def dispatch_due(
        self, now: datetime, *, redispatch_seconds: float, max_joins: int
    ) -> list[Dispatch]: ...

    def dispatch_failed(self, dispatch: Dispatch) -> None: ...


class DispatchLoop:
    """The server's daemon thread: sweeps, sends, and survives a broker that is away."""

    def __init__(
        self,
        service: Dispatching,
        sender: Sender,
        signal: DispatchSignal,
        *,
        sweep_seconds: float = DEFAULT_SWEEP_SECONDS,
        redispatch_seconds: float,
        max_joins: int = DEFAULT_MAX_JOINS,
        clock: Clock = utcnow,
    ) -> None:
        self.service = service
        self.sender = sender
        self.signal = signal
        self.sweep_seconds = sweep_seconds
        self.redispatch_seconds = redispatch_seconds
        self.max_joins = max_joins
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep(self) -> list[Dispatch]:
        """Send what is due now; what could not be sent is due again next sweep."""
        due = self.service.dispatch_due(
            self._clock(), redispatch_seconds=self.redispatch_seconds, max_joins=self.max_joins
        )
        sent: list[Dispatch] = []
        for dispatch in due:
            try:
                self.sender.drive(dispatch.session_id, queue=dispatch.queue)
                if dispatch.joins:
                    self.sender.join(
                        dispatch.session_id, queue=dispatch.queue, count=dispatch.joins
                    )
            except Exception as exc:  # the broker's errors are many; each waits a sweep
                log.warning(
                    "could not send session %s to queue %s (sent again next sweep): %s",
                    dispatch.session_id,
                    dispatch.queue,
                    exc,
                )
                self.service.dispatch_failed(dispatch)
                continue
            log.info(
                "session %s sent to queue %s (%s joining)",
                dispatch.session_id,
                dispatch.queue,
                dispatch.joins,
            )
            sent.append(dispatch)
        return sent

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="dispatcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.signal.wake()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sweep()
            except Exception:  # a database hiccup: the next sweep tries again
                log.exception("the dispatcher's sweep failed; trying again next sweep")
            self.signal.wait(self.sweep_seconds)
