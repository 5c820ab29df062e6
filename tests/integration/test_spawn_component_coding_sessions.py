"""SpawnComponentCodingSessions through the real sessions engine, SQLite, git and pytest.

Every test reaches the Spawn step the way a user does: Initialize runs for real (a real
``git switch`` in a real repository), then the engine asks Spawn for its command, and the
runner's report is judged by Spawn's validation (real files, real pytest subprocesses).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import text

from codemyspec.bootstrap import App
from codemyspec.cli.reports import print_validation
from codemyspec.context_coding_sessions import (
    CHILD_SESSION_TYPE,
    CULPRITS_KEY,
    SESSION_TYPE,
    Culprit,
    Finalize,
    Initialize,
    SpawnChecked,
    SpawnComponentCodingSessions,
    ValidationReport,
)
from codemyspec.errors import NotFoundError, StepError, ValidationError
from codemyspec.runner import execute_shell_command
from codemyspec.scope import Scope
from codemyspec.sessions import (
    CommandKind,
    ExecutionMode,
    ExecutionStrategy,
    Interaction,
    Result,
    ResultStatus,
    Session,
    SessionAttrs,
    SessionStatus,
    SessionUpdate,
    SpawnSessionsCommand,
    StepContext,
)
from tests.support.factories import (
    Context,
    finish_children,
    make_context,
    make_context_session,
    write_component,
)
from tests.support.git_repos import GitProject
from tests.support.runner_reports import with_workspace_facts

SPAWN_LOGGER = "codemyspec.sessions.service"  # the engine creates the children a step lists

MONEY = "def add(a: int, b: int) -> int:\n    return a + b\n"
MONEY_TEST = "from shop.billing.money import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
LEDGER = "def total(xs):\n    return sum(xs)\n"
LEDGER_TEST = (
    "from shop.billing.ledger import total\n\n\ndef test_total():\n    assert total([1, 2]) == 3\n"
)
LEDGER_WRONG_TEST = (
    "from shop.billing.ledger import total\n\n\ndef test_total():\n    assert total([1, 2]) == 4\n"
)


# --- helpers -------------------------------------------------------------------------------


def initialize(app: App, scope: Scope, session_id: int, cwd: Path) -> str:
    """Run the Initialize step for real in ``cwd``; returns the branch it recorded."""
    interaction = app.sessions.next_command(scope, session_id)
    assert interaction.step == Initialize.name
    result = execute_shell_command(interaction.command, cwd, app.shell)
    assert result.status is ResultStatus.OK, result.error_message
    session = app.sessions.handle_result(scope, session_id, interaction.id, result)
    return str(session.state["branch_name"])


def start_context(
    app: App,
    scope: Scope,
    git_project: GitProject,
    children: list[tuple[str, int | None]] | None = None,
) -> tuple[Context, Session]:
    """A context with its children, and its session past Initialize (on its branch)."""
    context = make_context(app, scope, "Billing", children)
    session = make_context_session(app, scope, context)
    initialize(app, scope, session.id, git_project.root)
    return context, app.sessions.get_session(scope, session.id)


def spawn(app: App, scope: Scope, session_id: int) -> Interaction:
    interaction = app.sessions.next_command(scope, session_id)
    assert interaction.step == SpawnComponentCodingSessions.name
    return interaction


def child_names(app: App, scope: Scope, session_id: int, child_ids: list[int]) -> list[str]:
    """The component name of each child id, in the order given."""
    by_id = {
        child.id: child.component.name if child.component else None
        for child in app.sessions.get_session(scope, session_id).child_sessions
    }
    return [str(by_id[child_id]) for child_id in child_ids]


def report_back(app: App, scope: Scope, interaction: Interaction, result: Result) -> Result:
    """Submit the runner's result for ``interaction``; returns what the engine stored."""
    session = app.sessions.handle_result(scope, interaction.session_id, interaction.id, result)
    stored = session.interaction(interaction.id)
    assert stored is not None and stored.result is not None
    return stored.result


def assert_only_initialize_recorded(app: App, scope: Scope, session_id: int) -> None:
    """A refused Spawn left nothing behind: no pending interaction, only Initialize."""
    session = app.sessions.get_session(scope, session_id)
    assert session.pending_interaction() is None
    assert [i.step for i in session.interactions] == [Initialize.name]


def install_refusal(app: App, name: str, condition: str) -> None:
    """A real SQLite trigger that refuses inserting a session row matching ``condition``."""
    with app.database.engine.begin() as connection:
        connection.execute(
            text(
                f"CREATE TRIGGER {name} BEFORE INSERT ON sessions WHEN {condition} "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        )


# --- get_command: the children it creates --------------------------------------------------


def test_spawn_creates_one_agentic_child_per_component_inheriting_the_parents_settings(
    app: App, scope: Scope, git_project: GitProject, tmp_path: Path
) -> None:
    context = make_context(app, scope, "Billing", [("Money", 2), ("Ledger", 1)])
    parent = make_context_session(app, scope, context, agent="command", environment_type="clone")
    # A clone environment clones the remote into an empty directory, then switches branch.
    clone_dir = tmp_path / "clone"
    clone_dir.mkdir()
    branch = initialize(app, scope, parent.id, clone_dir)
    assert branch == "code-context-coding-session-for-billing"

    interaction = spawn(app, scope, parent.id)

    child_ids = interaction.command.child_session_ids
    children = app.sessions.list_sessions(scope, parent_id=parent.id)
    assert sorted(child.id for child in children) == sorted(child_ids)
    assert len(children) == 2
    by_component = {child.component_id: child for child in children}
    assert set(by_component) == {component.id for component in context.children}
    for child in children:
        assert child.type == CHILD_SESSION_TYPE
        assert child.session_id == parent.id
        assert child.status is SessionStatus.ACTIVE
        assert child.execution_mode is ExecutionMode.AGENTIC
        assert child.agent == "command"
        assert child.environment_type == "clone"
        assert child.state == {"parent_branch_name": branch}
        assert child.account_id == scope.account_id
        assert child.project_id == scope.project_id
        assert child.user_id == scope.user_id
        assert child.component_id is not None


def test_spawn_orders_children_by_priority_descending_then_name_with_no_priority_last(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    _, parent = start_context(
        app,
        scope,
        git_project,
        [("Delta", None), ("Charlie", 1), ("Echo", -5), ("Beta", 3), ("Alpha", 1)],
    )

    interaction = spawn(app, scope, parent.id)

    child_ids = interaction.command.child_session_ids
    assert child_names(app, scope, parent.id, child_ids) == [
        "Beta",
        "Alpha",
        "Charlie",
        "Echo",
        "Delta",
    ]


def test_spawn_asks_the_runner_to_start_the_children_asynchronously(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    _, parent = start_context(app, scope, git_project)
    before = datetime.now(UTC)

    interaction = spawn(app, scope, parent.id)

    command = interaction.command
    assert command.module == SpawnComponentCodingSessions.name
    assert isinstance(command, SpawnSessionsCommand)
    assert command.command is CommandKind.SPAWN_SESSIONS
    assert command.execution_strategy is ExecutionStrategy.ASYNC
    assert len(command.child_session_ids) == 2
    assert all(isinstance(i, int) for i in command.child_session_ids)
    stamped = command.timestamp
    assert stamped.tzinfo is not None
    assert before - timedelta(seconds=1) <= stamped <= datetime.now(UTC) + timedelta(seconds=1)
    # The command is stored as the session's pending interaction.
    stored = app.sessions.get_session(scope, parent.id).pending_interaction()
    assert stored is not None and stored.id == interaction.id


def test_spawn_reuses_the_same_children_after_a_validation_error(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    _, parent = start_context(app, scope, git_project)
    first = spawn(app, scope, parent.id)
    child_ids = first.command.child_session_ids
    sessions_before = app.sessions.list_sessions(scope)
    assert len(sessions_before) == 3

    # The runner reports back while the children are still active: validation refuses.
    stored = report_back(app, scope, first, Result.ok())
    assert stored.status is ResultStatus.ERROR

    second = spawn(app, scope, parent.id)

    assert second.id != first.id
    assert second.command.child_session_ids == child_ids
    sessions_after = app.sessions.list_sessions(scope)
    assert [s.id for s in sessions_after] == [s.id for s in sessions_before]
    assert len(app.sessions.list_sessions(scope, parent_id=parent.id)) == 2


def test_spawn_refuses_an_existing_child_of_another_session_type(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    context, parent = start_context(app, scope, git_project)
    with app.unit_of_work() as uow:
        uow.sessions.create(
            scope,
            SessionAttrs(
                type=SESSION_TYPE,
                session_id=parent.id,
                component_id=context.children[0].id,
            ),
        )

    with pytest.raises(StepError, match=r"^Invalid child session type: ContextCodingSessions$"):
        app.sessions.next_command(scope, parent.id)

    assert_only_initialize_recorded(app, scope, parent.id)
    assert len(app.sessions.list_sessions(scope, parent_id=parent.id)) == 1


def test_spawn_refuses_a_context_without_child_components(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    _, parent = start_context(app, scope, git_project, children=[])

    with pytest.raises(StepError, match=r"^No child components found for context$"):
        app.sessions.next_command(scope, parent.id)

    assert_only_initialize_recorded(app, scope, parent.id)
    assert app.sessions.list_sessions(scope, parent_id=parent.id) == []


def test_spawn_refuses_a_session_without_a_component(app: App, scope: Scope) -> None:
    session = app.sessions.create_session(scope, SessionAttrs(type=SESSION_TYPE))
    loaded = app.sessions.get_session(scope, session.id)
    assert loaded.component is None and loaded.project is not None

    with app.unit_of_work() as uow:
        context = StepContext(sessions=uow.sessions, components=uow.components)
        with pytest.raises(StepError, match=r"^Context component not found$"):
            SpawnComponentCodingSessions.get_command(scope, loaded, context=context)

    assert app.sessions.list_sessions(scope, parent_id=session.id) == []


def test_spawn_refuses_a_session_whose_context_component_was_deleted(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    context, parent = start_context(app, scope, git_project)
    with app.unit_of_work() as uow:
        uow.components.delete(scope, context.component.id)

    with pytest.raises(StepError, match=r"^Context component not found$"):
        app.sessions.next_command(scope, parent.id)

    assert_only_initialize_recorded(app, scope, parent.id)
    assert app.sessions.list_sessions(scope, parent_id=parent.id) == []


def test_spawn_logs_and_skips_a_child_the_database_refuses_and_creates_the_others(
    app: App, scope: Scope, git_project: GitProject, caplog: pytest.LogCaptureFixture
) -> None:
    context, parent = start_context(
        app, scope, git_project, [("Money", 3), ("Ledger", 2), ("Fee", 1)]
    )
    ledger = next(c for c in context.children if c.name == "Ledger")
    install_refusal(app, "refuse_ledger", f"NEW.component_id = {ledger.id}")

    with caplog.at_level(logging.WARNING, logger=SPAWN_LOGGER):
        interaction = spawn(app, scope, parent.id)

    child_ids = interaction.command.child_session_ids
    assert child_names(app, scope, parent.id, child_ids) == ["Money", "Fee"]
    children = app.sessions.list_sessions(scope, parent_id=parent.id)
    assert sorted(child.id for child in children) == sorted(child_ids)
    assert ledger.id not in {child.component_id for child in children}
    warnings = [r for r in caplog.records if r.name == SPAWN_LOGGER]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "Ledger" in warnings[0].getMessage()
    assert "refused" in warnings[0].getMessage()


def test_spawn_fails_when_no_child_can_be_created_and_keeps_no_rows(
    app: App, scope: Scope, git_project: GitProject, caplog: pytest.LogCaptureFixture
) -> None:
    _, parent = start_context(app, scope, git_project)
    install_refusal(app, "refuse_children", "NEW.session_id IS NOT NULL")

    with (
        caplog.at_level(logging.WARNING, logger=SPAWN_LOGGER),
        pytest.raises(StepError, match=r"^Failed to spawn any child sessions$"),
    ):
        app.sessions.next_command(scope, parent.id)

    logged = " ".join(r.getMessage() for r in caplog.records if r.name == SPAWN_LOGGER)
    assert "Money" in logged and "Ledger" in logged
    assert app.sessions.list_sessions(scope, parent_id=parent.id) == []
    assert [s.id for s in app.sessions.list_sessions(scope)] == [parent.id]
    assert_only_initialize_recorded(app, scope, parent.id)


# --- handle_result: validation --------------------------------------------------------------


def test_validation_passes_when_children_are_complete_and_files_and_tests_are_good(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    _, parent = start_context(app, scope, git_project)
    interaction = spawn(app, scope, parent.id)
    finish_children(app, scope, parent.id)
    write_component(git_project.root, "billing/money", MONEY, MONEY_TEST)
    write_component(git_project.root, "billing/ledger", LEDGER, LEDGER_TEST)
    before = app.sessions.get_session(scope, parent.id)

    reported = with_workspace_facts(app, scope, parent.id, Result.ok(data={"runner": "test"}))
    stored = report_back(app, scope, interaction, reported)

    assert stored.status is ResultStatus.OK
    assert stored.error_message is None
    assert stored.data["runner"] == "test"
    assert stored.data["validation"] == {
        "running": [],
        "failed": [],
        "cancelled": [],
        "missing_files": [],
        "failing_tests": [],
        "broken_tests": [],
        "preexisting_failures": [],
        "preexisting_block": False,
        "culprits": [],
        "repairing": [],
        "verdicts": [],
    }
    after = app.sessions.get_session(scope, parent.id)
    assert after.state == before.state
    assert after.status is SessionStatus.ACTIVE
    assert app.sessions.next_command(scope, parent.id).step == Finalize.name


def test_validation_reports_running_failed_and_cancelled_children_in_one_message(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    _, parent = start_context(
        app, scope, git_project, [("Money", 5), ("Ledger", 4), ("Fee", 3), ("Tax", 2), ("Vat", 1)]
    )
    interaction = spawn(app, scope, parent.id)
    ids = dict(
        zip(
            child_names(app, scope, parent.id, interaction.command.child_session_ids),
            interaction.command.child_session_ids,
            strict=True,
        )
    )
    # Money and Vat stay active; Ledger failed; Fee and Tax were cancelled.
    updates = {
        "Ledger": SessionUpdate(status=SessionStatus.FAILED, state={"error": "agent crashed"}),
        "Fee": SessionUpdate(
            status=SessionStatus.CANCELLED, state={"error": "dependency Ledger failed"}
        ),
        "Tax": SessionUpdate(status=SessionStatus.CANCELLED),
    }
    for name, update in updates.items():
        app.sessions.update_session(scope, ids[name], update)

    stored = report_back(app, scope, interaction, Result.ok())

    assert stored.status is ResultStatus.ERROR
    message = stored.error_message or ""
    assert "Child sessions still running: Money, Vat" in message
    assert "Child sessions failed: Ledger (agent crashed)" in message
    assert (
        "Child sessions cancelled: Fee (dependency Ledger failed), Tax (no reason recorded)"
        in message
    )
    validation = stored.data["validation"]
    assert [p["component"] for p in validation["running"]] == ["Money", "Vat"]
    assert [p["component"] for p in validation["failed"]] == ["Ledger"]
    assert [p["component"] for p in validation["cancelled"]] == ["Fee", "Tax"]
    # The orchestrator loops back to Spawn, with the same children.
    again = spawn(app, scope, parent.id)
    assert again.command.child_session_ids == interaction.command.child_session_ids


def test_validation_lists_every_missing_implementation_and_test_file(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    _, parent = start_context(app, scope, git_project)
    interaction = spawn(app, scope, parent.id)
    finish_children(app, scope, parent.id)
    # Money has its code but no test; Ledger has its test but no code.
    git_project.write("src/shop/billing/money.py", MONEY)
    git_project.write("tests/billing/test_ledger.py", LEDGER_TEST)

    stored = report_back(app, scope, interaction, with_workspace_facts(app, scope, parent.id))

    assert stored.status is ResultStatus.ERROR
    assert stored.error_message == (
        "Missing files: tests/billing/test_money.py, src/shop/billing/ledger.py"
    )
    assert stored.data["validation"]["missing_files"] == [
        "tests/billing/test_money.py",
        "src/shop/billing/ledger.py",
    ]
    assert app.sessions.next_command(scope, parent.id).step == SpawnComponentCodingSessions.name


def test_validation_names_the_component_and_the_test_that_fails(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    _, parent = start_context(app, scope, git_project)
    interaction = spawn(app, scope, parent.id)
    finish_children(app, scope, parent.id)
    write_component(git_project.root, "billing/money", MONEY, MONEY_TEST)
    write_component(git_project.root, "billing/ledger", LEDGER, LEDGER_WRONG_TEST)

    stored = report_back(app, scope, interaction, with_workspace_facts(app, scope, parent.id))

    assert stored.status is ResultStatus.ERROR
    message = stored.error_message or ""
    assert message.startswith("Unit tests failing for Ledger: 0 passed, 1 failed · ")
    assert "test_total" in message
    assert "Money" not in message
    failing = stored.data["validation"]["failing_tests"]
    assert [f["component"] for f in failing] == ["Ledger"]
    assert failing[0]["test_file"] == "tests/billing/test_ledger.py"
    assert [case["test_id"].rsplit("::", 1)[-1] for case in failing[0]["failed_cases"]] == [
        "test_total"
    ]
    assert app.sessions.next_command(scope, parent.id).step == SpawnComponentCodingSessions.name


def test_validation_overrules_an_ok_result_while_a_child_is_still_active(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    _, parent = start_context(app, scope, git_project)
    interaction = spawn(app, scope, parent.id)
    child_ids = interaction.command.child_session_ids
    finish_children(app, scope, parent.id)
    app.sessions.update_session(scope, child_ids[1], SessionUpdate(status=SessionStatus.ACTIVE))
    write_component(git_project.root, "billing/money", MONEY, MONEY_TEST)
    write_component(git_project.root, "billing/ledger", LEDGER, LEDGER_TEST)

    stored = report_back(app, scope, interaction, Result.ok(data={"runner": "all children done"}))

    assert stored.status is ResultStatus.ERROR
    assert stored.error_message == "Child sessions still running: Ledger"
    assert stored.data["runner"] == "all children done"


def test_validation_reads_children_from_the_database_not_from_the_session_it_is_given(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    _, parent = start_context(app, scope, git_project)
    interaction = spawn(app, scope, parent.id)
    child_ids = interaction.command.child_session_ids
    finish_children(app, scope, parent.id)
    stale = app.sessions.get_session(scope, parent.id)
    assert all(child.status is SessionStatus.COMPLETE for child in stale.child_sessions)
    app.sessions.update_session(scope, child_ids[0], SessionUpdate(status=SessionStatus.ACTIVE))
    assert stale.project is not None

    with app.unit_of_work() as uow:
        context = StepContext(sessions=uow.sessions, components=uow.components)
        outcome = SpawnComponentCodingSessions.handle_result(
            scope, stale, Result.ok(), context=context
        )

    assert outcome.result.status is ResultStatus.ERROR
    assert outcome.result.error_message == "Child sessions still running: Money"
    assert outcome.updates == SessionUpdate()


def test_validation_of_an_unknown_session_is_a_not_found_error(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    _, parent = start_context(app, scope, git_project)
    missing = parent.model_copy(update={"id": parent.id + 10_000})
    assert parent.project is not None

    with app.unit_of_work() as uow:
        context = StepContext(sessions=uow.sessions, components=uow.components)
        with pytest.raises(NotFoundError, match=r"^Session not found$"):
            SpawnComponentCodingSessions.handle_result(scope, missing, Result.ok(), context=context)


def test_a_runner_failure_without_workspace_facts_is_a_failed_validation_with_its_message(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    # As on a server: the engine has no working tree, and the runner reported none.
    _, parent = start_context(app, scope, git_project)
    spawn(app, scope, parent.id)
    finish_children(app, scope, parent.id)
    loaded = app.sessions.get_session(scope, parent.id)
    failure = "could not integrate Money: git checkout exited with 128: fatal: bad object"

    with app.unit_of_work() as uow:
        context = StepContext(sessions=uow.sessions, components=uow.components)
        outcome = SpawnComponentCodingSessions.handle_result(
            scope, loaded, Result.error(failure), context=context
        )

    assert outcome.result.status is ResultStatus.ERROR
    assert outcome.result.error_message == failure
    assert outcome.result.data["validation"]["missing_files"] == []
    assert outcome.updates == SessionUpdate()


def test_a_result_without_workspace_facts_once_children_are_done_is_refused_and_not_recorded(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    # The engine never runs tests itself: an ok report that says nothing of the tree is a
    # broken runner, refused with the field it lacks; the interaction waits for a real one.
    _, parent = start_context(app, scope, git_project)
    interaction = spawn(app, scope, parent.id)
    finish_children(app, scope, parent.id)
    write_component(git_project.root, "billing/money", MONEY, MONEY_TEST)
    write_component(git_project.root, "billing/ledger", LEDGER, LEDGER_TEST)

    with pytest.raises(ValidationError, match=r"^result data\.workspace is missing: "):
        app.sessions.handle_result(scope, parent.id, interaction.id, Result.ok())

    pending = app.sessions.get_session(scope, parent.id).pending_interaction()
    assert pending is not None and pending.id == interaction.id
    stored = report_back(app, scope, interaction, with_workspace_facts(app, scope, parent.id))
    assert stored.status is ResultStatus.OK


def test_a_push_failure_reported_to_a_server_is_recorded_as_the_failure_it_is(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    # A runner sharing branches could not push before running the children: the server (no
    # tree of its own) records the failure with the children's statuses, nothing pending.
    _, parent = start_context(app, scope, git_project)
    interaction = spawn(app, scope, parent.id)
    finish_children(app, scope, parent.id)
    failure = "could not push code-context-coding-session-for-billing (for the other runners)"

    stored = report_back(app, scope, interaction, Result.error(failure))

    assert stored.status is ResultStatus.ERROR
    assert stored.error_message == failure
    assert stored.data["runner_error"] == failure
    assert stored.data["validation"]["failing_tests"] == []
    assert app.sessions.get_session(scope, parent.id).pending_interaction() is None


# --- culprits: every child passed alone, the whole fails ------------------------------------


def failing_ledger_with_culprit(
    app: App, scope: Scope, git_project: GitProject, *, culprits: object = None
) -> tuple[Session, Interaction, Result]:
    """Both children complete, Ledger's test failing in the tree, and the runner's finding
    that Money's changes break it (``culprits`` instead, when given)."""
    _, parent = start_context(app, scope, git_project)
    interaction = spawn(app, scope, parent.id)
    finish_children(app, scope, parent.id)
    write_component(git_project.root, "billing/money", MONEY, MONEY_TEST)
    write_component(git_project.root, "billing/ledger", LEDGER, LEDGER_WRONG_TEST)
    parent = app.sessions.get_session(scope, parent.id)
    money = next(c for c in parent.child_sessions if c.component and c.component.name == "Money")
    found = Culprit(
        component="Billing.Money",
        session_id=money.id,
        owner="Billing.Ledger",
        test_file="tests/billing/test_ledger.py",
        breaks=["tests/billing/test_ledger.py::test_total"],
    )
    reported = with_workspace_facts(app, scope, parent.id)
    data = {**reported.data, CULPRITS_KEY: culprits or [found.model_dump(mode="json")]}
    return parent, interaction, reported.model_copy(update={"data": data})


def test_the_culprit_alone_is_reopened_for_a_repair_and_spawn_runs_again(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    parent, interaction, result = failing_ledger_with_culprit(app, scope, git_project)
    ledger = next(c for c in parent.child_sessions if c.component and c.component.name == "Ledger")
    app.sessions.update_session(scope, ledger.id, SessionUpdate(state={"branch_name": "b--ledger"}))

    stored = report_back(app, scope, interaction, result)

    assert stored.status is ResultStatus.WARNING
    message = stored.error_message or ""
    assert "Billing.Money breaks tests/billing/test_ledger.py::test_total" in message
    assert "Repairing (validated again after): Money" in message
    children = {
        c.component.name: c
        for c in app.sessions.get_session(scope, parent.id).child_sessions
        if c.component
    }
    assert children["Money"].status is SessionStatus.ACTIVE
    repair = children["Money"].state["repair"]
    assert repair["test_files"] == ["tests/billing/test_ledger.py"]
    assert repair["merge_branches"] == ["b--ledger"]
    assert repair["culprits"][0]["breaks"] == ["tests/billing/test_ledger.py::test_total"]
    assert children["Ledger"].status is SessionStatus.COMPLETE
    assert app.sessions.next_command(scope, parent.id).step == SpawnComponentCodingSessions.name


def test_a_culprit_without_fix_rounds_left_is_named_in_a_failed_validation(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    parent, interaction, result = failing_ledger_with_culprit(app, scope, git_project)
    for child in parent.child_sessions:
        app.sessions.update_session(scope, child.id, SessionUpdate(state={"max_fix_rounds": 0}))

    stored = report_back(app, scope, interaction, result)

    assert stored.status is ResultStatus.ERROR
    message = stored.error_message or ""
    assert "Billing.Money breaks tests/billing/test_ledger.py::test_total" in message
    assert "Repairing" not in message
    after = app.sessions.get_session(scope, parent.id).child_sessions
    assert all(c.status is SessionStatus.COMPLETE for c in after)
    console = Console(record=True, width=200)
    print_validation(SpawnChecked.of(stored).validation or ValidationReport(), console)
    shown = console.export_text()
    assert "  Billing.Money breaks tests/billing/test_ledger.py::test_total\n" in shown


def test_a_malformed_culprit_finding_is_refused_with_the_field_it_lacks(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    _, interaction, result = failing_ledger_with_culprit(
        app, scope, git_project, culprits=[{"component": "Billing.Money"}]
    )

    refused = r"^result data\.culprits is malformed: session_id: Field required; owner: "
    with pytest.raises(ValidationError, match=refused):
        app.sessions.handle_result(scope, interaction.session_id, interaction.id, result)
