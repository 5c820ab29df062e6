"""Two real ``codemyspec serve`` processes on one PostgreSQL database: a session driven
through server A is watched on server B, only by its own account, even after the listeners'
connections are cut."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from codemyspec.commands import Result
from codemyspec.context_coding_sessions import SESSION_TYPE
from codemyspec.db import LISTENER_NAME
from tests.support.event_streams import EventStream, Message
from tests.support.postgres import PostgresServer, running_postgres
from tests.support.served import Served, make_token

WAIT_SECONDS = 60.0  # two servers and PostgreSQL on a loaded machine
OK = Result.ok().model_dump(mode="json")


@dataclass(frozen=True)
class Servers:
    database_url: str
    a: str
    b: str


@contextmanager
def two_servers(postgres: PostgresServer, logs: Path) -> Iterator[Servers]:
    """Servers A and B on one new database of ``postgres``."""
    url = postgres.database_url()
    make_token(url, "setup", "setup@setup.test")  # migrates before both servers start
    started = [Served(url, logs / f"serve-{name}.log") for name in ("a", "b")]
    try:
        for server in started:
            server.start(timeout=WAIT_SECONDS)
        yield Servers(url, started[0].url, started[1].url)
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def servers(postgres_server: PostgresServer, tmp_path: Path) -> Iterator[Servers]:
    with two_servers(postgres_server, tmp_path) as both:
        yield both


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A cluster of this test's own, which it may restart without upsetting other tests."""
    with running_postgres() as server:
        if server is None:
            pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
        yield server


class Member:
    """One account's member talking to the servers with its token."""

    def __init__(self, servers: Servers, account: str) -> None:
        token = make_token(servers.database_url, account, f"dev@{account}.test")
        self.headers = {"Authorization": f"Bearer {token}"}

    def post(self, base: str, path: str, body: Any = None) -> Any:
        response = httpx.post(f"{base}{path}", json=body, headers=self.headers, timeout=30)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def context_session(self, base: str, context: str) -> int:
        """A project with a context of one component, and a context session for it."""
        project = self.post(base, "/api/projects", {"name": context.lower(), "package": "shop"})
        components = f"/api/projects/{project['id']}/components"
        made = self.post(base, components, {"module_name": context, "type": "context"})
        child = {"module_name": f"{context}.Money", "parent_component_id": made["id"]}
        self.post(base, components, child)
        body = {"type": SESSION_TYPE, "project_id": project["id"], "component_id": made["id"]}
        return int(self.post(base, "/api/sessions", body)["id"])

    def watch(self, base: str, session_id: int) -> EventStream:
        """A stream of the session's events, once its snapshot (and so its subscription) is in."""
        stream = EventStream(
            f"{base}/api/sessions/{session_id}/events", self.headers, wait_seconds=WAIT_SECONDS
        )
        snapshot = stream.next()
        assert snapshot is not None and snapshot.event == "snapshot", stream.error
        assert snapshot.data["id"] == session_id
        return stream

    def drive(self, base: str, session_id: int) -> None:
        """A first command and its result, then a cancel: every kind of change, then the end."""
        interaction = self.post(base, f"/api/sessions/{session_id}/next-command")
        self.post(base, f"/api/sessions/{session_id}/interactions/{interaction['id']}/result", OK)
        self.post(base, f"/api/sessions/{session_id}/cancel", {"reason": "seen enough"})


def _seen(messages: list[Message]) -> list[tuple[str, int, str | None]]:
    return [(m.event, m.data["session_id"], m.data.get("status")) for m in messages]


def _driven(session_id: int) -> list[tuple[str, int, str | None]]:
    return [
        ("interaction_started", session_id, "active"),
        ("interaction_finished", session_id, "active"),
        ("session_updated", session_id, "active"),
        ("session_updated", session_id, "cancelled"),
        ("session_finished", session_id, "cancelled"),
    ]


def test_a_watcher_on_server_b_follows_a_session_driven_through_server_a(
    servers: Servers,
) -> None:
    alice, mallory = Member(servers, "acme"), Member(servers, "evil")
    session = alice.context_session(servers.a, "Billing")
    hers = mallory.context_session(servers.a, "Orders")
    watching = alice.watch(servers.b, session)
    spying = mallory.watch(servers.b, hers)

    alice.drive(servers.a, session)
    messages = watching.rest()
    # Mallory's own session ends her stream: anything of Alice's would have come before.
    mallory.post(servers.a, f"/api/sessions/{hers}/cancel")

    assert _seen(messages) == _driven(session)
    assert messages[0].data["step"] == "ContextCodingSessions.Steps.Initialize"
    assert messages[1].data["result_status"] == "ok"
    assert _seen(spying.rest()) == [
        ("session_updated", hers, "cancelled"),
        ("session_finished", hers, "cancelled"),
    ]


def _listener_pids(database_url: str) -> set[int]:
    """The backends of the servers' listeners that have finished their ``LISTEN``."""
    url = make_url(database_url)
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(False)) as admin:
        rows = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = %s"
            " AND state = 'idle' AND query LIKE 'LISTEN %%'",
            (LISTENER_NAME, url.database),
        ).fetchall()
        return {int(row[0]) for row in rows}


def _terminate(database_url: str, pids: set[int]) -> None:
    url = make_url(database_url)
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(False)) as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_events_still_cross_after_the_listeners_connections_are_killed(
    servers: Servers,
) -> None:
    alice = Member(servers, "acme")
    killed = _listener_pids(servers.database_url)
    assert len(killed) == 2, "one listener per server"

    _terminate(servers.database_url, killed)

    _wait_for_listeners(servers.database_url, besides=killed)
    _follow_a_session_across(servers, alice)


def test_events_still_cross_after_postgresql_restarts(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    with two_servers(own_postgres, tmp_path) as servers:
        alice = Member(servers, "acme")
        before = _listener_pids(servers.database_url)

        own_postgres.restart()

        _wait_for_listeners(servers.database_url, besides=before)
        _follow_a_session_across(servers, alice)


def _wait_for_listeners(database_url: str, *, besides: set[int]) -> None:
    """Both servers listen again, on connections other than ``besides``."""
    deadline = time.monotonic() + WAIT_SECONDS
    while len(_listener_pids(database_url) - besides) < 2:
        assert time.monotonic() < deadline, "the servers' listeners did not reconnect"
        time.sleep(0.1)


def _follow_a_session_across(servers: Servers, member: Member) -> None:
    session = member.context_session(servers.a, "Billing")
    watching = member.watch(servers.b, session)
    member.drive(servers.a, session)

    assert _seen(watching.rest()) == _driven(session)
