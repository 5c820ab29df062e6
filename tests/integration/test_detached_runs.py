"""``implement --detach`` against a real ``codemyspec serve`` with a real redis-server broker.

No worker runs here: what the workers would receive is read off Redis as Celery (kombu)
left it, one JSON message per task in the queue's list. The workers' own tests run them.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from codemyspec.workers import DRIVE_TASK, JOIN_TASK
from tests.support.cli_project import CliProject, make_cli_project
from tests.support.cli_runs import NAMES, flat, invoke, use
from tests.support.git_repos import git
from tests.support.postgres import on_both_databases
from tests.support.redis_server import RedisServer
from tests.support.served import served

pytestmark = pytest.mark.slow

QUEUE_TIMEOUT = 60.0


@pytest.fixture
def server(
    database_url: str, token: str, tmp_path: Path, redis_server: RedisServer
) -> Iterator[str]:
    """The server with its broker; it sweeps often and sends a session nobody holds again
    after a second (the defaults are 5 s and twice the lease)."""
    args = ["--broker", redis_server.url, "--sweep-seconds", "0.1", "--redispatch-seconds", "1"]
    with served(database_url, tmp_path / "server.log", args=args) as base:
        yield base


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliProject:
    made = make_cli_project(tmp_path / "a", NAMES)
    use(made, monkeypatch)
    return made


def call(server: str, token: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.request(method, f"{server}{path}", headers=headers, timeout=30, **kwargs)


def session_json(server: str, token: str, session_id: int) -> dict[str, Any]:
    response = call(server, token, "GET", f"/api/sessions/{session_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def roots(server: str, token: str) -> list[dict[str, Any]]:
    response = call(server, token, "GET", "/api/sessions", params={"roots_only": True})
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()
    return listed


def messages(redis_server: RedisServer, queue: str) -> list[tuple[str, list[Any]]]:
    """The tasks waiting on ``queue``, oldest first: each one's name and its arguments."""
    found = []
    for raw in reversed(redis_server.client().lrange(queue, 0, -1)):
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        found.append((message["headers"]["task"], args))
    return found


def wait_for_messages(redis_server: RedisServer, queue: str, count: int) -> list[Any]:
    """Once ``count`` tasks wait on ``queue`` (the dispatcher sweeps on its own thread)."""
    deadline = time.monotonic() + QUEUE_TIMEOUT
    while len(found := messages(redis_server, queue)) < count:
        assert time.monotonic() < deadline, f"only {found} on {queue!r}"
        time.sleep(0.05)
    return found


def detach(server: str, *more: str) -> int:
    ran = invoke("implement", "Billing", "--server", server, "--detach", *more)
    assert ran.exit_code == 0, ran.output
    session_id = int(flat(ran.output).split()[1])
    assert flat(ran.output) == (
        f"session {session_id} queued on {more[-1] if more else 'python'}; follow it: "
        f"codemyspec sessions show {session_id} --server {server}"
    )
    return session_id


@on_both_databases
def test_implement_detach_queues_the_session_and_the_server_sends_it_to_the_workers_queue(
    project: CliProject, server: str, token: str, redis_server: RedisServer
) -> None:
    head = git("rev-parse", "HEAD", cwd=project.root).strip()

    session_id = detach(server)

    sent = wait_for_messages(redis_server, "python", 3)
    assert sent == [
        (DRIVE_TASK, [session_id]),
        (JOIN_TASK, [session_id]),
        (JOIN_TASK, [session_id]),
    ]
    record = session_json(server, token, session_id)
    assert (record["detached"], record["queue"], record["status"]) == (True, "python", "active")
    assert record["queued_at"] is not None and record["dispatched_at"] is not None
    assert record["state"]["base_commit"] == head
    assert record["project"]["code_repo"] == str(project.git.remote)
    assert record["interactions"] == [], "nothing ran here"
    branches = git("branch", "--list", cwd=project.root).split()
    assert branches == ["*", "main"], "no branch of the session's in this clone"


def test_a_detached_session_goes_to_the_queue_named(
    project: CliProject, server: str, redis_server: RedisServer
) -> None:
    session_id = detach(server, "--queue", "gpu")

    assert wait_for_messages(redis_server, "gpu", 3)[0] == (DRIVE_TASK, [session_id])
    assert messages(redis_server, "python") == []


def test_sessions_show_says_where_a_detached_session_runs_and_who_holds_it(
    project: CliProject, server: str, token: str
) -> None:
    session_id = detach(server)
    claimed = call(
        server,
        token,
        "POST",
        f"/api/sessions/{session_id}/claim",
        json={"holder": "worker-1:42:abcd", "lease_seconds": 600},
    )
    assert claimed.status_code == 200, claimed.text

    shown = invoke("sessions", "show", str(session_id), "--server", server)

    assert shown.exit_code == 0, shown.output
    assert "detached on python · queued for a worker, last sent" in flat(shown.output)
    assert "run by worker-1:42:abcd (lease until" in flat(shown.output)


def test_cancel_unqueues_a_detached_session_and_resume_sends_it_again(
    project: CliProject, server: str, token: str, redis_server: RedisServer
) -> None:
    session_id = detach(server)
    wait_for_messages(redis_server, "python", 3)
    redis_server.client().delete("python")

    cancelled = invoke("sessions", "cancel", str(session_id), "--server", server)
    after_cancel = session_json(server, token, session_id)
    resumed = invoke("sessions", "resume", str(session_id), "--server", server)

    assert cancelled.exit_code == 0, cancelled.output
    assert flat(cancelled.output) == (
        f"session {session_id} cancelled; its workers stop its agents. `codemyspec sessions "
        f"resume {session_id} --server {server}` would queue it again."
    )
    assert (after_cancel["status"], after_cancel["queued_at"]) == ("cancelled", None)
    assert resumed.exit_code == 0, resumed.output
    assert flat(resumed.output) == (
        f"session {session_id} queued again on python (resume); follow it: "
        f"codemyspec sessions show {session_id} --server {server}"
    )
    assert wait_for_messages(redis_server, "python", 3)[0] == (DRIVE_TASK, [session_id])
    record = session_json(server, token, session_id)
    assert (record["status"], record["interactions"]) == ("active", []), "nothing ran here"


def test_a_detached_session_nobody_holds_is_sent_again_and_a_settled_one_is_not(
    project: CliProject, server: str, token: str, redis_server: RedisServer
) -> None:
    session_id = detach(server)
    wait_for_messages(redis_server, "python", 3)
    redis_server.client().delete("python")
    lapsing = {"holder": "worker-1:42:abcd", "lease_seconds": 0.01}  # a worker that died
    claimed = call(server, token, "POST", f"/api/sessions/{session_id}/claim", json=lapsing)
    assert claimed.status_code == 200, claimed.text

    again = wait_for_messages(redis_server, "python", 1)
    settled = call(server, token, "POST", f"/api/sessions/{session_id}/settle")

    assert again[0] == (DRIVE_TASK, [session_id]), "the driver only: its joiners hold claims"
    assert settled.status_code == 200, settled.text
    assert settled.json()["queued_at"] is None


def test_settling_a_session_that_is_not_detached_is_a_422(
    project: CliProject, server: str, token: str
) -> None:
    detached = session_json(server, token, detach(server))
    invoke("sessions", "cancel", str(detached["id"]), "--server", server)
    started = call(
        server,
        token,
        "POST",
        "/api/context-sessions",
        params={"project_id": detached["project_id"]},
        json={"context": "Billing"},
    )
    assert started.status_code == 201, started.text
    session_id = started.json()["id"]

    settled = call(server, token, "POST", f"/api/sessions/{session_id}/settle")

    assert settled.status_code == 422, settled.text
    assert settled.json() == {
        "detail": f"session {session_id} is not detached: only the workers of a detached "
        "session settle it",
        "error": "ValidationError",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--detach"], "--detach needs a server: pass --server URL or set url under [server]"),
        (["--queue", "python"], "--queue is for a detached run: add --detach"),
    ],
)
def test_detach_without_a_server_is_refused(
    project: CliProject, args: list[str], message: str
) -> None:
    ran = invoke("implement", "Billing", *args)

    assert ran.exit_code == 1
    assert message in flat(ran.output)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--no-push"], "--no-push cannot be used with --detach: the workers share their branches"),
        (["--concurrency", "2"], "--concurrency is not for --detach: each worker has its own"),
        (["--queue", "no space"], "--queue 'no space': a queue's name is letters, digits"),
    ],
)
def test_detach_with_options_it_cannot_honour_is_refused_creating_nothing(
    project: CliProject, server: str, token: str, args: list[str], message: str
) -> None:
    ran = invoke("implement", "Billing", "--server", server, "--detach", *args)

    assert ran.exit_code == 1
    assert message in flat(ran.output)
    assert roots(server, token) == []


def test_detach_refuses_a_head_that_is_not_on_origin(
    project: CliProject, server: str, token: str
) -> None:
    project.git.write("NOTES.md", "not pushed\n")
    git("add", "NOTES.md", cwd=project.root)
    git("commit", "-q", "-m", "Local only", cwd=project.root)
    head = git("rev-parse", "HEAD", cwd=project.root).strip()

    ran = invoke("implement", "Billing", "--server", server, "--detach")

    assert ran.exit_code == 1
    assert (
        f"HEAD of main ({head[:12]}) is not on origin: `git push origin main` first; the "
        "workers start from origin, not from this clone"
    ) in flat(ran.output)
    assert roots(server, token) == []


def test_a_server_without_a_broker_refuses_to_detach(
    project: CliProject, database_url: str, token: str, tmp_path: Path
) -> None:
    with served(database_url, tmp_path / "plain.log") as plain:
        ran = invoke("implement", "Billing", "--server", plain, "--detach")
        listed = roots(plain, token)

    assert ran.exit_code == 1
    assert (
        "detach: the server has no broker: set CODEMYSPEC_BROKER_URL (or broker under "
        "[server] in codemyspec.toml) where `codemyspec serve` runs, or run without --detach"
    ) in flat(ran.output)
    assert listed == []
