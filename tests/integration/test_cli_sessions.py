"""``codemyspec sessions list|show|retry|resume|cancel`` through Typer's runner, in real repos.

The agent is the scripted CLI agent, so a whole ``implement`` takes a few seconds; what is
checked is what a user sees: the output, the exit code, the record and the remote.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import Result

from tests.support.cli_project import BRANCH, CliProject, make_cli_project
from tests.support.cli_runs import (
    NAMES,
    WRONG_TAX,
    Implementing,
    assert_one_commit_on_main_with_every_component,
    calls,
    child_statuses,
    flat,
    invoke,
    listed,
    record,
    steps,
    use,
)
from tests.support.git_repos import GIT_IDENTITY, git
from tests.support.sample_project import BILLING, code_path


@pytest.fixture(scope="module")
def implemented(tmp_path_factory: pytest.TempPathFactory) -> CliProject:
    """A repository whose Billing was implemented once, by session 1; tests only read it."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in {
            **GIT_IDENTITY,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
        }.items():
            mp.setenv(key, value)
        made = make_cli_project(tmp_path_factory.mktemp("implemented"), NAMES)
        use(made, mp)
        assert invoke("sync").exit_code == 0
        done = invoke("implement", "Billing")
        assert done.exit_code == 0, done.output
    return made


@pytest.fixture
def complete(implemented: CliProject, monkeypatch: pytest.MonkeyPatch) -> CliProject:
    use(implemented, monkeypatch)
    return implemented


# ---------------------------------------------------------------------------------- list


def test_list_without_sessions_says_there_are_none(project: CliProject) -> None:
    result = invoke("sessions", "list")

    assert result.exit_code == 0, result.output
    assert "no sessions yet" in result.output
    assert "codemyspec implement CONTEXT" in result.output
    assert listed() == []


def test_list_has_a_row_with_the_id_context_and_status(complete: CliProject) -> None:
    result = invoke("sessions", "list")

    assert result.exit_code == 0, result.output
    header, *rows = result.output.strip().splitlines()
    assert header.split() == ["id", "context", "status", "step", "components"]
    assert len(rows) == 1
    assert rows[0].split()[:3] == ["1", "Billing", "complete"]
    assert "3 complete" in rows[0]


def test_list_json_has_ids_statuses_and_children_with_their_components(
    complete: CliProject,
) -> None:
    [session] = listed()

    assert session["id"] == 1
    assert session["status"] == "complete"
    assert session["component"]["module_name"] == "Billing"
    assert session["state"]["branch_name"] == BRANCH
    assert {c["component"]: c["status"] for c in session["children"]} == {
        "Billing.Money": "complete",
        "Billing.Ledger": "complete",
        "Billing.Tax": "complete",
    }
    assert all(isinstance(c["id"], int) and c["id"] != 1 for c in session["children"])


# ---------------------------------------------------------------------------------- show


def test_show_prints_the_timeline_and_the_child_tree(complete: CliProject) -> None:
    result = invoke("sessions", "show", "1")

    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "session 1 ContextCodingSessions · Billing · complete · agent scripted" in text
    assert f"branch {BRANCH}" in text
    lines = result.output.splitlines()
    timeline = [line.split()[1:3] for line in lines if line.startswith("  #")]
    assert timeline == [
        ["Initialize", "ok"],
        ["SpawnComponentCodingSessions", "ok"],
        ["Finalize", "ok"],
    ]
    assert "components (3 complete):" in result.output
    for name in NAMES:
        child = next(line for line in lines if line.startswith(f"  Billing.{name} · session"))
        assert child.endswith("· complete · tests 1 passed")
        below = lines[lines.index(child) + 1 : lines.index(child) + 5]
        assert [line.split()[1:3] for line in below] == [
            ["Initialize", "ok"],
            ["GenerateImplementation", "ok"],
            ["RunTests", "ok"],
            ["Finalize", "ok"],
        ]
    assert "tests tests/billing/test_tax.py" in result.output


def test_show_json_is_the_whole_record_with_every_childs_interactions(
    complete: CliProject,
) -> None:
    session = record(1)

    assert session["id"] == 1
    assert session["status"] == "complete"
    assert session["type"] == "ContextCodingSessions"
    assert steps(session) == ["Initialize", "SpawnComponentCodingSessions", "Finalize"]
    assert all(i["result"]["status"] == "ok" for i in session["interactions"])
    assert child_statuses(session) == dict.fromkeys(NAMES, "complete")
    for child in session["child_sessions"]:
        assert child["session_id"] == 1
        assert steps(child) == ["Initialize", "GenerateImplementation", "RunTests", "Finalize"]
        run_tests = next(i for i in child["interactions"] if i["step"].endswith("RunTests"))
        assert run_tests["result"]["data"]["test_run"]["tests"] == 1


@pytest.mark.parametrize("command", ["show", "retry", "resume", "cancel"])
def test_an_unknown_session_is_an_error_naming_it(project: CliProject, command: str) -> None:
    result = invoke("sessions", command, "999")

    assert result.exit_code == 1
    assert "session 999 not found" in result.output.lower()
    assert listed() == []


# ---------------------------------------------------------------------------------- retry


def test_retry_after_failing_tests_reruns_only_the_failed_component_and_pushes(
    project: CliProject,
) -> None:
    project.set_script("Tax", {"write": WRONG_TAX})

    failed = invoke("implement", "Billing", "--max-fix-rounds", "0")

    assert failed.exit_code == 1
    text = flat(failed.output)
    assert "✗ Billing was not implemented (session 1)" in text
    assert "Tax failed (session" in text
    assert "tests.billing.test_tax::test_tax: assert 25 == 20" in text
    assert "What to do next:" in text
    assert "`codemyspec sessions retry 1`" in text
    assert BRANCH not in project.git.remote_branches()

    project.set_script("Tax", {"write": BILLING["Tax"][0]})
    retried = invoke("sessions", "retry", "1")

    assert retried.exit_code == 0, retried.output
    text = flat(retried.output)
    assert "✓ Billing implemented: 3 components in one commit" in text
    assert f"branch {BRANCH}" in text
    assert_one_commit_on_main_with_every_component(project)
    git("fetch", "-q", "origin", cwd=project.root)
    assert (
        git("show", f"origin/{BRANCH}:{code_path('Tax')}", cwd=project.root) == (BILLING["Tax"][0])
    )
    assert [len(calls(project, n)) for n in NAMES] == [1, 1, 2], "only Tax's agent ran again"
    assert record(1)["status"] == "complete"


def test_retry_json_prints_the_final_record_on_stdout_and_progress_on_stderr(
    project: CliProject,
) -> None:
    project.set_script("Tax", {"crash": "out of tokens"})
    assert invoke("implement", "Billing").exit_code == 1
    project.set_script("Tax", {"write": BILLING["Tax"][0]})

    result = invoke("sessions", "retry", "1", "--json")

    assert result.exit_code == 0, result.output
    final = json.loads(result.stdout)
    assert final["id"] == 1
    assert final["status"] == "complete"
    assert child_statuses(final) == dict.fromkeys(NAMES, "complete")
    tax = next(c for c in final["child_sessions"] if c["component"]["name"] == "Tax")
    assert steps(tax) == ["Initialize", "GenerateImplementation", "RunTests", "Finalize"]
    assert tax["attempt"] == 2
    assert "retry Billing · session 1" in result.stderr
    assert "Billing.Tax: RunTests ok" in result.stderr
    assert "✓ Billing implemented" in result.stderr
    assert BRANCH in project.git.remote_branches()


def test_retry_of_a_component_session_is_refused(project: CliProject) -> None:
    project.set_script("Tax", {"crash": "out of tokens"})
    assert invoke("implement", "Billing").exit_code == 1
    tax = next(c for c in listed()[0]["children"] if c["component"] == "Billing.Tax")

    result = invoke("sessions", "retry", str(tax["id"]))

    assert result.exit_code == 1
    assert f"session {tax['id']} is a ComponentCodingSessions session" in flat(result.output)
    assert len(calls(project, "Tax")) == 1


# ------------------------------------------------------------------------ cancel, resume


@pytest.fixture
def cancelled_mid_run(
    project: CliProject, implementing: list[Implementing]
) -> tuple[Result, Implementing]:
    """``sessions cancel 1`` while ``implement`` waits on Ledger's agent; the run has ended.

    Ledger uses Money, so it starts once Money is complete; Tax runs beside Money.
    """
    project.set_script("Ledger", {"hang": 3})
    run = Implementing(project, "Billing")
    implementing.append(run)
    run.wait_for("Billing.Tax complete", "Billing.Ledger: GenerateImplementation started")

    cancelled = invoke("sessions", "cancel", "1", "--json")

    run.finish(timeout=60)
    return cancelled, run


def test_cancel_marks_the_session_and_its_unfinished_children_cancelled(
    cancelled_mid_run: tuple[Result, Implementing],
) -> None:
    cancelled, run = cancelled_mid_run

    assert cancelled.exit_code == 0, cancelled.output
    at_cancel = json.loads(cancelled.stdout)
    assert at_cancel["status"] == "cancelled"
    assert child_statuses(at_cancel) == {
        "Money": "complete",
        "Ledger": "cancelled",
        "Tax": "complete",
    }
    assert run.proc.returncode == 1, run.output
    text = flat(run.output)
    assert "✗ Billing was not implemented (session 1)" in text
    assert "Ledger cancelled (session 3): cancelled by user" in text
    after = record(1)
    assert after["status"] == "cancelled"
    assert child_statuses(after) == child_statuses(at_cancel)


def test_cancel_says_what_it_did(project: CliProject) -> None:
    project.set_script("Tax", {"crash": "out of tokens"})
    assert invoke("implement", "Billing").exit_code == 1

    result = invoke("sessions", "cancel", "1")

    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "session 1 cancelled" in text
    assert "`codemyspec sessions resume 1` would continue it" in text
    [session] = listed()
    assert session["status"] == "cancelled"
    assert {c["component"]: c["status"] for c in session["children"]} == {
        "Billing.Money": "complete",
        "Billing.Ledger": "complete",
        "Billing.Tax": "failed",
    }


def test_resume_continues_a_cancelled_session_and_finishes_it(
    project: CliProject, cancelled_mid_run: tuple[Result, Implementing]
) -> None:
    project.set_script("Ledger", {"write": BILLING["Ledger"][0]})

    result = invoke("sessions", "resume", "1")

    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "resume Billing · session 1" in text
    assert "✓ Billing implemented: 3 components in one commit" in text
    assert_one_commit_on_main_with_every_component(project)
    assert len(calls(project, "Money")) == 1, "a complete component is never run again"
    assert len(calls(project, "Tax")) == 1, "a complete component is never run again"
    assert record(1)["status"] == "complete"
    assert "Billing.Money:" not in result.output
    assert "Billing.Tax: GenerateImplementation" not in result.output


def test_a_cancelled_session_finished_later_no_longer_shows_the_cancellation_as_an_error(
    project: CliProject,
) -> None:
    project.set_script("Tax", {"crash": "out of tokens"})
    assert invoke("implement", "Billing").exit_code == 1
    assert invoke("sessions", "cancel", "1").exit_code == 0
    project.set_script("Tax", {"write": BILLING["Tax"][0]})
    assert invoke("sessions", "retry", "1").exit_code == 0

    shown = invoke("sessions", "show", "1")

    assert shown.exit_code == 0, shown.output
    assert "· complete ·" in shown.output
    assert "cancelled by user" not in shown.output


# ------------------------------------------------- one unfinished session per context


def test_implement_with_an_unfinished_session_is_refused_naming_it_and_the_ways_out(
    project: CliProject,
) -> None:
    project.set_script("Tax", {"crash": "out of tokens"})
    assert invoke("implement", "Billing").exit_code == 1
    project.set_script("Tax", {"write": BILLING["Tax"][0]})

    again = invoke("implement", "Billing")

    assert again.exit_code == 1
    text = flat(again.output)
    assert "session 1 for Billing is unfinished" in text
    assert "`codemyspec sessions resume 1`" in text
    assert "`codemyspec sessions retry 1`" in text
    assert "`codemyspec sessions cancel 1`" in text
    assert [s["id"] for s in listed()] == [1]
    assert len(calls(project, "Tax")) == 1


def test_after_cancel_implement_starts_afresh_once_the_leftovers_are_cleared(
    project: CliProject,
) -> None:
    project.set_script("Tax", {"crash": "out of tokens"})
    assert invoke("implement", "Billing").exit_code == 1
    assert invoke("sessions", "cancel", "1").exit_code == 0
    project.set_script("Tax", {"write": BILLING["Tax"][0]})

    # The failed run left the completed components in the working tree, uncommitted.
    blocked = invoke("implement", "Billing")

    assert blocked.exit_code == 1
    text = flat(blocked.output)
    assert "uncommitted changes" in text
    assert code_path("Money") in text
    assert "unfinished" not in text, "the cancelled session no longer blocks the context"
    assert [s["id"] for s in listed()] == [1]

    git("reset", "-q", "--hard", cwd=project.root)
    afresh = invoke("implement", "Billing")

    assert afresh.exit_code == 0, afresh.output
    newest, oldest = listed()
    assert (oldest["id"], oldest["status"]) == (1, "cancelled")
    assert newest["status"] == "complete"
    assert f"run Billing · session {newest['id']}" in flat(afresh.output)
    assert_one_commit_on_main_with_every_component(project)


# ----------------------------------------------------------- steering a complete session


@pytest.mark.parametrize("command", ["retry", "resume", "cancel"])
def test_steering_a_complete_session_is_refused_and_changes_nothing(
    complete: CliProject, command: str
) -> None:
    before = record(1)
    remote_before = git("rev-parse", BRANCH, cwd=complete.git.remote).strip()
    calls_before = [len(calls(complete, n)) for n in NAMES]

    result = invoke("sessions", command, "1")

    assert result.exit_code == 1
    assert f"session 1 is complete; there is nothing to {command}" in flat(result.output)
    assert record(1) == before
    assert git("rev-parse", BRANCH, cwd=complete.git.remote).strip() == remote_before
    assert [len(calls(complete, n)) for n in NAMES] == calls_before
