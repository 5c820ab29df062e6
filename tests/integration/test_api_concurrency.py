"""Racing clients against a real uvicorn: one result per interaction, one pending command."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from codemyspec.bootstrap import App
from codemyspec.commands import Result
from codemyspec.context_coding_sessions import SESSION_TYPE
from codemyspec.sessions import EventKind, SessionEvent
from tests.support.api_callers import Caller, api_in_thread
from tests.support.postgres import on_both_databases

pytestmark = on_both_databases

RACERS = 16


@pytest.fixture
def base_url(app: App) -> Iterator[str]:
    with api_in_thread(app) as base:
        yield base


@pytest.fixture
def http(base_url: str, alice: Caller) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers=alice.headers, timeout=60) as client:
        yield client


def post(http: httpx.Client, path: str, body: Any = None) -> Any:
    response = http.post(path, json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture
def session_id(http: httpx.Client) -> int:
    """A context coding session on Billing (with one component) that has no command yet."""
    pid = post(http, "/api/projects", {"name": "shop", "package": "shop"})["id"]
    context = post(
        http, f"/api/projects/{pid}/components", {"module_name": "Billing", "type": "context"}
    )
    post(
        http,
        f"/api/projects/{pid}/components",
        {"module_name": "Billing.Money", "parent_component_id": context["id"]},
    )
    body = {"type": SESSION_TYPE, "project_id": pid, "component_id": context["id"]}
    return int(post(http, "/api/sessions", body)["id"])


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


def race(base_url: str, headers: dict[str, str], path: str, body: Any = None) -> list[Answer]:
    """POST ``path`` from RACERS threads at once, each with its own connection."""
    barrier = threading.Barrier(RACERS)

    def one() -> Answer:
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
            client.get("/openapi.json")  # connect before the start line, so the posts overlap
            barrier.wait(timeout=30)
            response = client.post(path, json=body)
            return Answer(response.status_code, response.json())

    with ThreadPoolExecutor(RACERS) as pool:
        futures = [pool.submit(one) for _ in range(RACERS)]
        return [future.result() for future in futures]


def count(events: list[SessionEvent], kind: EventKind, session_id: int) -> int:
    return sum(1 for e in events if e.kind is kind and e.session_id == session_id)


def test_the_same_result_posted_at_once_is_applied_once_and_the_rest_are_409(
    base_url: str, alice: Caller, http: httpx.Client, session_id: int, events: list[SessionEvent]
) -> None:
    first = post(http, f"/api/sessions/{session_id}/next-command")
    events.clear()
    ok = Result.ok().model_dump(mode="json")

    answers = race(
        base_url, alice.headers, f"/api/sessions/{session_id}/interactions/{first['id']}/result", ok
    )

    statuses = sorted(a.status for a in answers)
    assert statuses == [200] + [409] * (RACERS - 1), [a.body for a in answers]
    for refused in (a for a in answers if a.status == 409):
        assert "already has a result" in refused.body["detail"]
    session = http.get(f"/api/sessions/{session_id}").json()
    assert [i["id"] for i in session["interactions"]] == [first["id"]]
    assert session["interactions"][0]["result"]["status"] == "ok"
    assert session["interactions"][0]["completed_at"] is not None
    assert session["state"]["branch_name"] == "code-context-coding-session-for-billing"
    assert count(events, EventKind.INTERACTION_FINISHED, session_id) == 1
    assert count(events, EventKind.SESSION_UPDATED, session_id) == 1


def test_next_command_asked_for_at_once_hands_everyone_the_same_interaction(
    base_url: str, alice: Caller, http: httpx.Client, session_id: int, events: list[SessionEvent]
) -> None:
    answers = race(base_url, alice.headers, f"/api/sessions/{session_id}/next-command")

    assert [a.status for a in answers] == [200] * RACERS, [a.body for a in answers]
    assert len({a.body["id"] for a in answers}) == 1
    session = http.get(f"/api/sessions/{session_id}").json()
    assert [i["id"] for i in session["interactions"]] == [answers[0].body["id"]]
    assert session["interactions"][0]["result"] is None
    assert count(events, EventKind.INTERACTION_STARTED, session_id) == 1
