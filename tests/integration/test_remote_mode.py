"""Remote mode end to end: ``codemyspec serve`` on 127.0.0.1, runners on their own clones.

The sessions live on the server only; the runners execute commands in their repositories
and share branches through the bare ``origin``.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from codemyspec.cli.settings import ServerSettings
from codemyspec.runner.claims import RUNNER_NAME_ENV
from tests.support.cli_project import BRANCH, CliProject, make_cli_project
from tests.support.cli_runs import (
    NAMES,
    Implementing,
    assert_one_commit_on_main_with_every_component,
    calls,
    flat,
    invoke,
    use,
)
from tests.support.git_repos import git
from tests.support.postgres import on_both_databases
from tests.support.sample_project import BILLING, code_path
from tests.support.served import Served, served

pytestmark = pytest.mark.slow


@pytest.fixture
def server(database_url: str, token: str, tmp_path: Path) -> Iterator[str]:
    with served(database_url, tmp_path / "server.log") as base:
        yield base


def api(server: str, token: str, path: str, **params: Any) -> Any:
    response = httpx.get(
        f"{server}{path}", params=params, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def context_sessions(server: str, token: str) -> list[dict[str, Any]]:
    return [s for s in api(server, token, "/api/sessions") if s["session_id"] is None]


@on_both_databases
def test_implement_against_a_server_completes_and_pushes_with_the_state_on_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: str, token: str
) -> None:
    project = make_cli_project(tmp_path / "a", NAMES)
    use(project, monkeypatch)

    ran = invoke("implement", "Billing", "--server", server)

    assert ran.exit_code == 0, ran.output
    assert_one_commit_on_main_with_every_component(project)
    (parent,) = context_sessions(server, token)
    assert parent["status"] == "complete"
    detail = api(server, token, f"/api/sessions/{parent['id']}")
    assert {c["status"] for c in detail["child_sessions"]} == {"complete"}
    assert {c["component"]["name"] for c in detail["child_sessions"]} == set(NAMES)
    assert all(len(calls(project, name)) == 1 for name in NAMES)
    # The design docs were uploaded: the server's components are the repository's.
    components = api(server, token, f"/api/projects/{parent['project_id']}/components")
    assert {c["name"] for c in components} >= {"Billing", *NAMES}
    # Nothing about it is kept in the repository's own database.
    listed = invoke("sessions", "list", "--json")
    assert json.loads(listed.stdout) == []
    # The child branches were shared through origin and are gone again.
    assert project.git.remote_branches() == sorted(["main", BRANCH])
    # The server's record says the context is done: implementing it again is refused.
    again = invoke("implement", "Billing", "--server", server)
    assert again.exit_code == 1
    text = flat(again.output)
    assert f"session {parent['id']} completed it on branch {BRANCH}, commit " in text
    assert f"`codemyspec implement Billing --fresh --server {server}`" in text
    assert len(context_sessions(server, token)) == 1
    assert all(len(calls(project, name)) == 1 for name in NAMES)


@pytest.mark.parametrize("database_backend", ["sqlite"], indirect=True)
def test_an_interrupted_remote_implement_is_resumed_from_the_servers_record(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    server: str,
    token: str,
    implementing: list[Implementing],
) -> None:
    project = make_cli_project(tmp_path / "a", NAMES)
    use(project, monkeypatch)
    project.set_script("Tax", {"hang": 30})
    run = Implementing(project, "Billing", "--server", server)
    implementing.append(run)
    run.wait_for("Billing.Money complete", "Billing.Tax: GenerateImplementation started")

    os.killpg(run.proc.pid, signal.SIGINT)

    assert run.finish(timeout=20) == 130, run.output
    (parent,) = context_sessions(server, token)
    assert f"sessions resume {parent['id']} --server {server}" in flat(run.output)
    listed = invoke("sessions", "list", "--server", server, "--json")
    assert listed.exit_code == 0, listed.output
    assert [s["id"] for s in json.loads(listed.stdout)] == [parent["id"]]
    # Ctrl-C reaches git too: a finished child's push may have been cut short.
    money_branch = f"{BRANCH}--money"
    if money_branch in project.git.remote_branches():
        git("branch", "-D", money_branch, cwd=project.git.remote)
    project.set_script("Tax", {"write": BILLING["Tax"][0]})

    resumed = invoke("sessions", "resume", str(parent["id"]), "--server", server)

    assert resumed.exit_code == 0, resumed.output
    assert_one_commit_on_main_with_every_component(project)
    assert [len(calls(project, n)) for n in NAMES] == [1, 1, 2], "completed ones never re-ran"
    shown = invoke("sessions", "show", str(parent["id"]), "--server", server, "--json")
    assert json.loads(shown.stdout)["status"] == "complete"


def test_agent_output_with_nul_characters_is_stored_on_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: str, token: str
) -> None:
    project = make_cli_project(tmp_path / "a", NAMES)
    use(project, monkeypatch)
    project.set_script("Money", {"say": "bin\x00ary", "write": BILLING["Money"][0]})

    ran = invoke("implement", "Billing", "--server", server)

    assert ran.exit_code == 0, ran.output
    (parent,) = context_sessions(server, token)
    money = next(
        c
        for c in api(server, token, f"/api/sessions/{parent['id']}")["child_sessions"]
        if c["component"]["name"] == "Money"
    )
    outputs = [
        i["result"]["stdout"]
        for i in api(server, token, f"/api/sessions/{money['id']}")["interactions"]
    ]
    assert any("bin\ufffdary" in out for out in outputs), outputs


def test_implement_against_a_server_refuses_without_a_token_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: str, token: str
) -> None:
    project = make_cli_project(tmp_path / "a", NAMES)
    use(project, monkeypatch)
    monkeypatch.setenv("CODEMYSPEC_TOKEN", "cms_not-a-token")

    refused = invoke("implement", "Billing", "--server", server)

    assert refused.exit_code == 1
    assert "token" in flat(refused.output)
    monkeypatch.delenv("CODEMYSPEC_TOKEN")
    missing = invoke("implement", "Billing", "--server", server)
    assert missing.exit_code == 1
    assert "CODEMYSPEC_TOKEN" in flat(missing.output)
    assert context_sessions(server, token) == []
    assert project.git.remote_branches() == ["main"]


def test_implement_against_an_unreachable_server_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_cli_project(tmp_path / "a", NAMES)
    use(project, monkeypatch)
    monkeypatch.setenv("CODEMYSPEC_TOKEN", "cms_whatever")
    monkeypatch.setattr("codemyspec.remote.client.RETRY_DELAYS", (0.01,))

    refused = invoke("implement", "Billing", "--server", "http://127.0.0.1:9")

    assert refused.exit_code == 1
    assert "could not be reached" in flat(refused.output)
    assert project.git.remote_branches() == ["main"]


# Two runners on two clones of one repository, against PostgreSQL.


on_postgresql = pytest.mark.parametrize("database_backend", ["postgresql"], indirect=True)


def two_clones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, delay: float) -> CliProject:
    """Runner a's repository (the project) and runner b's clone of it at ``tmp_path/b``."""
    project = make_cli_project(tmp_path / "a", NAMES, runner={"lease_seconds": 3, "concurrency": 1})
    use(project, monkeypatch)
    script = {code_path(n): [{"delay": delay, "write": BILLING[n][0]}] for n in NAMES}
    project.script_path.write_text(json.dumps(script), encoding="utf-8")
    git("clone", "-q", str(project.git.remote), str(tmp_path / "b"), cwd=tmp_path)
    return project


def start_two_runners(
    project: CliProject, tmp_path: Path, server: str, token: str, started: list[Implementing]
) -> tuple[Implementing, Implementing, int]:
    a = Implementing(project, "Billing", "--server", server, env={RUNNER_NAME_ENV: "a"})
    started.append(a)
    deadline = time.monotonic() + 60
    while not (found := context_sessions(server, token)):
        assert time.monotonic() < deadline, f"no session on the server:\n{a.output}"
        time.sleep(0.1)
    session_id = int(found[0]["id"])
    b = Implementing(
        project,
        str(session_id),
        "--server",
        server,
        command="join",
        root=tmp_path / "b",
        env={RUNNER_NAME_ENV: "b"},
    )
    started.append(b)
    return a, b, session_id


def runs_by_clone(project: CliProject, tmp_path: Path) -> dict[str, list[str]]:
    """For each component, which clone ('a' or 'b') each agent call ran in."""
    return {
        name: [Path(c["cwd"]).relative_to(tmp_path).parts[0] for c in calls(project, name)]
        for name in NAMES
    }


@on_postgresql
def test_two_runners_share_the_children_and_run_each_exactly_once(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    server: str,
    token: str,
    implementing: list[Implementing],
) -> None:
    project = two_clones(tmp_path, monkeypatch, delay=2)

    a, b, session_id = start_two_runners(project, tmp_path, server, token, implementing)

    assert a.finish(timeout=180) == 0, a.output
    assert b.finish(timeout=60) == 0, b.output
    by_clone = runs_by_clone(project, tmp_path)
    assert all(len(runs) == 1 for runs in by_clone.values()), by_clone
    assert {runs[0] for runs in by_clone.values()} == {"a", "b"}, by_clone
    assert_one_commit_on_main_with_every_component(project)
    detail = api(server, token, f"/api/sessions/{session_id}")
    assert detail["status"] == "complete"
    assert {c["status"] for c in detail["child_sessions"]} == {"complete"}
    assert f"done with session {session_id}" in flat(b.output)


@on_postgresql
def test_a_killed_runners_child_is_finished_by_the_other_after_the_lease(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    server: str,
    token: str,
    implementing: list[Implementing],
) -> None:
    project = two_clones(tmp_path, monkeypatch, delay=4)
    a, b, session_id = start_two_runners(project, tmp_path, server, token, implementing)
    deadline = time.monotonic() + 60
    while not any("b" in runs for runs in runs_by_clone(project, tmp_path).values()):
        assert time.monotonic() < deadline, f"runner b never started a child:\n{b.output}"
        time.sleep(0.05)
    (abandoned,) = [n for n, runs in runs_by_clone(project, tmp_path).items() if "b" in runs]

    b.kill()  # mid-agent: its claim is no longer renewed

    assert a.finish(timeout=180) == 0, a.output
    by_clone = runs_by_clone(project, tmp_path)
    assert by_clone[abandoned] == ["b", "a"], by_clone
    assert all(by_clone[n] == ["a"] for n in NAMES if n != abandoned), by_clone
    assert_one_commit_on_main_with_every_component(project)
    detail = api(server, token, f"/api/sessions/{session_id}")
    assert detail["status"] == "complete"
    taken_over = next(c for c in detail["child_sessions"] if c["component"]["name"] == abandoned)
    assert taken_over["attempt"] == 2, "the other runner started it over"


TAKER = "# written by the runner that took over\n"


def log_ref_updates(remote: Path) -> Path:
    """A git ``update`` hook on ``remote`` that lets every update through and logs it."""
    log = remote / "ref-updates.log"
    hook = remote / "hooks" / "update"
    hook.write_text(f'#!/bin/sh\necho "$1 $2 $3" >> "{log}"\n', encoding="utf-8")
    hook.chmod(0o755)
    log.write_text("", encoding="utf-8")
    return log


@on_postgresql
def test_resuming_a_killed_runner_integrates_the_takers_branch_and_never_pushes_over_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    server: str,
    token: str,
    implementing: list[Implementing],
) -> None:
    project = two_clones(tmp_path, monkeypatch, delay=0)
    project.set_script("Ledger", {"hang": 120}, {"write": BILLING["Ledger"][0] + TAKER})
    a = Implementing(project, "Billing", "--server", server, env={RUNNER_NAME_ENV: "a"})
    implementing.append(a)
    deadline = time.monotonic() + 60
    while not calls(project, "Ledger"):
        assert time.monotonic() < deadline, f"runner a never started Ledger's agent:\n{a.output}"
        time.sleep(0.05)

    a.kill()  # mid-agent: its Ledger worktree and branch stay behind in clone a
    (parent,) = context_sessions(server, token)
    b = Implementing(
        project,
        str(parent["id"]),
        "--server",
        server,
        command="join",
        root=tmp_path / "b",
        env={RUNNER_NAME_ENV: "b"},
    )
    implementing.append(b)
    assert b.finish(timeout=120) == 0, b.output
    ledger = next(
        c
        for c in api(server, token, f"/api/sessions/{parent['id']}")["child_sessions"]
        if c["component"]["name"] == "Ledger"
    )
    taken = ledger["state"]["branch_tip"]
    ledger_branch = f"{BRANCH}--ledger"
    assert ledger["status"] == "complete" and ledger["attempt"] == 2
    assert taken["holder"].startswith("b:"), taken
    assert git("rev-parse", ledger_branch, cwd=project.git.remote).strip() == taken["sha"]
    stale = git("rev-parse", ledger_branch, cwd=project.root).strip()
    assert stale != taken["sha"], "clone a still has its own, unfinished Ledger branch"
    monkeypatch.setenv(RUNNER_NAME_ENV, "a")
    updates = log_ref_updates(project.git.remote)

    resumed = invoke("sessions", "resume", str(parent["id"]), "--server", server)

    assert resumed.exit_code == 0, resumed.output
    ledger_updates = [u for u in updates.read_text().splitlines() if ledger_branch in u]
    zero = "0" * 40
    assert ledger_updates == [f"refs/heads/{ledger_branch} {taken['sha']} {zero}"], (
        "origin's Ledger branch was only deleted, after the commit, never pushed over"
    )
    assert_one_commit_on_main_with_every_component(project)
    shipped = git("show", f"{BRANCH}:{code_path('Ledger')}", cwd=project.git.remote)
    assert shipped.endswith(TAKER), "the taker's commit is what was integrated"
    assert runs_by_clone(project, tmp_path) == {"Money": ["a"], "Ledger": ["a", "b"], "Tax": ["b"]}
    assert api(server, token, f"/api/sessions/{parent['id']}")["status"] == "complete"
    assert project.git.remote_branches() == sorted(["main", BRANCH])


@pytest.mark.parametrize("database_backend", ["sqlite"], indirect=True)
def test_an_integration_failure_is_recorded_as_a_failed_validation_with_its_message(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    server: str,
    token: str,
    implementing: list[Implementing],
) -> None:
    project = make_cli_project(tmp_path / "a", ["Money", "Tax"])
    use(project, monkeypatch)
    project.set_script("Tax", {"hang": 60})
    run = Implementing(project, "Billing", "--server", server)
    implementing.append(run)
    run.wait_for("Billing.Money complete", "Billing.Tax: GenerateImplementation started")
    # Money's worktree goes just after it completes: Ctrl-C must not cut that short, or its
    # branch, still checked out there, could not be deleted below.
    money_worktree = project.root / ".codemyspec" / "worktrees" / f"{BRANCH}--money"
    deadline = time.monotonic() + 30
    while money_worktree.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not money_worktree.exists(), run.output
    os.killpg(run.proc.pid, signal.SIGINT)
    assert run.finish(timeout=20) == 130, run.output
    # Money's finished commit is lost: its branch deleted here and on origin, and collected.
    money_branch = f"{BRANCH}--money"
    if money_branch in project.git.remote_branches():
        git("branch", "-D", money_branch, cwd=project.git.remote)
    git("branch", "-D", money_branch, cwd=project.root)
    git("update-ref", "-d", f"refs/remotes/origin/{money_branch}", cwd=project.root)
    git("reflog", "expire", "--expire=now", "--all", cwd=project.root)
    git("gc", "-q", "--prune=now", cwd=project.root)
    project.set_script("Tax", {"write": BILLING["Tax"][0]})
    (parent,) = context_sessions(server, token)

    resumed = invoke("sessions", "resume", str(parent["id"]), "--server", server)

    assert resumed.exit_code == 1, resumed.output
    assert "could not integrate Money: " in flat(resumed.output)
    detail = api(server, token, f"/api/sessions/{parent['id']}")
    assert detail["status"] == "active"
    spawned = next(i for i in detail["interactions"] if i["step"].endswith("Sessions"))
    assert spawned["result"] is not None, "no interaction is left pending"
    assert spawned["result"]["status"] == "error"
    assert spawned["result"]["error_message"].startswith("could not integrate Money: ")
    assert spawned["result"]["data"]["validation"]["failed"] == []
    assert all(i["result"] is not None for i in detail["interactions"])


# The server going away mid-run: a restart is waited for; a longer absence stops the run.


@pytest.fixture
def restartable(database_url: str, token: str, tmp_path: Path) -> Iterator[Served]:
    server = Served(database_url, tmp_path / "server.log")
    server.start()
    yield server
    server.stop()


def test_a_server_restarted_mid_run_is_waited_for_and_the_run_completes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    restartable: Served,
    token: str,
    implementing: list[Implementing],
) -> None:
    project = make_cli_project(tmp_path / "a", NAMES, server=ServerSettings(wait_seconds=60))
    use(project, monkeypatch)
    for name in ("Money", "Tax"):  # both agents end while the server is away
        project.set_script(name, {"delay": 2, "write": BILLING[name][0]})
    run = Implementing(project, "Billing", "--server", restartable.url)
    implementing.append(run)
    run.wait_for("Billing.Money: GenerateImplementation started")

    restartable.kill()
    time.sleep(6)
    restartable.start()

    assert run.finish(timeout=120) == 0, run.output
    out = run.output
    waiting = out.index(f"waiting for the server at {restartable.url} (")
    back = out.index(f"server back at {restartable.url} after ")
    assert waiting < back < out.index("✓ Billing implemented"), out
    assert_one_commit_on_main_with_every_component(project)
    (parent,) = context_sessions(restartable.url, token)
    detail = api(restartable.url, token, f"/api/sessions/{parent['id']}")
    assert detail["status"] == "complete"
    assert [(c["status"], c["attempt"]) for c in detail["child_sessions"]] == [("complete", 1)] * 3
    assert [len(calls(project, n)) for n in NAMES] == [1, 1, 1], "no agent ran twice"


def test_a_server_away_past_the_wait_stops_the_run_and_resume_finishes_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    restartable: Served,
    token: str,
    implementing: list[Implementing],
) -> None:
    project = make_cli_project(tmp_path / "a", NAMES, server=ServerSettings(wait_seconds=2))
    use(project, monkeypatch)
    project.set_script("Money", {"delay": 3, "write": BILLING["Money"][0]})  # ends while away
    project.set_script("Tax", {"hang": 60})
    run = Implementing(project, "Billing", "--server", restartable.url)
    implementing.append(run)
    run.wait_for(
        "Billing.Money: GenerateImplementation started",
        "Billing.Tax: GenerateImplementation started",
    )

    restartable.kill()

    assert run.finish(timeout=60) == 75, run.output
    out = flat(run.output)
    stopped = out.index(f"stopped: the server at {restartable.url} did not answer for ")
    assert out.index(f"waiting for the server at {restartable.url} (") < stopped
    (parent_id,) = {
        int(line.split("session ")[1].split()[0]) for line in run.lines if " · session " in line
    }
    assert f"`codemyspec sessions resume {parent_id} --server {restartable.url}` continues" in out
    restartable.start()
    before = api(restartable.url, token, f"/api/sessions/{parent_id}")
    assert before["status"] == "active"
    assert [c["status"] for c in before["child_sessions"]] == ["active"] * 3, (
        "broken machinery is not failed work: nothing was marked failed or cancelled"
    )
    project.set_script("Tax", {"write": BILLING["Tax"][0]})

    resumed = invoke("sessions", "resume", str(parent_id), "--server", restartable.url)

    assert resumed.exit_code == 0, resumed.output
    assert_one_commit_on_main_with_every_component(project)
    detail = api(restartable.url, token, f"/api/sessions/{parent_id}")
    assert [c["status"] for c in detail["child_sessions"]] == ["complete"] * 3
    # Money's result never reached the server and Tax's agent was stopped: each ran again.
    assert [len(calls(project, n)) for n in NAMES] == [2, 1, 2]


@pytest.mark.parametrize("database_backend", ["sqlite"], indirect=True)
def test_a_session_run_through_a_server_gives_the_agent_the_same_prompts_as_a_local_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: str, token: str
) -> None:
    # The design docs and the repository's own coding rules live in the runner's tree: the
    # runner reads them for the steps, so a server with no tree builds the very same prompt.
    rules = "Keep every function under ten lines.\n"
    prompts: dict[str, dict[str, str]] = {}
    for where, extra in (("local", ()), ("remote", ("--server", server))):
        project = make_cli_project(tmp_path / where, NAMES)
        project.git.write("docs/rules/other.md", rules)
        git("add", "-A", cwd=project.root)
        git("commit", "-q", "-m", "coding rules", cwd=project.root)
        use(project, monkeypatch)
        if not extra:  # implement --server uploads the design docs itself
            synced = invoke("sync")
            assert synced.exit_code == 0, synced.output

        ran = invoke("implement", "Billing", *extra)

        assert ran.exit_code == 0, ran.output
        prompts[where] = {name: calls(project, name)[0]["prompt"] for name in NAMES}

    assert prompts["remote"] == prompts["local"]
    money = prompts["remote"]["Money"]
    assert "The Money component." in money
    assert rules.strip() in money
