"""Session events on the wire between server processes (PostgreSQL ``NOTIFY`` payloads).

The payload is the whole event, not its ids: an event is a handful of ids, enums and a step
name, far under PostgreSQL's 8000-byte limit, and carrying it whole spares every receiving
process a database read per event and keeps events in the order they were written. The
one text a caller chooses (a step name) is cut if it ever made a payload too long.
"""

from __future__ import annotations

import itertools
import logging

from pydantic import BaseModel, ValidationError

from codemyspec.sessions.events import SessionEvent

log = logging.getLogger(__name__)

EVENTS_CHANNEL = "codemyspec_events"
MAX_PAYLOAD_BYTES = 7999
"""PostgreSQL refuses a ``NOTIFY`` payload of 8000 bytes or more (its default build)."""
CUT_TEXT_CHARS = 256
"""What an over-long text field keeps: three of them, each character JSON-escaped to six
bytes at worst, still leave the payload under the limit."""
_TEXT_FIELDS = ("step", "status", "result_status")


class RelayedEvent(BaseModel):
    """An event as sent: the process that wrote it (``origin``), and a number that keeps two
    equal events of one transaction apart (PostgreSQL folds identical notifications)."""

    origin: str
    number: int
    event: SessionEvent


class EventEncoder:
    """Turns one process's events into payloads tagged with that process's ``origin``."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self._numbers = itertools.count(1)

    def encode(self, event: SessionEvent) -> str:
        """The payload for ``event``, always under ``MAX_PAYLOAD_BYTES``."""
        relayed = RelayedEvent(origin=self.origin, number=next(self._numbers), event=event)
        payload = relayed.model_dump_json()
        if len(payload.encode()) <= MAX_PAYLOAD_BYTES:
            return payload
        cut = {
            name: value[:CUT_TEXT_CHARS]
            for name in _TEXT_FIELDS
            if isinstance(value := getattr(event, name), str)
        }
        relayed = relayed.model_copy(update={"event": event.model_copy(update=cut)})
        return relayed.model_dump_json()


def decode_event(payload: str) -> RelayedEvent | None:
    """The event in ``payload``, or None (logged) when it is not one: a stray ``NOTIFY`` on
    the channel must not stop the listener."""
    try:
        return RelayedEvent.model_validate_json(payload)
    except ValidationError as exc:
        log.warning("ignored a notification on %s that is not an event: %s", EVENTS_CHANNEL, exc)
        return None
