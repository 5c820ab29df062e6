"""In-process events: every change to a session is published to its subscribers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from codemyspec.clock import utcnow

log = logging.getLogger(__name__)


class EventKind(StrEnum):
    SESSION_CREATED = "session_created"
    SESSION_UPDATED = "session_updated"
    SESSION_DELETED = "session_deleted"
    INTERACTION_STARTED = "interaction_started"
    INTERACTION_FINISHED = "interaction_finished"


class SessionEvent(BaseModel):
    """What changed, on which session, and (for interactions) which step and how it went."""

    kind: EventKind
    session_id: int
    account_id: int
    parent_session_id: int | None = None
    status: str | None = None
    interaction_id: int | None = None
    step: str | None = None
    result_status: str | None = None
    at: datetime = Field(default_factory=utcnow)


Subscriber = Callable[[SessionEvent], None]


class EventBus:
    """Fan-out to subscribers; one that raises is logged and never stops the others."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add a subscriber; returns the function that removes it."""
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, event: SessionEvent) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(event)
            except Exception:
                log.exception("event subscriber failed on %s", event.kind)
