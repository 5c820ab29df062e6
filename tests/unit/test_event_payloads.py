"""The NOTIFY payload of a session event: the whole event, tagged, always under the limit."""

from __future__ import annotations

import logging

import pytest

from codemyspec.sessions import EventEncoder, EventKind, SessionEvent, decode_event
from codemyspec.sessions.relay import CUT_TEXT_CHARS, MAX_PAYLOAD_BYTES


def test_an_ordinary_event_travels_whole_with_its_origin() -> None:
    event = SessionEvent(
        kind=EventKind.INTERACTION_FINISHED,
        session_id=12,
        account_id=3,
        parent_session_id=7,
        status="active",
        interaction_id=40,
        step="ComponentCodingSessions.Steps.RunTests",
        result_status="ok",
    )

    relayed = decode_event(EventEncoder("server-a").encode(event))

    assert relayed is not None
    assert relayed.origin == "server-a"
    assert relayed.event == event


def test_two_equal_events_get_different_payloads() -> None:
    """PostgreSQL folds identical notifications of one transaction into one."""
    encoder = EventEncoder("server-a")
    event = SessionEvent(kind=EventKind.SESSION_UPDATED, session_id=1, account_id=1)

    assert encoder.encode(event) != encoder.encode(event)


@pytest.mark.parametrize("character", ["x", "é", "\x01", "🙂"])
def test_a_huge_event_is_cut_under_the_notify_limit_and_keeps_its_ids(character: str) -> None:
    huge = character * 20_000  # JSON escapes \x01 to six bytes; the emoji is four in UTF-8
    event = SessionEvent(
        kind=EventKind.INTERACTION_STARTED,
        session_id=99,
        account_id=5,
        parent_session_id=98,
        status=huge,
        interaction_id=1234,
        step=huge,
        result_status=huge,
    )

    payload = EventEncoder("f" * 32).encode(event)

    assert len(payload.encode()) <= MAX_PAYLOAD_BYTES < 8000
    relayed = decode_event(payload)
    assert relayed is not None
    assert relayed.event.step == huge[:CUT_TEXT_CHARS]
    kept = relayed.event.model_dump(exclude={"step", "status", "result_status"})
    assert kept == event.model_dump(exclude={"step", "status", "result_status"})


def test_a_payload_that_is_not_an_event_is_ignored_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        assert decode_event('{"hello": "world"}') is None
        assert decode_event("not json") is None

    assert "ignored a notification on codemyspec_events that is not an event" in caplog.text
