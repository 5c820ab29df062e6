"""Killing or interrupting the runner loses nothing: ``resume`` finishes the job once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from codemyspec.agents import CommandAgent
from codemyspec.bootstrap import App
from codemyspec.runner import RunnerConfig
from codemyspec.sessions import Session, SessionAttrs, SessionStatus
from tests.support.git_repos import git
from tests.support.sample_project import BILLING, Sample, make_sample, scripted_agent_argv

ROOT = Path(__file__).resolve().parents[2]
BRANCH = "code-context-coding-session-for-billing"
NAMES = ["Money", "Tax", "Fee"]


@pytest.fixture
def sample(app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sample:
    made = make_sample(app, tmp_path / "sample", NAMES)
    for name in NAMES:
        made.set_script(name, {"delay": 4, "write": BILLING[name][0]})
    monkeypatch.setenv("SCRIPTED_AGENT_SCRIPT", str(made.script_path))
    return made


@pytest.fixture
def spawned() -> Iterator[list[subprocess.Popen[str]]]:
    """Runner processes a test starts; any still alive at teardown is killed."""
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for proc in processes:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def start_runner(
    sample: Sample, database_url: str, session: Session, spawned: list[subprocess.Popen[str]]
) -> subprocess.Popen[str]:
    argv = [
        sys.executable,
        "-m",
        "tests.support.run_session",
        database_url,
        str(sample.scope.account_id),
        str(sample.project.id),
        str(session.id),
        "run",
    ]
    proc = subprocess.Popen(
        argv,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    spawned.append(proc)
    return proc


def wait_for_agents(sample: Sample, count: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while len(sample.calls()) < count:
        if proc.poll() is not None:
            pytest.fail(f"the runner ended early: {proc.communicate()}")
        assert time.monotonic() < deadline, "the agents never started"
        time.sleep(0.1)


def new_session(sample: Sample) -> Session:
    return sample.app.sessions.create_session(
        sample.scope,
        SessionAttrs(
            type="ContextCodingSessions", component_id=sample.context.id, agent="scripted"
        ),
    )


def resume(sample: Sample, session: Session) -> Session:
    agents = {"scripted": CommandAgent("scripted", scripted_agent_argv())}
    runner = sample.app.runner(sample.project, RunnerConfig(), agents=agents)
    return runner.resume(sample.scope, session.id)


def assert_finished_once(sample: Sample, done: Session, main_head: str) -> None:
    assert done.status is SessionStatus.COMPLETE
    assert len(sample.app.sessions.list_sessions(sample.scope, parent_id=done.id)) == len(NAMES)
    for child in done.child_sessions:
        full = sample.app.sessions.get_session(sample.scope, child.id)
        steps = Counter(i.step.rsplit(".", 1)[-1] for i in full.interactions)
        assert steps == Counter(
            {"Initialize": 1, "GenerateImplementation": 1, "RunTests": 1, "Finalize": 1}
        ), f"{child.component.name if child.component else child.id}: {steps}"
        assert all(i.result is not None for i in full.interactions)
    parents = git("rev-list", "--parents", "-n", "1", BRANCH, cwd=sample.git.remote).split()
    assert parents[1:] == [main_head], "exactly one commit on top of main"


def test_a_runner_killed_mid_children_is_resumed_without_duplicates(
    sample: Sample, database_url: str, spawned: list[subprocess.Popen[str]]
) -> None:
    session = new_session(sample)
    main_head = git("rev-parse", "HEAD", cwd=sample.git.root).strip()
    proc = start_runner(sample, database_url, session, spawned)
    wait_for_agents(sample, len(NAMES), proc)

    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)

    killed = sample.app.sessions.get_session(sample.scope, session.id)
    assert killed.pending_interaction() is not None
    assert all(c.status is SessionStatus.ACTIVE for c in killed.child_sessions)
    done = resume(sample, session)
    assert_finished_once(sample, done, main_head)
    for name in NAMES:
        assert len(sample.calls_for(name)) == 2, "only the pending agent runs are re-executed"


def test_ctrl_c_cancels_the_running_children_and_resume_finishes(
    sample: Sample, database_url: str, spawned: list[subprocess.Popen[str]]
) -> None:
    session = new_session(sample)
    main_head = git("rev-parse", "HEAD", cwd=sample.git.root).strip()
    proc = start_runner(sample, database_url, session, spawned)
    wait_for_agents(sample, len(NAMES), proc)

    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)

    assert proc.returncode == 130, err
    interrupted = sample.app.sessions.get_session(sample.scope, session.id)
    assert {c.status for c in interrupted.child_sessions} == {SessionStatus.CANCELLED}
    assert all(c.state.get("error") == "interrupted" for c in interrupted.child_sessions)
    assert interrupted.status is SessionStatus.ACTIVE
    assert BRANCH not in sample.git.remote_branches()
    done = resume(sample, session)
    assert_finished_once(sample, done, main_head)
