"""The sessions engine (``app.sessions``) over a real SQLite file and a real git checkout."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar

import pytest
from sqlalchemy import text

from codemyspec.bootstrap import App
from codemyspec.context_coding_sessions import (
    CHILD_SESSION_TYPE,
    SESSION_TYPE,
    Initialize,
    SpawnComponentCodingSessions,
)
from codemyspec.errors import (
    NotFoundError,
    PersistenceError,
    ResultAlreadyRecordedError,
    SessionCompleteError,
    SessionNotActiveError,
    UnknownSessionTypeError,
    ValidationError,
)
from codemyspec.runner import execute_shell_command
from codemyspec.scope import Scope
from codemyspec.sessions import (
    Command,
    EventKind,
    ExecutionMode,
    Interaction,
    Result,
    ResultStatus,
    Session,
    SessionAttrs,
    SessionEvent,
    SessionStatus,
    SessionUpdate,
    ShellCommand,
    SpawnSessionsCommand,
    StepOutcome,
)
from tests.support.factories import Context, make_context, make_context_session
from tests.support.git_repos import GitProject
from tests.support.postgres import on_both_databases
from tests.support.queries import counting_queries
from tests.support.refused_writes import refusing_writes

pytestmark = on_both_databases

BRANCH = "code-context-coding-session-for-billing"


# --- helpers ----------------------------------------------------------------------------------


def run_initialize(
    app: App, scope: Scope, session: Session, project: GitProject
) -> tuple[Interaction, Session]:
    """Hand out Initialize, run its git command in the checkout, report the result."""
    interaction = app.sessions.next_command(scope, session.id)
    assert interaction.step == Initialize.name
    result = execute_shell_command(interaction.command, project.root, app.shell)
    assert result.status is ResultStatus.OK, result.error_message
    return interaction, app.sessions.handle_result(scope, session.id, interaction.id, result)


def interaction_rows(app: App) -> int:
    with app.database.engine.connect() as connection:
        count = connection.scalar(text("SELECT count(*) FROM interactions"))
    assert isinstance(count, int)
    return count


def session_rows(app: App) -> int:
    with app.database.engine.connect() as connection:
        count = connection.scalar(text("SELECT count(*) FROM sessions"))
    assert isinstance(count, int)
    return count


def child_session(app: App, scope: Scope, parent: Session, component_id: int) -> Session:
    return app.sessions.create_session(
        scope,
        SessionAttrs(type=CHILD_SESSION_TYPE, component_id=component_id, session_id=parent.id),
    )


def session_with(
    app: App, scope: Scope, name: str, children: int, interactions: int
) -> tuple[Context, Session]:
    """A context session with ``children`` child sessions and ``interactions`` interactions."""
    context = make_context(app, scope, name, [(f"Part{i}", i) for i in range(children)])
    session = make_context_session(app, scope, context)
    for component in context.children:
        child_session(app, scope, session, component.id)
    for round_number in range(interactions):
        pending = app.sessions.next_command(scope, session.id)
        app.sessions.handle_result(
            scope, session.id, pending.id, Result.error(f"round {round_number} failed")
        )
    return context, session


# --- create, get, list, update, delete --------------------------------------------------------


def test_a_created_session_is_active_manual_and_owned_by_the_scope(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    context = make_context(app, scope)
    created = app.sessions.create_session(
        scope,
        SessionAttrs(type=SESSION_TYPE, component_id=context.component.id, state={"k": 1}),
    )

    assert created.type == SESSION_TYPE
    assert created.status is SessionStatus.ACTIVE
    assert created.execution_mode is ExecutionMode.MANUAL
    assert created.account_id == scope.account_id
    assert created.user_id == scope.user_id
    assert created.project_id == scope.project_id, "the project comes from the scope"
    assert created.state == {"k": 1}
    assert created.interactions == []
    assert created.child_sessions == []
    assert app.sessions.get_session(scope, created.id) == created


def test_get_session_loads_component_project_interactions_newest_first_and_children(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    context = make_context(app, scope, "Billing", [("Money", 2), ("Ledger", 1)])
    session = make_context_session(app, scope, context)
    first = app.sessions.next_command(scope, session.id)
    app.sessions.handle_result(scope, session.id, first.id, Result.error("not yet"))
    second, _ = run_initialize(app, scope, session, git_project)
    money = child_session(app, scope, session, context.children[0].id)
    ledger = child_session(app, scope, session, context.children[1].id)

    loaded = app.sessions.get_session(scope, session.id)

    assert loaded.component is not None
    assert loaded.component.module_name == "Billing"
    assert loaded.project is not None
    assert loaded.project.root == str(git_project.root)
    assert [i.id for i in loaded.interactions] == [second.id, first.id], "newest first"
    assert [i.result.status for i in loaded.interactions if i.result] == [
        ResultStatus.OK,
        ResultStatus.ERROR,
    ]
    assert [c.id for c in loaded.child_sessions] == [money.id, ledger.id]
    assert [c.component.name for c in loaded.child_sessions if c.component] == [
        "Money",
        "Ledger",
    ]


def test_get_session_takes_the_same_number_of_queries_for_2_or_10_children_and_interactions(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    _, small = session_with(app, scope, "Small", children=2, interactions=2)
    _, large = session_with(app, scope, "Large", children=10, interactions=10)

    with counting_queries(app) as small_queries:
        loaded_small = app.sessions.get_session(scope, small.id)
    with counting_queries(app) as large_queries:
        loaded_large = app.sessions.get_session(scope, large.id)

    assert (len(loaded_small.child_sessions), len(loaded_small.interactions)) == (2, 2)
    assert (len(loaded_large.child_sessions), len(loaded_large.interactions)) == (10, 10)
    assert all(child.component is not None for child in loaded_large.child_sessions)
    assert len(large_queries) == len(small_queries), large_queries
    assert len(large_queries) <= 8, large_queries


def test_a_pure_step_is_handed_out_and_judged_in_a_handful_of_statements(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = make_context_session(app, scope, make_context(app, scope))

    with counting_queries(app) as handing_out:
        pending = app.sessions.next_command(scope, session.id)
    with counting_queries(app) as judging:
        judged = app.sessions.handle_result(scope, session.id, pending.id, Result.ok())

    # BEGIN (SQLite), load (two selects: no children), then one insert; BEGIN, load, then
    # one update each for the result and the state.
    assert len(handing_out) <= 4, handing_out
    assert len(judging) <= 5, judging
    assert judged == app.sessions.get_session(scope, session.id), "what a reload reads"
    assert judged.state["branch_name"] == BRANCH


def spawned_with(app: App, scope: Scope, name: str, children: int) -> Session:
    """A context session of ``children`` components, initialized and about to spawn."""
    context = make_context(app, scope, name, [(f"Part{i}", i) for i in range(children)])
    session = make_context_session(app, scope, context)
    pending = app.sessions.next_command(scope, session.id)
    app.sessions.handle_result(scope, session.id, pending.id, Result.ok())
    return session


def test_spawning_10_children_sends_as_many_statements_as_spawning_2(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    small, large = spawned_with(app, scope, "Small", 2), spawned_with(app, scope, "Large", 10)

    with counting_queries(app) as spawning_small:
        two = app.sessions.next_command(scope, small.id)
    with counting_queries(app) as spawning_large:
        ten = app.sessions.next_command(scope, large.id)

    assert isinstance(ten.command, SpawnSessionsCommand)
    assert isinstance(two.command, SpawnSessionsCommand)
    children = app.sessions.get_session(scope, large.id).child_sessions
    assert ten.command.child_session_ids == [c.id for c in children]
    assert len(children) == 10 and len(two.command.child_session_ids) == 2
    assert len(spawning_large) == len(spawning_small), spawning_large
    assert len(spawning_large) <= 11, spawning_large


def test_cancelling_10_children_sends_as_many_statements_as_cancelling_2(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    small, large = spawned_with(app, scope, "Small", 2), spawned_with(app, scope, "Large", 10)
    app.sessions.next_command(scope, small.id)
    app.sessions.next_command(scope, large.id)

    with counting_queries(app) as cancelling_small:
        app.sessions.cancel_session(scope, small.id)
    with counting_queries(app) as cancelling_large:
        cancelled = app.sessions.cancel_session(scope, large.id)

    assert cancelled.status is SessionStatus.CANCELLED
    assert [c.status for c in cancelled.child_sessions] == [SessionStatus.CANCELLED] * 10
    assert all(c.state["error"] == "cancelled by user" for c in cancelled.child_sessions)
    assert len(cancelling_large) == len(cancelling_small), cancelling_large
    assert len(cancelling_large) <= 9, cancelling_large


def test_reading_a_session_waits_for_no_writer_and_sees_only_what_was_committed(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    if app.database.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock: PostgreSQL's readers never take one")
    session = make_context_session(app, scope, make_context(app, scope))

    with app.database.engine.connect() as writer:  # holds SQLite's write lock until it ends
        writer.execute(text("UPDATE sessions SET agent = 'uncommitted'"))
        loaded = app.sessions.get_session(scope, session.id)
        listed = app.sessions.list_sessions(scope)

    assert loaded == session
    assert [s.agent for s in listed] == [session.agent]


def test_list_sessions_filters_by_status_type_parent_and_roots(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    billing = make_context(app, scope, "Billing", [("Money", 2), ("Ledger", 1)])
    shipping = make_context(app, scope, "Shipping", [("Rate", 1)])
    active_root = make_context_session(app, scope, billing)
    failed_root = make_context_session(app, scope, shipping)
    app.sessions.update_session(scope, failed_root.id, SessionUpdate(status=SessionStatus.FAILED))
    money = child_session(app, scope, active_root, billing.children[0].id)
    ledger = child_session(app, scope, active_root, billing.children[1].id)
    rate = child_session(app, scope, failed_root, shipping.children[0].id)

    def ids(**filters: Any) -> list[int]:
        return [s.id for s in app.sessions.list_sessions(scope, **filters)]

    assert ids() == [active_root.id, failed_root.id, money.id, ledger.id, rate.id]
    assert ids(status=SessionStatus.FAILED) == [failed_root.id]
    assert ids(type=SESSION_TYPE) == [active_root.id, failed_root.id]
    assert ids(type=CHILD_SESSION_TYPE) == [money.id, ledger.id, rate.id]
    assert ids(parent_id=active_root.id) == [money.id, ledger.id]
    assert ids(roots_only=True) == [active_root.id, failed_root.id]
    assert ids(roots_only=True, status=SessionStatus.ACTIVE) == [active_root.id]
    assert ids(type="NoSuchWorkflow") == []
    listed = app.sessions.list_sessions(scope, parent_id=active_root.id)
    assert [s.component.name for s in listed if s.component] == ["Money", "Ledger"]


def test_update_merges_state_key_by_key_and_keeps_what_it_does_not_mention(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    context = make_context(app, scope)
    session = app.sessions.create_session(
        scope,
        SessionAttrs(
            type=SESSION_TYPE,
            component_id=context.component.id,
            agent="claude_code",
            state={"kept": 1, "replaced": {"old": True}},
        ),
    )

    updated = app.sessions.update_session(
        scope,
        session.id,
        SessionUpdate(state={"replaced": 2, "added": "x"}, external_conversation_id="conv-1"),
    )

    assert updated.state == {"kept": 1, "replaced": 2, "added": "x"}
    assert updated.status is SessionStatus.ACTIVE
    assert updated.agent == "claude_code"
    assert updated.external_conversation_id == "conv-1"
    assert updated.updated_at >= session.updated_at

    failed = app.sessions.update_session(
        scope, session.id, SessionUpdate(status=SessionStatus.FAILED)
    )
    assert failed.status is SessionStatus.FAILED
    assert failed.state == {"kept": 1, "replaced": 2, "added": "x"}
    assert app.sessions.get_session(scope, session.id) == failed


def test_a_deleted_session_is_gone(app: App, scope: Scope, git_project: GitProject) -> None:
    context = make_context(app, scope)
    session = make_context_session(app, scope, context)
    kept = make_context_session(app, scope, make_context(app, scope, "Orders"))

    app.sessions.delete_session(scope, session.id)

    with pytest.raises(NotFoundError, match=f"Session {session.id} not found"):
        app.sessions.get_session(scope, session.id)
    with pytest.raises(NotFoundError, match=f"Session {session.id} not found"):
        app.sessions.delete_session(scope, session.id)
    assert [s.id for s in app.sessions.list_sessions(scope)] == [kept.id]


def test_a_session_that_does_not_exist_is_not_found(app: App, scope: Scope) -> None:
    with pytest.raises(NotFoundError, match="Session 4242 not found"):
        app.sessions.get_session(scope, 4242)
    with pytest.raises(NotFoundError, match="Session 4242 not found"):
        app.sessions.update_session(scope, 4242, SessionUpdate(state={"a": 1}))
    with pytest.raises(NotFoundError, match="Session 4242 not found"):
        app.sessions.next_command(scope, 4242)


def test_an_unknown_session_type_is_refused_naming_it_and_the_known_ones(
    app: App, scope: Scope, events: list[SessionEvent]
) -> None:
    with pytest.raises(UnknownSessionTypeError) as raised:
        app.sessions.create_session(scope, SessionAttrs(type="NoSuchWorkflow"))

    message = str(raised.value)
    assert "'NoSuchWorkflow'" in message
    assert SESSION_TYPE in message
    assert CHILD_SESSION_TYPE in message
    assert session_rows(app) == 0
    assert events == []


# --- next_command and handle_result ------------------------------------------------------------


def test_next_command_while_an_interaction_is_pending_hands_out_the_same_one(
    app: App, scope: Scope, git_project: GitProject, events: list[SessionEvent]
) -> None:
    session = make_context_session(app, scope, make_context(app, scope))

    first = app.sessions.next_command(scope, session.id)
    again = app.sessions.next_command(scope, session.id)

    assert (again.id, again.step, again.command) == (first.id, first.step, first.command)
    assert again.pending
    assert first.command.programs[-1] == ["git", "-C", ".", "switch", BRANCH]
    assert interaction_rows(app) == 1
    assert [e.kind for e in events].count(EventKind.INTERACTION_STARTED) == 1


def test_a_result_moves_the_workflow_to_its_next_step(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    context = make_context(app, scope, "Billing", [("Money", 2), ("Ledger", 1)])
    session = make_context_session(app, scope, context)

    initialize, after = run_initialize(app, scope, session, git_project)

    assert git_project.current_branch() == BRANCH
    assert after.state["branch_name"] == BRANCH
    assert "initialized_at" in after.state
    stored = after.interaction(initialize.id)
    assert stored is not None
    assert stored.result is not None
    assert stored.result.status is ResultStatus.OK
    assert stored.completed_at is not None
    spawn = app.sessions.next_command(scope, session.id)
    assert spawn.step == SpawnComponentCodingSessions.name


def test_a_completed_session_has_no_next_command(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = make_context_session(app, scope, make_context(app, scope))
    app.sessions.update_session(scope, session.id, SessionUpdate(status=SessionStatus.COMPLETE))

    with pytest.raises(SessionCompleteError, match=f"session {session.id} is complete"):
        app.sessions.next_command(scope, session.id)
    assert interaction_rows(app) == 0


@pytest.mark.parametrize("status", [SessionStatus.FAILED, SessionStatus.CANCELLED])
def test_a_failed_or_cancelled_session_takes_no_new_command(
    app: App, scope: Scope, git_project: GitProject, status: SessionStatus
) -> None:
    session = make_context_session(app, scope, make_context(app, scope))
    app.sessions.update_session(scope, session.id, SessionUpdate(status=status))

    with pytest.raises(SessionNotActiveError, match=f"is {status.value}"):
        app.sessions.next_command(scope, session.id)
    assert interaction_rows(app) == 0


def test_a_second_result_for_one_interaction_is_refused_and_changes_nothing(
    app: App, scope: Scope, git_project: GitProject, events: list[SessionEvent]
) -> None:
    session = make_context_session(app, scope, make_context(app, scope))
    initialize, before = run_initialize(app, scope, session, git_project)
    published = len(events)

    with pytest.raises(ResultAlreadyRecordedError, match=f"interaction {initialize.id} already"):
        app.sessions.handle_result(scope, session.id, initialize.id, Result.error("late report"))

    after = app.sessions.get_session(scope, session.id)
    assert after.state == before.state
    assert after.status is SessionStatus.ACTIVE
    assert after.interaction(initialize.id) == before.interaction(initialize.id)
    stored = after.interaction(initialize.id)
    assert stored is not None
    assert stored.result is not None
    assert stored.result.status is ResultStatus.OK
    assert len(events) == published, "a refused result publishes nothing"


def test_a_result_for_an_unknown_interaction_is_not_found(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = make_context_session(app, scope, make_context(app, scope))
    other = make_context_session(app, scope, make_context(app, scope, "Shipping"))
    pending = app.sessions.next_command(scope, session.id)
    elsewhere = app.sessions.next_command(scope, other.id)

    with pytest.raises(NotFoundError, match="Interaction 999999 not found"):
        app.sessions.handle_result(scope, session.id, 999999, Result.ok())
    with pytest.raises(NotFoundError, match=f"Interaction {elsewhere.id} not found"):
        app.sessions.handle_result(scope, session.id, elsewhere.id, Result.ok())

    still_pending = app.sessions.get_session(scope, session.id).pending_interaction()
    assert still_pending is not None
    assert still_pending.id == pending.id
    other_pending = app.sessions.get_session(scope, other.id).pending_interaction()
    assert other_pending is not None
    assert other_pending.id == elsewhere.id


def test_timestamps_read_back_are_timezone_aware_utc(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = make_context_session(app, scope, make_context(app, scope))
    initialize, _ = run_initialize(app, scope, session, git_project)
    pending = app.sessions.next_command(scope, session.id)

    loaded = app.sessions.get_session(scope, session.id)
    done = loaded.interaction(initialize.id)
    assert done is not None
    stamps = {
        "session.inserted_at": loaded.inserted_at,
        "session.updated_at": loaded.updated_at,
        "interaction.started_at": done.started_at,
        "interaction.completed_at": done.completed_at,
        "pending.started_at": pending.started_at,
    }
    for name, stamp in stamps.items():
        assert stamp is not None, name
        assert stamp.utcoffset() == timedelta(0), f"{name} is {stamp!r}"
    assert done.completed_at is not None
    assert done.completed_at >= done.started_at


# --- events ------------------------------------------------------------------------------------


def test_subscribers_see_every_change_with_its_step_and_result_status(
    app: App, scope: Scope, git_project: GitProject, events: list[SessionEvent]
) -> None:
    context = make_context(app, scope)
    session = make_context_session(app, scope, context)
    initialize, _ = run_initialize(app, scope, session, git_project)
    child = child_session(app, scope, session, context.children[0].id)

    assert [e.kind for e in events] == [
        EventKind.SESSION_CREATED,
        EventKind.INTERACTION_STARTED,
        EventKind.INTERACTION_FINISHED,
        EventKind.SESSION_UPDATED,
        EventKind.SESSION_CREATED,
    ]
    created, started, finished, updated, child_created = events
    assert (created.session_id, created.account_id, created.status) == (
        session.id,
        scope.account_id,
        "active",
    )
    assert (started.interaction_id, started.step) == (initialize.id, Initialize.name)
    assert started.result_status is None
    assert (finished.interaction_id, finished.step, finished.result_status) == (
        initialize.id,
        Initialize.name,
        "ok",
    )
    assert updated.session_id == session.id
    assert (child_created.session_id, child_created.parent_session_id) == (child.id, session.id)


def test_a_subscriber_that_raises_stops_neither_the_others_nor_the_engine(
    app: App, scope: Scope, git_project: GitProject, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: SessionEvent) -> None:
        raise RuntimeError("subscriber is broken")

    received: list[SessionEvent] = []
    app.events.subscribe(broken)
    app.events.subscribe(received.append)
    context = make_context(app, scope)

    with caplog.at_level(logging.ERROR):
        session = make_context_session(app, scope, context)
        _, after = run_initialize(app, scope, session, git_project)

    assert after.state["branch_name"] == BRANCH
    assert [e.kind for e in received] == [
        EventKind.SESSION_CREATED,
        EventKind.INTERACTION_STARTED,
        EventKind.INTERACTION_FINISHED,
        EventKind.SESSION_UPDATED,
    ]
    assert "subscriber is broken" in caplog.text


def test_events_are_published_only_once_the_change_is_committed(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    """A subscriber reading the database from another connection already sees the change."""
    seen: list[tuple[EventKind, int]] = []

    def read_back(event: SessionEvent) -> None:
        loaded = app.sessions.get_session(scope, event.session_id)
        seen.append((event.kind, len(loaded.interactions)))

    app.events.subscribe(read_back)
    session = make_context_session(app, scope, make_context(app, scope))
    run_initialize(app, scope, session, git_project)

    assert seen == [
        (EventKind.SESSION_CREATED, 0),
        (EventKind.INTERACTION_STARTED, 1),
        (EventKind.INTERACTION_FINISHED, 1),
        (EventKind.SESSION_UPDATED, 1),
    ]


def test_a_result_that_cannot_be_stored_publishes_nothing_and_keeps_nothing(
    app: App, scope: Scope, git_project: GitProject, events: list[SessionEvent]
) -> None:
    session = make_context_session(app, scope, make_context(app, scope))
    pending = app.sessions.next_command(scope, session.id)
    result = execute_shell_command(pending.command, git_project.root, app.shell)
    published = len(events)

    with (
        refusing_writes(app, "freeze_sessions", "BEFORE UPDATE", "sessions", "sessions are frozen"),
        pytest.raises(
            PersistenceError, match=r"could not update session \d+: sessions are frozen$"
        ),
    ):
        app.sessions.handle_result(scope, session.id, pending.id, result)

    assert len(events) == published, "the rolled-back call published no event"
    after = app.sessions.get_session(scope, session.id)
    still_pending = after.pending_interaction()
    assert still_pending is not None, "the result was rolled back with the rest"
    assert still_pending.id == pending.id
    assert after.state == {}
    # Once the database accepts writes again, the same result goes through.
    done = app.sessions.handle_result(scope, session.id, pending.id, result)
    assert done.state["branch_name"] == BRANCH
    assert [e.kind for e in events[published:]] == [
        EventKind.INTERACTION_FINISHED,
        EventKind.SESSION_UPDATED,
    ]


def test_a_spawn_whose_interaction_cannot_be_stored_keeps_no_child_sessions(
    app: App, scope: Scope, git_project: GitProject, events: list[SessionEvent]
) -> None:
    context = make_context(app, scope, "Billing", [("Money", 2), ("Ledger", 1)])
    session = make_context_session(app, scope, context)
    run_initialize(app, scope, session, git_project)
    published = len(events)

    with (
        refusing_writes(
            app, "freeze_interactions", "BEFORE INSERT", "interactions", "no new interactions"
        ),
        pytest.raises(
            PersistenceError,
            match=r"could not store the [\w.]+SpawnComponentCodingSessions interaction "
            r"of session \d+: no new interactions$",
        ),
    ):
        app.sessions.next_command(scope, session.id)

    assert app.sessions.list_sessions(scope, parent_id=session.id) == []
    assert session_rows(app) == 1
    assert len(events) == published
    spawn = app.sessions.next_command(scope, session.id)
    assert len(spawn.command.child_session_ids) == 2


# --- concurrency -------------------------------------------------------------------------------


def race(calls: list[Callable[[], Session]]) -> tuple[list[Session], list[BaseException]]:
    """Start every call at the same moment on its own thread; collect results and errors."""
    barrier = threading.Barrier(len(calls))
    results: list[Session] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(call: Callable[[], Session]) -> None:
        barrier.wait(timeout=10)
        try:
            outcome = call()
        except BaseException as exc:  # every failure is reported to the test
            with lock:
                errors.append(exc)
        else:
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a racing call never returned"
    return results, errors


def test_two_concurrent_results_for_one_interaction_are_stored_once(
    app: App, scope: Scope, git_project: GitProject, events: list[SessionEvent]
) -> None:
    for name in ("Billing", "Shipping", "Orders"):
        session = make_context_session(app, scope, make_context(app, scope, name))
        pending = app.sessions.next_command(scope, session.id)
        result = execute_shell_command(pending.command, git_project.root, app.shell)

        def report(
            session_id: int = session.id, pending: Interaction = pending, result: Result = result
        ) -> Session:
            return app.sessions.handle_result(scope, session_id, pending.id, result)

        successes, errors = race([report, report])

        assert len(successes) == 1, errors
        assert len(errors) == 1
        assert isinstance(errors[0], ResultAlreadyRecordedError), repr(errors[0])
        stored = app.sessions.get_session(scope, session.id).interaction(pending.id)
        assert stored is not None
        assert stored.result is not None
        finished = [
            e
            for e in events
            if e.kind is EventKind.INTERACTION_FINISHED and e.interaction_id == pending.id
        ]
        assert len(finished) == 1


class GatedStep:
    """A step whose ``handle_result`` waits until both racing callers have read the session.

    Both callers then hold the interaction as pending in memory, so only the database's
    guarded update can stop the second result.
    """

    name: ClassVar[str] = "Gated.Steps.Report"
    gate = threading.Barrier(2)

    @staticmethod
    def get_command(scope: Scope, session: Session, **opts: Any) -> Command:
        return ShellCommand(module=GatedStep.name, programs=[["true"]])

    @staticmethod
    def handle_result(scope: Scope, session: Session, result: Result, **opts: Any) -> StepOutcome:
        # An engine that serialises the two calls never lets both in here: also fine.
        with contextlib.suppress(threading.BrokenBarrierError):
            GatedStep.gate.wait(timeout=2)
        reports = int(session.state.get("reports", 0)) + 1
        return StepOutcome(SessionUpdate(state={"reports": reports}), result)


class GatedWorkflow:
    @staticmethod
    def steps() -> list[Any]:
        return [GatedStep]

    @staticmethod
    def get_next_interaction(session: Session) -> Any:
        return GatedStep

    @staticmethod
    def complete(session_or_interaction: Session | Interaction) -> bool:
        return False


def test_the_database_refuses_a_second_result_even_when_both_callers_saw_it_pending(
    app: App, scope: Scope, events: list[SessionEvent]
) -> None:
    app.registry.register("Gated", GatedWorkflow)
    GatedStep.gate = threading.Barrier(2)
    session = app.sessions.create_session(scope, SessionAttrs(type="Gated"))
    pending = app.sessions.next_command(scope, session.id)

    def report() -> Session:
        return app.sessions.handle_result(scope, session.id, pending.id, Result.ok())

    successes, errors = race([report, report])

    assert len(successes) == 1, errors
    assert len(errors) == 1
    assert isinstance(errors[0], ResultAlreadyRecordedError), repr(errors[0])
    assert "already has a result" in str(errors[0])
    after = app.sessions.get_session(scope, session.id)
    assert after.state == {"reports": 1}, "the losing call's session update was rolled back"
    assert [e.kind for e in events].count(EventKind.INTERACTION_FINISHED) == 1


# --- stored commands of another shape ---------------------------------------------------------


def test_a_stored_command_of_an_older_shape_is_a_clear_error_naming_the_interaction_and_field(
    app: App, scope: Scope
) -> None:
    # Written by a codemyspec whose commands carried an untyped ``metadata`` dict.
    context = make_context(app, scope, "Billing")
    session = make_context_session(app, scope, context)
    pending = app.sessions.next_command(scope, session.id)
    older = {
        "id": "c0ffee",
        "module": Initialize.name,
        "command": "shell",
        "programs": [["git", "switch", "main"]],
        "metadata": {"branch_name": "main"},
        "execution_strategy": "sync",
        "timestamp": "2025-01-01T00:00:00+00:00",
    }
    with app.database.engine.begin() as connection:
        connection.execute(
            text("UPDATE interactions SET command = :command WHERE id = :id"),
            {"command": json.dumps(older), "id": pending.id},
        )

    with pytest.raises(ValidationError) as refused:
        app.sessions.get_session(scope, session.id)

    assert str(refused.value) == (
        f"the command of interaction {pending.id} has an unknown or older shape, which this "
        "codemyspec cannot run: shell.metadata: Extra inputs are not permitted"
    )
