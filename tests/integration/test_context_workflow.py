"""A whole context coding session through the engine against a real git repository.

The children are completed by the test, as the runner will do in the next issue.
"""

from __future__ import annotations

import pytest

from codemyspec.bootstrap import App
from codemyspec.context_coding_sessions import Finalize, Initialize, SpawnComponentCodingSessions
from codemyspec.errors import SessionCompleteError
from codemyspec.runner import execute_shell_command
from codemyspec.scope import Scope
from codemyspec.sessions import Interaction, Result, ResultStatus, SessionStatus, SessionUpdate
from tests.support.factories import (
    finish_children,
    make_context,
    make_context_session,
    write_component,
)
from tests.support.git_repos import GitProject, git
from tests.support.postgres import on_both_databases
from tests.support.runner_reports import with_workspace_facts

pytestmark = on_both_databases

MONEY = "def add(a: int, b: int) -> int:\n    return a + b\n"
MONEY_TEST = "from shop.billing.money import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
LEDGER = "from shop.billing.money import add\n\n\ndef total(xs):\n    return sum(xs)\n"
LEDGER_TEST = (
    "from shop.billing.ledger import total\n\n\ndef test_total():\n    assert total([1, 2]) == 3\n"
)


def run(app: App, scope: Scope, interaction: Interaction, project: GitProject) -> None:
    """Execute a shell command for real and hand its result to the engine."""
    result = execute_shell_command(interaction.command, project.root, app.shell)
    app.sessions.handle_result(scope, interaction.session_id, interaction.id, result)


def test_a_context_goes_from_branch_to_one_pushed_commit(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    context = make_context(app, scope, "Billing", [("Money", 2), ("Ledger", 1)])
    session = make_context_session(app, scope, context)
    main_head = git("rev-parse", "HEAD", cwd=git_project.root).strip()

    initialize = app.sessions.next_command(scope, session.id)
    assert initialize.step == Initialize.name
    run(app, scope, initialize, git_project)
    branch = "code-context-coding-session-for-billing"
    assert git_project.current_branch() == branch

    spawn = app.sessions.next_command(scope, session.id)
    assert spawn.step == SpawnComponentCodingSessions.name
    child_ids = spawn.command.child_session_ids
    assert len(child_ids) == 2

    # The runner reports back while a child is still active: validation refuses.
    finish_children(app, scope, session.id)
    app.sessions.update_session(scope, child_ids[1], SessionUpdate(status=SessionStatus.ACTIVE))
    after = app.sessions.handle_result(
        scope, session.id, spawn.id, Result.ok(data={"runner": "test"})
    )
    assert after.interactions[0].result is not None
    assert after.interactions[0].result.status is ResultStatus.ERROR
    assert "Child sessions still running: Ledger" in (
        after.interactions[0].result.error_message or ""
    )

    # The loop comes back to Spawn with the very same children.
    again = app.sessions.next_command(scope, session.id)
    assert again.step == SpawnComponentCodingSessions.name
    assert again.id != spawn.id
    assert again.command.child_session_ids == child_ids
    write_component(git_project.root, "billing/money", MONEY, MONEY_TEST)
    write_component(git_project.root, "billing/ledger", LEDGER, LEDGER_TEST)
    finish_children(app, scope, session.id)
    reported = with_workspace_facts(app, scope, session.id, Result.ok(data={"runner": "test"}))
    validated = app.sessions.handle_result(scope, session.id, again.id, reported)
    assert validated.interactions[0].result is not None
    assert validated.interactions[0].result.status is ResultStatus.OK

    finalize = app.sessions.next_command(scope, session.id)
    assert finalize.step == Finalize.name
    run(app, scope, finalize, git_project)

    done = app.sessions.get_session(scope, session.id)
    assert done.status is SessionStatus.COMPLETE
    with pytest.raises(SessionCompleteError, match="complete"):
        app.sessions.next_command(scope, session.id)
    assert [i.step for i in reversed(done.interactions)] == [
        Initialize.name,
        SpawnComponentCodingSessions.name,
        SpawnComponentCodingSessions.name,
        Finalize.name,
    ]
    assert len(app.sessions.list_sessions(scope, parent_id=session.id)) == 2

    assert branch in git_project.remote_branches()
    parents = git("rev-list", "--parents", "-n", "1", branch, cwd=git_project.remote).split()
    assert parents[1:] == [main_head], "exactly one new commit on top of main"
    assert git_project.remote_log(branch)[0] == (
        "Implement Billing context\n\n- Money\n- Ledger\n\n"
        "Co-Authored-By: Claude Code <noreply@anthropic.com>"
    )
    assert {
        "src/shop/billing/money.py",
        "src/shop/billing/ledger.py",
        "tests/billing/test_money.py",
        "tests/billing/test_ledger.py",
    } <= set(git_project.remote_files(branch))
