"""Finalize: one commit of every component's files on the session's branch, pushed upstream."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from codemyspec.bootstrap import App
from codemyspec.context_coding_sessions import Finalize, Initialize, SpawnComponentCodingSessions
from codemyspec.errors import SessionCompleteError, StepError
from codemyspec.runner import execute_shell_command
from codemyspec.scope import Scope
from codemyspec.sessions import (
    CommandKind,
    CommitCommand,
    Interaction,
    Result,
    ResultStatus,
    SessionStatus,
)
from tests.support.factories import (
    Context,
    finish_children,
    make_context,
    make_context_session,
    write_component,
)
from tests.support.git_repos import GitProject, git
from tests.support.runner_reports import with_workspace_facts

BRANCH = "code-context-coding-session-for-billing"
# Created out of priority order: Finalize must list them by priority (3, 2, 1).
CHILDREN = [("Ledger", 1), ("Tax", 3), ("Money", 2)]
FILES = {
    path
    for name in ("ledger", "tax", "money")
    for path in (f"src/shop/billing/{name}.py", f"tests/billing/test_{name}.py")
}
MESSAGE = (
    "Implement Billing context\n\n- Tax\n- Money\n- Ledger\n\n"
    "Co-Authored-By: Claude Code <noreply@anthropic.com>\n"
)


def write_children(project: GitProject, names: list[str]) -> None:
    """A passing implementation and unit test for each component of the Billing context."""
    for name in names:
        module = name.lower()
        write_component(
            project.root,
            f"billing/{module}",
            f"def name() -> str:\n    return {name!r}\n",
            f"from shop.billing.{module} import name\n\n\n"
            f"def test_name():\n    assert name() == {name!r}\n",
        )


def run_for_real(app: App, scope: Scope, interaction: Interaction, project: GitProject) -> Result:
    """Execute a shell command in the checkout and hand its result to the engine."""
    result = execute_shell_command(interaction.command, project.root, app.shell, timeout=30)
    app.sessions.handle_result(scope, interaction.session_id, interaction.id, result)
    return result


def drive_to_finalize(app: App, scope: Scope, project: GitProject, context: Context) -> Interaction:
    """Initialize for real, spawn, finish the children, write their files, validate."""
    session = make_context_session(app, scope, context)
    initialize = app.sessions.next_command(scope, session.id)
    assert initialize.step == Initialize.name
    initialized = run_for_real(app, scope, initialize, project)
    assert initialized.status is ResultStatus.OK, initialized.error_message

    spawn = app.sessions.next_command(scope, session.id)
    assert spawn.step == SpawnComponentCodingSessions.name
    finish_children(app, scope, session.id)
    write_children(project, [child.name for child in context.children])
    reported = with_workspace_facts(app, scope, session.id)
    validated = app.sessions.handle_result(scope, session.id, spawn.id, reported)
    checked = validated.interactions[0].result
    assert checked is not None
    assert checked.status is ResultStatus.OK, checked.error_message

    finalize = app.sessions.next_command(scope, session.id)
    assert finalize.step == Finalize.name
    return finalize


@pytest.fixture
def context(app: App, scope: Scope) -> Context:
    return make_context(app, scope, "Billing", CHILDREN)


@pytest.fixture
def finalize(app: App, scope: Scope, git_project: GitProject, context: Context) -> Interaction:
    return drive_to_finalize(app, scope, git_project, context)


# ---------------------------------------------------------------- get_command


def test_finalize_stages_commits_and_pushes_every_component_file_as_argv_lists(
    finalize: Interaction,
) -> None:
    command = finalize.command
    assert command.command is CommandKind.COMMIT
    add, commit, push = command.programs
    assert add[:4] == ["git", "add", "-A", "--"]
    staged = add[4:]
    assert len(staged) == len(FILES)
    assert set(staged) == FILES
    assert all(not path.startswith("/") and ".." not in path.split("/") for path in staged)
    assert commit[:3] == ["git", "commit", "-m"]
    assert commit[4:] == ["--", *staged]
    assert push == ["git", "push", "--set-upstream", "origin", BRANCH]


def test_a_session_started_with_no_push_commits_without_pushing(
    app: App, scope: Scope, finalize: Interaction
) -> None:
    session = app.sessions.get_session(scope, finalize.session_id)
    no_push = session.model_copy(update={"state": {**session.state, "push": False}})

    command = Finalize.get_command(scope, no_push)

    assert [argv[:2] for argv in command.programs] == [["git", "add"], ["git", "commit"]]
    assert command.push is False


def test_the_commit_message_lists_the_components_in_priority_order_and_credits_claude_code(
    finalize: Interaction,
) -> None:
    assert finalize.command.programs[1][3] == MESSAGE


def test_finalize_names_the_branch_and_counts_the_committed_files(
    finalize: Interaction,
) -> None:
    command = finalize.command
    assert isinstance(command, CommitCommand)
    assert command.branch_name == BRANCH
    assert command.committed_files == len(FILES)
    assert command.only_if_changed is True


def test_finalize_refuses_a_session_without_its_context_component(
    app: App, scope: Scope, finalize: Interaction
) -> None:
    loaded = app.sessions.get_session(scope, finalize.session_id)
    assert loaded.child_sessions
    orphan = loaded.model_copy(update={"component": None, "component_id": None})
    with pytest.raises(StepError, match=r"^Context component not found in session$"):
        Finalize.get_command(scope, orphan)


def test_finalize_refuses_a_session_with_no_child_sessions(
    app: App, scope: Scope, git_project: GitProject, context: Context
) -> None:
    session = make_context_session(app, scope, context)
    run_for_real(app, scope, app.sessions.next_command(scope, session.id), git_project)
    loaded = app.sessions.get_session(scope, session.id)
    assert loaded.component is not None
    assert loaded.child_sessions == []
    with pytest.raises(StepError, match=r"^No child sessions found$"):
        Finalize.get_command(scope, loaded)


# ---------------------------------------------------------------- handle_result


def test_an_ok_result_completes_the_session_and_is_returned_unchanged(
    app: App, scope: Scope, finalize: Interaction
) -> None:
    session = app.sessions.get_session(scope, finalize.session_id)
    result = Result.ok(code=0, stdout="pushed\n", data={"note": "kept"})
    before = result.model_copy(deep=True)
    outcome = Finalize.handle_result(scope, session, result)
    assert outcome.updates.status is SessionStatus.COMPLETE
    assert outcome.result is result
    assert outcome.result == before


def test_an_error_result_fails_the_session_recording_when_and_why_and_keeps_its_state(
    app: App, scope: Scope, finalize: Interaction
) -> None:
    before = app.sessions.get_session(scope, finalize.session_id)
    assert {"branch_name", "initialized_at"} <= set(before.state)
    result = Result.error(
        "git push --set-upstream exited with 1: rejected", code=1, stderr="! [rejected]\n"
    )
    started = datetime.now(UTC)

    outcome = Finalize.handle_result(scope, before, result)
    assert outcome.result is result
    assert set(outcome.updates.state) == {"finalized_at", "error"}

    after = app.sessions.handle_result(scope, finalize.session_id, finalize.id, result)
    assert after.status is SessionStatus.FAILED
    assert after.state["error"] == "git push --set-upstream exited with 1: rejected"
    finalized_at = datetime.fromisoformat(after.state["finalized_at"])
    assert finalized_at.tzinfo is not None
    assert started - timedelta(seconds=1) <= finalized_at <= datetime.now(UTC)
    assert after.state["branch_name"] == before.state["branch_name"]
    assert after.state["initialized_at"] == before.state["initialized_at"]
    stored = after.interaction(finalize.id)
    assert stored is not None and stored.result is not None
    assert stored.result.model_dump(exclude={"timestamp"}) == result.model_dump(
        exclude={"timestamp"}
    )


# ---------------------------------------------------------------- for real


def test_finalize_run_for_real_pushes_one_commit_holding_every_component_file(
    app: App, scope: Scope, git_project: GitProject, finalize: Interaction
) -> None:
    main_head = git("rev-parse", "main", cwd=git_project.root).strip()

    result = run_for_real(app, scope, finalize, git_project)

    assert result.status is ResultStatus.OK, result.error_message
    assert BRANCH in git_project.remote_branches()
    new_commits = git("rev-list", f"main..{BRANCH}", cwd=git_project.remote).split()
    assert len(new_commits) == 1
    parents = git("rev-list", "--parents", "-n", "1", BRANCH, cwd=git_project.remote).split()
    assert parents[1:] == [main_head]
    assert git_project.remote_log(BRANCH)[0] == MESSAGE.rstrip("\n")
    assert set(git_project.remote_files(BRANCH)) >= FILES
    changed = git("diff", "--name-only", "main", BRANCH, cwd=git_project.remote).split()
    assert set(changed) == FILES
    upstream = git("rev-parse", "--abbrev-ref", f"{BRANCH}@{{upstream}}", cwd=git_project.root)
    assert upstream.strip() == f"origin/{BRANCH}"

    done = app.sessions.get_session(scope, finalize.session_id)
    assert done.status is SessionStatus.COMPLETE
    with pytest.raises(SessionCompleteError, match="complete"):
        app.sessions.next_command(scope, finalize.session_id)


def test_a_push_that_fails_marks_the_session_failed_with_the_git_error(
    app: App, scope: Scope, git_project: GitProject, finalize: Interaction
) -> None:
    missing = git_project.root.parent / "no-such-remote.git"
    git("remote", "set-url", "origin", str(missing), cwd=git_project.root)

    result = run_for_real(app, scope, finalize, git_project)

    assert result.status is ResultStatus.ERROR
    assert result.error_message is not None
    assert "git push" in result.error_message
    assert "does not appear to be a git repository" in result.stderr
    failed = app.sessions.get_session(scope, finalize.session_id)
    assert failed.status is SessionStatus.FAILED
    assert failed.state["error"] == result.error_message
    # The user must see git's reason, not only the last line of its advice.
    assert "does not appear to be a git repository" in failed.state["error"]
    assert "finalized_at" in failed.state
    assert BRANCH not in git_project.remote_branches()
