"""``codemyspec worker`` end to end: a real redis-server, ``codemyspec serve`` and a worker.

The worker runs outside any repository, in its own folder, with its own runner name; it
clones the project's bare origin and runs the session with the scripted command agent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.cli_project import BRANCH, CliProject, make_cli_project
from tests.support.cli_runs import calls, flat, invoke, use
from tests.support.git_repos import git
from tests.support.redis_server import RedisServer
from tests.support.sample_project import BILLING, code_path
from tests.support.served import served
from tests.support.workers import (
    WorkerProcess,
    dispatch_drive,
    dispatch_join,
    get,
    processes_in,
    start_context_session,
    wait_until,
)

pytestmark = pytest.mark.slow
TWO = ["Money", "Tax"]


@pytest.fixture
def server(database_url: str, token: str, tmp_path: Path) -> Iterator[str]:
    with served(database_url, tmp_path / "server.log") as base:
        yield base


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliProject:
    made = make_cli_project(tmp_path / "repo", TWO)
    use(made, monkeypatch)
    return made


@pytest.fixture
def worker(
    tmp_path: Path, server: str, redis_server: RedisServer, project: CliProject
) -> Iterator[WorkerProcess]:
    folder = tmp_path / "workers" / "w1"
    folder.parent.mkdir()
    started = WorkerProcess(server, redis_server.url, folder, "w1", env={})
    yield started
    started.stop()


def session(server: str, token: str, session_id: int) -> dict[str, object]:
    found: dict[str, object] = get(server, token, f"/api/sessions/{session_id}")
    return found


def test_a_worker_drives_a_dispatched_session_to_one_pushed_commit_in_a_clone_it_removes(
    server: str, token: str, redis_server: RedisServer, project: CliProject, worker: WorkerProcess
) -> None:
    session_id = start_context_session(project, server)

    dispatch_drive(redis_server.url, session_id)

    wait_until(
        lambda: session(server, token, session_id)["status"] != "active",
        f"session {session_id} ended:\n{worker.output}\n{worker.session_logs()}",
    )
    detail = get(server, token, f"/api/sessions/{session_id}")
    assert detail["status"] == "complete", worker.session_logs()
    assert {c["status"] for c in detail["child_sessions"]} == {"complete"}
    origin = project.git.remote
    parents = git("rev-list", "--parents", "-n", "1", BRANCH, cwd=origin).split()
    assert parents[1:] == [git("rev-parse", "main", cwd=origin).strip()], "one commit on main"
    assert {code_path(n) for n in TWO} <= set(project.git.remote_files(BRANCH))
    assert project.git.remote_branches() == sorted(["main", BRANCH]), "child branches gone"
    assert all(len(calls(project, n)) == 1 for n in TWO)
    assert all(
        c["cwd"].startswith(str(worker.workdir / "runs")) for n in TWO for c in calls(project, n)
    )
    worker.wait_for(f"session {session_id}: drive ended with exit status 0")
    assert list((worker.workdir / "runs").iterdir()) == [], "the run's clone is removed"
    assert len(list((worker.workdir / "mirrors").glob("*.git"))) == 1, "the mirror is kept"
    holders = {c["state"]["branch_tip"]["holder"] for c in detail["child_sessions"]}
    assert all(h.startswith("w1:") for h in holders), holders


def test_a_second_delivery_while_the_first_runs_finds_the_claim_and_runs_nothing(
    tmp_path: Path, server: str, token: str, redis_server: RedisServer, project: CliProject
) -> None:
    (tmp_path / "workers").mkdir()
    two_slots = WorkerProcess(
        server, redis_server.url, tmp_path / "workers" / "w2", "w2", {}, "--concurrency", "2"
    )
    try:
        project.set_script("Money", {"delay": 5, "write": BILLING["Money"][0]})
        session_id = start_context_session(project, server)

        dispatch_drive(redis_server.url, session_id)
        dispatch_drive(redis_server.url, session_id)  # as Redis redelivering a long task would

        two_slots.wait_for(f"session {session_id} is held by another runner")
        two_slots.wait_for(f"session {session_id}: drive ended with exit status 0")
    finally:
        two_slots.stop()
    assert session(server, token, session_id)["status"] == "complete"
    assert [len(calls(project, n)) for n in TWO] == [1, 1], "each agent ran once"
    assert list((two_slots.workdir / "runs").iterdir()) == []


def test_a_cancel_on_the_server_stops_the_workers_agent(
    server: str, token: str, redis_server: RedisServer, project: CliProject, worker: WorkerProcess
) -> None:
    project.set_script("Tax", {"hang": 120})
    session_id = start_context_session(project, server)
    dispatch_drive(redis_server.url, session_id)
    wait_until(lambda: bool(calls(project, "Tax")), f"Tax's agent started:\n{worker.output}")

    cancelled = httpx.post(
        f"{server}/api/sessions/{session_id}/cancel",
        headers={"Authorization": f"Bearer {token}"},
        json={"reason": "changed my mind"},
    )

    assert cancelled.status_code == 200, cancelled.text
    worker.wait_for(f"session {session_id}: drive ended with exit status 130")
    assert processes_in(worker.workdir / "runs") == [], "the agent was stopped with its run"
    assert list((worker.workdir / "runs").iterdir()) == []
    assert len(calls(project, "Tax")) == 1, "no agent ran again"
    assert session(server, token, session_id)["status"] == "cancelled"
    assert "interrupted" in worker.session_logs()


def test_a_sigkilled_worker_takes_its_session_process_and_agent_with_it(
    server: str, token: str, redis_server: RedisServer, project: CliProject, worker: WorkerProcess
) -> None:
    project.set_script("Tax", {"hang": 120})
    session_id = start_context_session(project, server)
    dispatch_drive(redis_server.url, session_id)
    wait_until(lambda: bool(calls(project, "Tax")), f"Tax's agent started:\n{worker.output}")
    assert processes_in(worker.workdir / "runs") != []

    worker.proc.kill()  # the worker process only: its session processes have their own groups

    worker.proc.wait()
    wait_until(
        lambda: processes_in(worker.workdir / "runs") == [],
        "the session process and its agent ended with their worker",
        timeout=30,
    )
    assert session(server, token, session_id)["status"] == "active", "nothing recorded as ended"


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ([], {}, "no server: pass --server URL"),
        (["--server", "ftp://x"], {}, "--server: 'ftp://x' is not an http(s) URL"),
        (["--server", "http://127.0.0.1:9"], {"CODEMYSPEC_TOKEN": ""}, "no API token for http"),
        (["--server", "http://127.0.0.1:9"], {}, "no broker: pass --broker redis://"),
        (
            ["--server", "http://127.0.0.1:9", "--broker", "amqp://x"],
            {},
            "--broker: 'amqp://x' is not a Redis URL",
        ),
        (
            ["--server", "http://127.0.0.1:9", "--concurrency", "0"],
            {"CODEMYSPEC_BROKER_URL": "redis://127.0.0.1:1/0"},
            "--concurrency must be 1 or more, not 0",
        ),
        (
            ["--server", "http://127.0.0.1:9", "--queues", "python,,elixir"],
            {"CODEMYSPEC_BROKER_URL": "redis://127.0.0.1:1/0"},
            "--queues: '' is not a queue name",
        ),
        (
            ["--server", "http://127.0.0.1:9", "--visibility-timeout", "0"],
            {"CODEMYSPEC_BROKER_URL": "redis://127.0.0.1:1/0"},
            "--visibility-timeout must be more than 0 seconds, not 0",
        ),
    ],
)
def test_worker_refuses_what_it_cannot_run_with_and_names_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)  # outside any repository
    monkeypatch.setenv("CODEMYSPEC_TOKEN", "cms_whatever")
    monkeypatch.delenv("CODEMYSPEC_BROKER_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    workdir = tmp_path / "w"

    refused = invoke("worker", *args, "--workdir", str(workdir))

    assert refused.exit_code == 1, refused.output
    assert message in flat(refused.output)
    assert not workdir.exists(), "nothing was made"


def test_worker_refuses_a_server_that_does_not_take_its_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: str, token: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CODEMYSPEC_TOKEN", "cms_not-a-token")

    refused = invoke("worker", "--server", server, "--broker", "redis://127.0.0.1:1/0")

    assert refused.exit_code == 1
    assert "token" in flat(refused.output)


def test_a_join_that_comes_before_its_drive_does_not_keep_the_only_slot_from_it(
    server: str, token: str, redis_server: RedisServer, project: CliProject, worker: WorkerProcess
) -> None:
    """A join waiting for its parent's children would hold the slot its drive needs: it
    comes back later instead, and the drive gets the slot."""
    session_id = start_context_session(project, server)

    dispatch_join(redis_server.url, session_id)  # first in line, on a worker of one slot
    dispatch_drive(redis_server.url, session_id)

    wait_until(
        lambda: session(server, token, session_id)["status"] != "active",
        f"session {session_id} ended",
    )
    assert session(server, token, session_id)["status"] == "complete", worker.session_logs()
    assert f"session {session_id} has no children to join yet: sent again" in worker.output
    assert all(len(calls(project, n)) == 1 for n in TWO)


def test_a_session_no_worker_can_run_is_cancelled_with_why_after_three_deliveries(
    server: str, token: str, redis_server: RedisServer, project: CliProject, worker: WorkerProcess
) -> None:
    """A drive that cannot start (here: an agent the repository does not configure) is not
    sent again forever: each failed delivery is recorded, the third cancels the session."""
    session_id = start_context_session(project, server, agent="nowhere")

    dispatch_drive(redis_server.url, session_id)
    worker.wait_for(f"session {session_id}: drive ended with exit status 2")

    once = session(server, token, session_id)
    assert once["status"] == "active", "one failed delivery may be this worker's own"
    assert once["state"]["failed_deliveries"] == 1
    assert "unknown agent 'nowhere'" in once["state"]["error"]
    for _ in range(2):
        dispatch_drive(redis_server.url, session_id)
    wait_until(
        lambda: session(server, token, session_id)["status"] == "cancelled",
        f"session {session_id} cancelled:\n{worker.output}",
    )
    reason = session(server, token, session_id)["state"]["error"]
    assert reason.startswith("workers could not run it (3 times); the last said: unknown agent")
    assert not any(calls(project, n) for n in TWO), "no agent ran"
