"""Each ComponentCodingSessions step on its own: the command it describes, how it judges a
result, through the real engine, SQLite, git and the runner's own executor.

A child session of a real context session is walked step by step; where the runner would
run an agent, the test hands the engine the result a runner reports (its data as the
executor builds it), so every step's ok and error branch is reached directly.
"""

from __future__ import annotations

import threading

import pytest

from codemyspec.bootstrap import App
from codemyspec.component_coding_sessions import (
    SESSION_TYPE,
    ComponentState,
    Finalize,
    FixTestFailures,
    GenerateImplementation,
    Initialize,
    RunTests,
)
from codemyspec.components import component_files
from codemyspec.errors import StepError
from codemyspec.projects import Project
from codemyspec.scope import Scope
from codemyspec.sessions import (
    AgentCommand,
    CommitCommand,
    ExecutionMode,
    Interaction,
    PrepareWorkspaceCommand,
    Result,
    ResultStatus,
    RunTestsCommand,
    Session,
    SessionAttrs,
    SessionStatus,
    Step,
    StepContext,
)
from tests.support.factories import make_context, make_context_session
from tests.support.git_repos import GitProject, git

PARENT_BRANCH = "code-context-coding-session-for-billing"
BRANCH = f"{PARENT_BRANCH}--money"
WORKTREE = f".codemyspec/worktrees/{BRANCH}"
CODE = "src/shop/billing/money.py"
TEST = "tests/billing/test_money.py"
DESIGN = "# Billing.Money\n\nAdds amounts of money.\n"
MONEY = "def add(a: int, b: int) -> int:\n    return a + b\n"
SHA = "0123456789abcdef0123456789abcdef01234567"
USAGE = {"cost_usd": 0.5, "input_tokens": 100.0, "output_tokens": 20.0, "turns": 3.0}


# --- helpers -------------------------------------------------------------------------------


def start_child(app: App, scope: Scope, git_project: GitProject, **state: object) -> Session:
    """Money's session under a context session whose branch exists, as Spawn makes it."""
    context = make_context(app, scope, "Billing", [("Money", 2), ("Ledger", 1)])
    parent = make_context_session(app, scope, context)
    git("branch", PARENT_BRANCH, cwd=git_project.root)
    git_project.write(
        str(component_files(context.children[0], _project(app, scope, parent)).design), DESIGN
    )
    return app.sessions.create_session(
        scope,
        SessionAttrs(
            type=SESSION_TYPE,
            component_id=context.children[0].id,
            session_id=parent.id,
            project_id=scope.project_id,
            execution_mode=ExecutionMode.AGENTIC,
            agent="claude_code",
            state={"parent_branch_name": PARENT_BRANCH, **state},
        ),
    )


def _project(app: App, scope: Scope, session: Session) -> Project:
    loaded = app.sessions.get_session(scope, session.id)
    assert loaded.project is not None
    return loaded.project


def next_step(app: App, scope: Scope, session_id: int, step: Step) -> Interaction:
    interaction = app.sessions.next_command(scope, session_id)
    assert interaction.step == step.name
    return interaction


def report(app: App, scope: Scope, interaction: Interaction, result: Result) -> Session:
    return app.sessions.handle_result(scope, interaction.session_id, interaction.id, result)


def execute(app: App, scope: Scope, interaction: Interaction) -> Result:
    """What the runner's executor makes of the command in the project's checkout."""
    session = app.sessions.get_session(scope, interaction.session_id)
    assert session.project is not None
    executor = app.runner(session.project, agents={}).executor
    return executor.execute(interaction.command, threading.Event())


def agent_result(
    status: ResultStatus = ResultStatus.OK,
    *,
    conversation: str = "conv-1",
    watched: dict[str, str | None] | None = None,
    error: str | None = None,
) -> Result:
    """An agent command's result as the executor reports it."""
    data = {
        "conversation_id": conversation,
        "usage": USAGE,
        "watched_files": watched if watched is not None else {TEST: "new"},
        "agent": "claude_code",
    }
    return Result(status=status, data=data, error_message=error, stdout="done")


def run_report(passed: bool, **report_fields: object) -> Result:
    """A run_tests result as the executor reports it: the parsed run and its summary."""
    run = {
        "tests": 1,
        "failures": 0 if passed else 1,
        "failed_cases": [] if passed else [{"test_id": f"{TEST}::test_add", "message": "4 != 5"}],
        **report_fields,
    }
    summary = "1 passed" if passed else f"0 passed, 1 failed · {TEST}::test_add: 4 != 5"
    data = {"test_run": {**run, "summary": summary}, "changes": []}
    if passed:
        return Result.ok(data=data)
    return Result.error(f"unit tests failed: {summary}", data=data)


def initialized(app: App, scope: Scope, git_project: GitProject, **state: object) -> Session:
    """Money's session past a real Initialize: its worktree made by the executor."""
    child = start_child(app, scope, git_project, **state)
    interaction = next_step(app, scope, child.id, Initialize)
    prepared = execute(app, scope, interaction)
    assert prepared.status is ResultStatus.OK, prepared.error_message
    return report(app, scope, interaction, prepared)


def generated(app: App, scope: Scope, git_project: GitProject, **state: object) -> Session:
    session = initialized(app, scope, git_project, **state)
    interaction = next_step(app, scope, session.id, GenerateImplementation)
    return report(app, scope, interaction, agent_result())


# --- Initialize ----------------------------------------------------------------------------


def test_initialize_describes_a_worktree_on_the_childs_branch_from_the_parents(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    child = start_child(app, scope, git_project)

    command = next_step(app, scope, child.id, Initialize).command

    assert isinstance(command, PrepareWorkspaceCommand)
    assert (command.branch_name, command.base_branch) == (BRANCH, PARENT_BRANCH)
    assert command.worktree == WORKTREE
    assert command.merge_branches == []
    assert (command.test_file, command.code_file) == (TEST, CODE)
    assert command.read_files == ["docs/design/shop/billing/money.md", "docs/rules/other.md"]


def test_initialize_refuses_a_child_without_its_parents_branch(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    child = start_child(app, scope, git_project, parent_branch_name=None)
    loaded = app.sessions.get_session(scope, child.id)

    with app.unit_of_work() as uow:
        context = StepContext(uow.sessions, uow.components)
        with pytest.raises(StepError, match=r"^parent_branch_name is missing"):
            Initialize.get_command(scope, loaded, context=context)


def test_initialize_ok_records_the_workspace_and_the_files_the_runner_read(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = initialized(app, scope, git_project)

    state = ComponentState.of(session)
    assert session.status is SessionStatus.ACTIVE
    assert (state.branch_name, state.worktree) == (BRANCH, WORKTREE)
    assert (state.test_file, state.code_file) == (TEST, CODE)
    assert state.test_file_existed is False and state.code_file_existed is False
    assert state.initialized_at is not None
    assert (git_project.root / WORKTREE).is_dir()
    done = session.interactions[0].result
    assert done is not None
    assert done.data["files"]["docs/design/shop/billing/money.md"] == DESIGN
    assert app.sessions.next_command(scope, session.id).step == GenerateImplementation.name


def test_initialize_error_fails_the_session_with_the_reason(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    child = start_child(app, scope, git_project)
    interaction = next_step(app, scope, child.id, Initialize)

    after = report(app, scope, interaction, Result.error("could not prepare the worktree: boom"))

    assert after.status is SessionStatus.FAILED
    assert after.state["error"] == (
        "could not prepare the workspace: could not prepare the worktree: boom"
    )


# --- GenerateImplementation ----------------------------------------------------------------


def test_generate_asks_the_agent_in_the_worktree_with_the_design_the_runner_read(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = initialized(app, scope, git_project)

    command = next_step(app, scope, session.id, GenerateImplementation).command

    assert isinstance(command, AgentCommand)
    assert (command.agent, command.cwd) == ("claude_code", WORKTREE)
    assert command.resume_conversation_id is None
    assert command.watch_files == [TEST]
    assert DESIGN.strip() in command.prompt
    assert f"write the implementation in: {CODE}" in command.prompt


def test_generate_ok_records_the_conversation_and_the_agents_usage(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = generated(app, scope, git_project)

    assert session.status is SessionStatus.ACTIVE
    assert session.external_conversation_id == "conv-1"
    assert ComponentState.of(session).agent_usage == {**USAGE, "duration_ms": 0.0}
    assert app.sessions.next_command(scope, session.id).step == RunTests.name


def test_generate_error_fails_the_session_keeping_the_usage(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = initialized(app, scope, git_project)
    interaction = next_step(app, scope, session.id, GenerateImplementation)

    after = report(app, scope, interaction, agent_result(ResultStatus.ERROR, error="out of tokens"))

    assert after.status is SessionStatus.FAILED
    assert after.state["error"] == "agent failed while generating the implementation: out of tokens"
    assert ComponentState.of(after).agent_usage["cost_usd"] == 0.5


def test_generate_that_changes_a_test_file_which_existed_fails_the_session(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    git_project.write(TEST, "def test_add():\n    assert True\n")
    git("add", TEST, cwd=git_project.root)
    git("commit", "-q", "-m", "the tests come first", cwd=git_project.root)
    session = initialized(app, scope, git_project)
    assert ComponentState.of(session).test_file_existed
    interaction = next_step(app, scope, session.id, GenerateImplementation)

    after = report(app, scope, interaction, agent_result(watched={TEST: "changed"}))

    assert after.status is SessionStatus.FAILED
    assert after.state["error"] == (
        f"the agent changed the test file {TEST}, which existed before the session"
    )
    stored = after.interaction(interaction.id)
    assert stored is not None and stored.result is not None
    assert stored.result.status is ResultStatus.ERROR


# --- RunTests ------------------------------------------------------------------------------


def test_run_tests_runs_the_components_test_file_in_its_worktree_requiring_red(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = generated(app, scope, git_project)

    command = next_step(app, scope, session.id, RunTests).command

    assert isinstance(command, RunTestsCommand)
    assert (command.test_file, command.code_file, command.cwd) == (TEST, CODE, WORKTREE)
    assert command.require_red is True  # the code did not exist before the session


def test_run_tests_ok_records_the_run_and_goes_on_to_finalize(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = generated(app, scope, git_project)
    interaction = next_step(app, scope, session.id, RunTests)

    after = report(app, scope, interaction, run_report(passed=True))

    state = ComponentState.of(after)
    assert after.status is SessionStatus.ACTIVE
    assert state.last_test_run is not None and state.last_test_run["summary"] == "1 passed"
    assert state.changes == []
    assert app.sessions.next_command(scope, session.id).step == Finalize.name


def test_run_tests_error_with_rounds_left_goes_on_to_fix_the_failures(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = generated(app, scope, git_project)
    interaction = next_step(app, scope, session.id, RunTests)

    after = report(app, scope, interaction, run_report(passed=False))

    assert after.status is SessionStatus.ACTIVE
    assert "error" not in after.state
    assert app.sessions.next_command(scope, session.id).step == FixTestFailures.name


def test_run_tests_error_after_the_last_fix_round_fails_the_session(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = generated(app, scope, git_project, max_fix_rounds=0)
    interaction = next_step(app, scope, session.id, RunTests)

    after = report(app, scope, interaction, run_report(passed=False))

    assert after.status is SessionStatus.FAILED
    assert after.state["error"] == (
        f"tests still failing after 0 fix rounds: {TEST}::test_add: 4 != 5"
    )


def test_run_tests_in_a_broken_environment_fails_at_once_without_a_fix_round(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = generated(app, scope, git_project)
    interaction = next_step(app, scope, session.id, RunTests)
    broken = run_report(passed=False, broken_environment=True, error="conftest.py raised")

    after = report(app, scope, interaction, broken)

    assert after.status is SessionStatus.FAILED
    assert after.state["error"].startswith("the test environment cannot run the tests: ")
    assert "conftest.py raised" in after.state["error"]


# --- FixTestFailures -----------------------------------------------------------------------


def failing(app: App, scope: Scope, git_project: GitProject) -> Session:
    session = generated(app, scope, git_project)
    interaction = next_step(app, scope, session.id, RunTests)
    return report(app, scope, interaction, run_report(passed=False))


def test_fix_resumes_the_conversation_with_the_failures_and_the_round(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = failing(app, scope, git_project)

    command = next_step(app, scope, session.id, FixTestFailures).command

    assert isinstance(command, AgentCommand)
    assert command.resume_conversation_id == "conv-1"
    assert command.cwd == WORKTREE
    assert command.watch_files == [TEST]
    assert f"The unit tests in {TEST} fail (fix round 1 of 3)." in command.prompt
    assert f"- {TEST}::test_add: 4 != 5" in command.prompt
    assert f"Fix the implementation in: {CODE}" in command.prompt


def test_fix_ok_adds_its_usage_and_runs_the_tests_again(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = failing(app, scope, git_project)
    interaction = next_step(app, scope, session.id, FixTestFailures)

    after = report(app, scope, interaction, agent_result(conversation="conv-2"))

    assert after.status is SessionStatus.ACTIVE
    assert after.external_conversation_id == "conv-2"
    assert ComponentState.of(after).agent_usage["turns"] == 6.0
    assert app.sessions.next_command(scope, session.id).step == RunTests.name


def test_fix_error_fails_the_session_with_the_agents_reason(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = failing(app, scope, git_project)
    interaction = next_step(app, scope, session.id, FixTestFailures)

    after = report(app, scope, interaction, agent_result(ResultStatus.ERROR, error="stalled"))

    assert after.status is SessionStatus.FAILED
    assert after.state["error"] == "agent failed while fixing test failures: stalled"


# --- Finalize ------------------------------------------------------------------------------


def passed(app: App, scope: Scope, git_project: GitProject) -> Session:
    session = generated(app, scope, git_project)
    interaction = next_step(app, scope, session.id, RunTests)
    return report(app, scope, interaction, run_report(passed=True))


def test_finalize_commits_in_the_worktree_and_reports_the_tip(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = passed(app, scope, git_project)

    command = next_step(app, scope, session.id, Finalize).command

    assert isinstance(command, CommitCommand)
    assert command.stage[:6] == ["git", "-C", WORKTREE, "add", "-A", "--"]
    assert command.commit[:5] == ["git", "-C", WORKTREE, "commit", "--allow-empty"]
    assert command.commit[-1] == "Implement Billing.Money\n"
    assert command.then == [["git", "-C", WORKTREE, "rev-parse", "HEAD"]]
    assert (command.branch_name, command.files) == (BRANCH, [CODE, TEST])
    assert command.only_if_changed is False  # an empty commit is fine on a re-run


def test_finalize_run_for_real_completes_the_session_with_the_branch_tip(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = passed(app, scope, git_project)
    (git_project.root / WORKTREE / CODE).parent.mkdir(parents=True, exist_ok=True)
    (git_project.root / WORKTREE / CODE).write_text(MONEY, encoding="utf-8")
    interaction = next_step(app, scope, session.id, Finalize)

    after = report(app, scope, interaction, execute(app, scope, interaction))

    state = ComponentState.of(after)
    assert after.status is SessionStatus.COMPLETE
    assert state.completed_at is not None
    head = git("rev-parse", BRANCH, cwd=git_project.root).strip()
    assert state.branch_tip is not None
    assert (state.branch_tip.sha, state.branch_tip.attempt) == (head, 1)
    assert CODE in git("show", "--name-only", "--format=", head, cwd=git_project.root)


def test_finalize_ok_without_a_sha_in_its_output_completes_without_a_tip(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = passed(app, scope, git_project)
    interaction = next_step(app, scope, session.id, Finalize)

    after = report(app, scope, interaction, Result.ok(stdout=f"[{BRANCH} {SHA[:7]}] done\n"))

    assert after.status is SessionStatus.COMPLETE
    assert ComponentState.of(after).branch_tip is None


def test_finalize_error_fails_the_session_with_gits_reason(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = passed(app, scope, git_project)
    interaction = next_step(app, scope, session.id, Finalize)

    after = report(app, scope, interaction, Result.error("git commit exited with 1"))

    assert after.status is SessionStatus.FAILED
    assert after.state["error"] == "could not commit the component: git commit exited with 1"
