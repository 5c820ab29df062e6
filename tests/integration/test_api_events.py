"""The session event stream, read over a real uvicorn on 127.0.0.1, on SQLite and PostgreSQL.

FastAPI's test client cannot read an endless stream, so a server runs in a thread over the
test's ``app`` and a reader thread parses the stream, each wait bounded by a timeout.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient

from codemyspec.bootstrap import App
from codemyspec.component_coding_sessions import SESSION_TYPE as COMPONENT_SESSION_TYPE
from codemyspec.context_coding_sessions import SESSION_TYPE as CONTEXT_SESSION_TYPE
from codemyspec.scope import Scope
from codemyspec.sessions import SessionAttrs, SessionStatus, SessionUpdate
from tests.support.api_callers import Caller, api_in_thread, make_caller, post
from tests.support.event_streams import WAIT_SECONDS, EventStream
from tests.support.postgres import on_both_databases

pytestmark = on_both_databases


@pytest.fixture
def server(app: App) -> Iterator[str]:
    with api_in_thread(app, wait_seconds=WAIT_SECONDS) as base:
        yield base


@dataclass(frozen=True)
class Family:
    """A context session with three component sessions, and an unrelated session beside it."""

    scope: Scope
    project_id: int
    parent_id: int
    child_ids: list[int]
    other_id: int


@pytest.fixture
def family(app: App, client: TestClient, alice: Caller) -> Family:
    project_id = post(client, alice, "/api/projects", {"name": "shop", "package": "shop"})["id"]
    components = f"/api/projects/{project_id}/components"
    context = post(client, alice, components, {"module_name": "Billing", "type": "context"})
    children = [
        post(
            client,
            alice,
            components,
            {"module_name": f"Billing.{name}", "parent_component_id": context["id"]},
        )
        for name in ("Money", "Ledger", "Tax")
    ]
    new_context_session = {
        "type": CONTEXT_SESSION_TYPE,
        "project_id": project_id,
        "component_id": context["id"],
    }
    parent = post(client, alice, "/api/sessions", new_context_session)
    orders = post(client, alice, components, {"module_name": "Orders", "type": "context"})
    other = post(
        client, alice, "/api/sessions", new_context_session | {"component_id": orders["id"]}
    )
    # The API takes no parent session: child sessions are the engine's to create.
    scope = Scope(account_id=alice.account_id, project_id=project_id, user_id=alice.user_id)
    child_ids = [
        app.sessions.create_session(
            scope,
            SessionAttrs(
                type=COMPONENT_SESSION_TYPE, component_id=child["id"], session_id=parent["id"]
            ),
        ).id
        for child in children
    ]
    return Family(scope, project_id, parent["id"], child_ids, other["id"])


def test_a_watcher_of_a_parent_session_receives_its_childrens_status_changes_in_order(
    app: App, server: str, alice: Caller, family: Family
) -> None:
    parent, (first, second, third) = family.parent_id, family.child_ids
    stream = EventStream(f"{server}/api/sessions/{parent}/events", alice.headers)
    snapshot = stream.next()
    assert snapshot is not None and snapshot.event == "snapshot"
    assert snapshot.data["id"] == parent
    assert [child["id"] for child in snapshot.data["child_sessions"]] == family.child_ids

    app.sessions.update_session(family.scope, first, SessionUpdate(status=SessionStatus.COMPLETE))
    app.sessions.update_session(
        family.scope, family.other_id, SessionUpdate(state={"note": "not watched"})
    )
    app.sessions.update_session(
        family.scope, second, SessionUpdate(status=SessionStatus.FAILED, state={"error": "red"})
    )
    cancelled = httpx.post(
        f"{server}/api/sessions/{parent}/cancel", headers=alice.headers, timeout=WAIT_SECONDS
    )
    assert cancelled.status_code == 200, cancelled.text

    messages = stream.rest()
    assert [(m.event, m.data["session_id"], m.data["status"]) for m in messages] == [
        ("session_updated", first, "complete"),
        ("child_finished", first, "complete"),
        ("session_updated", second, "failed"),
        ("child_finished", second, "failed"),
        ("session_updated", third, "cancelled"),
        ("child_finished", third, "cancelled"),
        ("session_updated", parent, "cancelled"),
        ("session_finished", parent, "cancelled"),
    ]
    assert [m.id for m in [snapshot, *messages]] == list(range(1, 10))
    assert {m.data["parent_session_id"] for m in messages[:6]} == {parent}


def test_the_stream_ends_after_the_watched_session_is_cancelled(
    server: str, alice: Caller, family: Family
) -> None:
    child = family.child_ids[0]
    stream = EventStream(
        f"{server}/api/sessions/{child}/events?project_id={family.project_id}", alice.headers
    )
    snapshot = stream.next()
    assert snapshot is not None and snapshot.data["status"] == "active"

    cancelled = httpx.post(
        f"{server}/api/sessions/{child}/cancel", headers=alice.headers, timeout=WAIT_SECONDS
    )
    assert cancelled.status_code == 200, cancelled.text

    messages = stream.rest()
    assert [(m.event, m.data["session_id"], m.data["status"]) for m in messages] == [
        ("session_updated", child, "cancelled"),
        ("session_finished", child, "cancelled"),
    ]


def test_a_session_already_over_gets_its_snapshot_and_the_stream_ends(
    app: App, server: str, alice: Caller, family: Family
) -> None:
    child = family.child_ids[0]
    app.sessions.update_session(family.scope, child, SessionUpdate(status=SessionStatus.COMPLETE))

    stream = EventStream(f"{server}/api/sessions/{child}/events", alice.headers)

    assert [(m.event, m.data["status"]) for m in stream.rest()] == [("snapshot", "complete")]


def test_a_client_that_goes_away_is_unsubscribed(
    app: App, server: str, alice: Caller, family: Family
) -> None:
    subscribers = app.events._subscribers
    before = len(subscribers)
    stream = EventStream(
        f"{server}/api/sessions/{family.parent_id}/events", alice.headers, stop_after=1
    )
    snapshot = stream.next()
    assert snapshot is not None and snapshot.event == "snapshot"
    assert stream.next() is None, "the client closed its connection after the snapshot"

    deadline = time.monotonic() + WAIT_SECONDS
    while len(subscribers) != before:
        assert time.monotonic() < deadline, "the stream's subscriber outlived its client"
        time.sleep(0.02)


def test_another_accounts_session_is_404_and_no_token_is_401_before_any_stream(
    app: App, client: TestClient, family: Family
) -> None:
    mallory = make_caller(app, "evil", "mallory@evil.test")
    path = f"/api/sessions/{family.parent_id}/events"

    assert client.get(path, headers=mallory.headers).status_code == 404
    foreign_project = client.get(
        path, params={"project_id": family.project_id}, headers=mallory.headers
    )
    assert foreign_project.status_code == 404
    anonymous = client.get(path)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"


def test_the_openapi_schema_describes_the_event_stream(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/sessions/{session_id}/events"]
    answer = operation["get"]["responses"]["200"]
    assert list(answer["content"]) == ["text/event-stream"]
    assert "child_finished" in answer["description"]
