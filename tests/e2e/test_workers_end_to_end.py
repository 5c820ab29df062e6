"""Detached runs on a pool of workers, end to end, every part real.

PostgreSQL and redis-server started here; ``codemyspec serve`` with its dispatcher; two
``codemyspec worker`` processes, each in its own folder under its own runner name; the
real Claude Code CLI against the scripted model; ``implement --detach`` as a user runs it.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

from codemyspec.cli.settings import RunnerSettings
from codemyspec_testing import Reply, ScriptedModel, by_prompt, write
from tests.support.cli_project import BRANCH, CliProject, make_cli_project
from tests.support.cli_runs import flat, invoke, use
from tests.support.git_repos import git
from tests.support.redis_server import RedisServer
from tests.support.sample_project import BILLING, code_path
from tests.support.served import served
from tests.support.workers import WorkerProcess, get, processes_in, wait_until

# On PostgreSQL, as a team's server runs.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("database_backend", ["postgresql"], indirect=True),
]

SIX = ["Money", "Ledger", "Statement", "Fee", "Discount", "Tax"]  # Money → Ledger → Statement
LATENCY = 1.0
LEASE = 3.0


def prompt_key(name: str) -> str:
    return f"write the implementation in: {code_path(name)}"


def script(names: list[str], slow: dict[str, float] | None = None) -> dict[str, list[Any]]:
    """Each component written in one turn, then a last word; ``slow`` ones take longer."""
    delays = {name: (slow or {}).get(name, LATENCY) for name in names}
    return {
        prompt_key(name): [
            Reply(tool_calls=(write(code_path(name), BILLING[name][0]),), delay=delays[name]),
            Reply(text=f"Implemented {name}.", delay=delays[name]),
        ]
        for name in names
    }


@pytest.fixture
def server(
    database_url: str, token: str, tmp_path: Path, redis_server: RedisServer
) -> Iterator[str]:
    """Sweeps often, and sends a session nobody holds again after a lease or so."""
    args = ["--broker", redis_server.url, "--sweep-seconds", "0.2"]
    args += ["--redispatch-seconds", str(LEASE)]
    with served(database_url, tmp_path / "server.log", args=args) as base:
        yield base


def project_of(tmp_path: Path, names: list[str], monkeypatch: pytest.MonkeyPatch) -> CliProject:
    """The user's repository, pushed; a short lease so a dead worker's work moves soon."""
    made = make_cli_project(
        tmp_path / "repo", names, runner=RunnerSettings(lease_seconds=LEASE, poll_seconds=0.3)
    )
    use(made, monkeypatch)
    return made


class Pool:
    """The scripted model, and two workers of two slots each using it, on loopback, each
    with its own folder and HOME."""

    def __init__(
        self, tmp_path: Path, server: str, redis: RedisServer, scripts: dict[str, list[Any]]
    ) -> None:
        self.model = ScriptedModel(by_prompt(scripts)).start()
        (tmp_path / "workers").mkdir()
        self.workers = {
            name: WorkerProcess(
                server,
                redis.url,
                tmp_path / "workers" / name,
                name,
                self.model.env(tmp_path / f"home-{name}"),
                "--concurrency",
                "2",
            )
            for name in ("w1", "w2")
        }

    def logs(self) -> str:
        return "\n".join(f"== {n}\n{w.output}\n{w.session_logs()}" for n, w in self.workers.items())

    def __enter__(self) -> Pool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for worker in self.workers.values():
            worker.stop()
        self.model.__exit__(kind, error, tb)  # what went wrong on the model's side is raised


def detach(server: str) -> int:
    ran = invoke("implement", "Billing", "--server", server, "--detach", "--agent", "claude_code")
    assert ran.exit_code == 0, ran.output
    assert flat(ran.output).startswith("session "), ran.output
    return int(flat(ran.output).split()[1])


def tree(server: str, token: str, session_id: int) -> dict[str, Any]:
    found: dict[str, Any] = get(server, token, f"/api/sessions/{session_id}")
    return found


def wait_until_ended(server: str, token: str, session_id: int, pool: Pool) -> dict[str, Any]:
    """Once the session ended, or waits for a person (its worker settled it)."""

    def ended() -> bool:
        found = tree(server, token, session_id)
        return found["status"] != "active" or found["queued_at"] is None

    wait_until(ended, f"session {session_id} ended", timeout=300)
    return tree(server, token, session_id)


def conversations(model: ScriptedModel, name: str) -> set[str]:
    """The agent runs (Claude Code sessions) that were given ``name`` to write."""
    return {
        r.session_id
        for r in model.conversation_requests
        if r.session_id and prompt_key(name) in r.prompt
    }


def runner_of(child: dict[str, Any]) -> str:
    """The worker (runner name) whose runner finished the child."""
    return str(child["state"]["branch_tip"]["holder"]).split(":", 1)[0]


def complete_once_each(done: dict[str, Any], names: list[str], pool: Pool) -> list[Any]:
    """The session complete, with one complete child per component (no duplicates)."""
    assert done["status"] == "complete", pool.logs()
    children: list[Any] = done["child_sessions"]
    assert sorted(c["component"]["name"] for c in children) == sorted(names), "no duplicates"
    assert {c["status"] for c in children} == {"complete"}
    return children


def assert_one_commit_with(project: CliProject, names: list[str]) -> None:
    origin = project.git.remote
    parents = git("rev-list", "--parents", "-n", "1", BRANCH, cwd=origin).split()
    assert parents[1:] == [git("rev-parse", "main", cwd=origin).strip()], "one commit on main"
    files = set(project.git.remote_files(BRANCH))
    assert {code_path(n) for n in names} <= files
    for name in names:
        shown = git("show", f"{BRANCH}:{code_path(name)}", cwd=origin)
        assert shown == BILLING[name][0]
    assert project.git.remote_branches() == sorted(["main", BRANCH]), "child branches gone"


def test_a_detached_context_of_six_spreads_over_two_workers_into_one_pushed_commit(
    tmp_path: Path,
    server: str,
    token: str,
    redis_server: RedisServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = project_of(tmp_path, SIX, monkeypatch)
    with Pool(tmp_path, server, redis_server, script(SIX)) as pool:
        model = pool.model
        session_id = detach(server)
        done = wait_until_ended(server, token, session_id, pool)
        settled = lambda: tree(server, token, session_id)["queued_at"] is None  # noqa: E731
        wait_until(settled, "the worker that drove it settled it")

    children = complete_once_each(done, SIX, pool)
    assert {runner_of(c) for c in children} == {"w1", "w2"}, "both workers ran children"
    assert all(len(conversations(model, n)) == 1 for n in SIX), "each agent ran once"
    workdirs = {n: str(w.workdir) for n, w in pool.workers.items()}
    for child in children:  # each agent ran in the clone of the worker that ran its child
        name = child["component"]["name"]
        cwds = {r.cwd for r in model.conversation_requests if prompt_key(name) in r.prompt}
        assert all(c and c.startswith(workdirs[runner_of(child)]) for c in cwds), cwds
    assert_one_commit_with(project, SIX)


def test_the_driving_worker_killed_mid_child_loses_nothing_and_repeats_no_finished_child(
    tmp_path: Path,
    server: str,
    token: str,
    redis_server: RedisServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker that drives the parent dies (SIGKILL of its process group, as a machine
    that disappears) while one of its children's agents runs: the other worker finishes."""
    project = project_of(tmp_path, SIX, monkeypatch)
    slow = {name: 4.0 for name in SIX if name != "Money"}  # long enough to be cut off
    with Pool(tmp_path, server, redis_server, script(SIX, slow=slow)) as pool:
        model = pool.model
        session_id = detach(server)

        def driver_mid_child() -> bool:
            found = tree(server, token, session_id)
            driver = str(found["claimed_by"] or "").split(":", 1)[0]
            return driver in pool.workers and bool(running_on(model, pool, driver, found))

        wait_until(driver_mid_child, "the driving worker's runner has an agent running")
        before = tree(server, token, session_id)
        victim = str(before["claimed_by"]).split(":", 1)[0]
        cut_off = running_on(model, pool, victim, before)
        finished_before = completed(before)
        os.killpg(pool.workers[victim].proc.pid, signal.SIGKILL)  # the machine is gone
        pool.workers[victim].proc.wait()
        done = wait_until_ended(server, token, session_id, pool)

    children = complete_once_each(done, SIX, pool)
    survivor = ({"w1", "w2"} - {victim}).pop()
    for child in children:
        name = child["component"]["name"]
        if name in cut_off:
            assert runner_of(child) == survivor, f"{name} was finished by the survivor"
            assert len(conversations(model, name)) == 2, f"{name}'s cut-off run started over"
        else:
            assert len(conversations(model, name)) == 1, f"{name}'s agent ran more than once"
    assert finished_before.isdisjoint(cut_off)
    assert processes_in(pool.workers[victim].workdir) == [], "its agents died with it"
    assert_one_commit_with(project, SIX)


def running_on(model: ScriptedModel, pool: Pool, worker: str, session: dict[str, Any]) -> set[str]:
    """The components not complete whose agent asked the model from ``worker``'s folder."""
    folder = str(pool.workers[worker].workdir)
    return {
        name
        for name in SIX
        if name not in completed(session)
        and any(
            prompt_key(name) in r.prompt and str(r.cwd).startswith(folder)
            for r in model.conversation_requests
        )
    }


def completed(session: dict[str, Any]) -> set[str]:
    """The components whose child sessions are complete."""
    return {c["component"]["name"] for c in session["child_sessions"] if c["status"] == "complete"}


def test_a_redis_restarted_mid_run_is_survived(
    tmp_path: Path,
    server: str,
    token: str,
    redis_server: RedisServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = ["Money", "Ledger", "Fee"]
    project = project_of(tmp_path, names, monkeypatch)
    with Pool(tmp_path, server, redis_server, script(names, slow={"Money": 3.0})) as pool:
        model = pool.model
        session_id = detach(server)
        wait_until(lambda: bool(conversations(model, "Money")), f"an agent\n{pool.logs()}")
        redis_server.restart()
        done = wait_until_ended(server, token, session_id, pool)

    complete_once_each(done, names, pool)
    assert all(len(conversations(model, n)) == 1 for n in names), "no agent ran twice"
    assert_one_commit_with(project, names)


def test_cancelling_a_detached_session_stops_the_workers_agents(
    tmp_path: Path,
    server: str,
    token: str,
    redis_server: RedisServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = ["Money", "Fee"]
    project_of(tmp_path, names, monkeypatch)
    slow = {name: 30.0 for name in names}  # the agents would run on for a minute
    with Pool(tmp_path, server, redis_server, script(names, slow=slow)) as pool:
        model = pool.model
        session_id = detach(server)
        wait_until(
            lambda: all(conversations(model, n) for n in names),
            f"both agents asked the model\n{pool.logs()}",
        )
        cancelled = invoke("sessions", "cancel", str(session_id), "--server", server)
        assert cancelled.exit_code == 0, cancelled.output
        workdirs = [w.workdir for w in pool.workers.values()]
        wait_until(
            lambda: not any(processes_in(folder) for folder in workdirs),
            f"the session processes and agents ended\n{pool.logs()}",
        )
        asked = len(model.conversation_requests)
        done = tree(server, token, session_id)

    assert done["status"] == "cancelled"
    assert {c["status"] for c in done["child_sessions"]} == {"cancelled"}
    assert done["queued_at"] is None
    assert len(model.conversation_requests) == asked, "no agent asked the model again"
    assert all(len(conversations(model, n)) == 1 for n in names)
