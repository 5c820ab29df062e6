"""One contract for the sessions engine, run against the in-process service and over HTTP.

Each test runs on both implementations of ``SessionsApi`` and on both databases: what the
command line or a runner sees must not depend on where the sessions live.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from codemyspec.bootstrap import App
from codemyspec.commands import Result, ResultStatus
from codemyspec.context_coding_sessions import (
    CHILD_SESSION_TYPE,
    SESSION_TYPE,
    FlakyTests,
    Initialize,
)
from codemyspec.errors import (
    NotFoundError,
    ResultAlreadyRecordedError,
    SessionClaimedError,
    SessionCompleteError,
    ValidationError,
)
from codemyspec.scope import Scope
from codemyspec.service_layer import ContextStart, SessionsApi
from codemyspec.sessions import ExecutionMode, Session, SessionAttrs, SessionStatus, SessionUpdate
from tests.support.api_callers import Caller, make_caller
from tests.support.engines import IMPLEMENTATIONS, sessions_api
from tests.support.factories import Context, make_context, make_project
from tests.support.git_repos import GitProject
from tests.support.postgres import on_both_databases

pytestmark = on_both_databases


@pytest.fixture
def caller(app: App) -> Caller:
    return make_caller(app, "acme", "alice@acme.test")


@pytest.fixture
def scope(app: App, caller: Caller, git_project: GitProject) -> Scope:
    """The caller's account (as its token's scope) narrowed to a project with a git root."""
    account = Scope(account_id=caller.account_id, user_id=caller.user_id)
    project_scope, _ = make_project(
        app, account, git_project.root, code_repo=str(git_project.remote)
    )
    return project_scope


@pytest.fixture(params=IMPLEMENTATIONS)
def engine(app: App, caller: Caller, request: pytest.FixtureRequest) -> Iterator[SessionsApi]:
    with sessions_api(app, caller, str(request.param)) as api:
        yield api


@pytest.fixture
def context(app: App, scope: Scope) -> Context:
    return make_context(app, scope)


def _root(engine: SessionsApi, scope: Scope, context: Context) -> Session:
    return engine.create_session(
        scope,
        SessionAttrs(type=SESSION_TYPE, component_id=context.component.id, agent="claude_code"),
    )


def _children(engine: SessionsApi, scope: Scope, root: Session, context: Context) -> list[Session]:
    """A component session per component, as Spawn makes them."""
    return [
        engine.create_session(
            scope,
            SessionAttrs(
                type=CHILD_SESSION_TYPE,
                component_id=c.id,
                session_id=root.id,
                state={"parent_branch_name": "codemyspec/billing"},
            ),
        )
        for c in context.children
    ]


# --- create, get, list -------------------------------------------------------------------------


def test_a_created_session_reads_back_with_every_field_it_was_given(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    root = _root(engine, scope, context)
    child = engine.create_session(
        scope,
        SessionAttrs(
            type=CHILD_SESSION_TYPE,
            component_id=context.children[0].id,
            session_id=root.id,
            status=SessionStatus.FAILED,
            execution_mode=ExecutionMode.AUTO,
            agent="other",
            state={"max_fix_rounds": 2},
            external_conversation_id="conv-1",
        ),
    )

    read = engine.get_session(scope, child.id)
    assert (read.session_id, read.status, read.execution_mode) == (
        root.id,
        SessionStatus.FAILED,
        ExecutionMode.AUTO,
    )
    assert (read.agent, read.state, read.external_conversation_id) == (
        "other",
        {"max_fix_rounds": 2},
        "conv-1",
    )
    assert read.project_id == scope.project_id
    assert [c.id for c in engine.get_session(scope, root.id).child_sessions] == [child.id]


def test_a_session_that_does_not_exist_is_not_found(engine: SessionsApi, scope: Scope) -> None:
    with pytest.raises(NotFoundError, match="Session 999999 not found"):
        engine.get_session(scope, 999999)


def test_list_sessions_filters_by_status_type_parent_and_roots(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    root = _root(engine, scope, context)
    first, second = _children(engine, scope, root, context)
    engine.update_session(scope, second.id, SessionUpdate(status=SessionStatus.FAILED))

    def ids(**filters: object) -> list[int]:
        return [s.id for s in engine.list_sessions(scope, **filters)]  # type: ignore[arg-type]

    assert ids() == [root.id, first.id, second.id]
    assert ids(status=SessionStatus.FAILED) == [second.id]
    assert ids(type=SESSION_TYPE) == [root.id]
    assert ids(parent_id=root.id) == [first.id, second.id]
    assert ids(roots_only=True) == [root.id]
    assert ids(status=SessionStatus.ACTIVE, type=CHILD_SESSION_TYPE) == [first.id]


# --- next command and results ------------------------------------------------------------------


def test_next_command_hands_out_the_pending_interaction_until_it_has_a_result(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    root = _root(engine, scope, context)

    first = engine.next_command(scope, root.id)
    again = engine.next_command(scope, root.id)

    assert (again.id, again.step, again.command) == (first.id, Initialize.name, first.command)
    assert again.pending


def test_a_result_is_recorded_once_and_a_second_one_is_refused(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    root = _root(engine, scope, context)
    pending = engine.next_command(scope, root.id)

    after = engine.handle_result(scope, root.id, pending.id, Result.error("no branch"))
    with pytest.raises(ResultAlreadyRecordedError, match=f"interaction {pending.id} already"):
        engine.handle_result(scope, root.id, pending.id, Result.ok())

    stored = engine.get_session(scope, root.id).interaction(pending.id)
    assert stored is not None and stored.result is not None
    assert (stored.result.status, stored.result.error_message) == (ResultStatus.ERROR, "no branch")
    assert after.pending_interaction() is None
    retried = engine.next_command(scope, root.id)
    assert (retried.step, retried.id != pending.id) == (Initialize.name, True)


def test_a_result_for_an_unknown_interaction_is_not_found(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    root = _root(engine, scope, context)
    engine.next_command(scope, root.id)

    with pytest.raises(NotFoundError, match="Interaction 999999 not found"):
        engine.handle_result(scope, root.id, 999999, Result.ok())


def test_a_complete_session_takes_no_new_command(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    root = _root(engine, scope, context)
    engine.update_session(scope, root.id, SessionUpdate(status=SessionStatus.COMPLETE))

    with pytest.raises(SessionCompleteError, match=f"session {root.id} is complete"):
        engine.next_command(scope, root.id)


# --- update, restart, cancel -------------------------------------------------------------------


def test_update_merges_state_key_by_key(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    root = engine.create_session(
        scope,
        SessionAttrs(type=SESSION_TYPE, component_id=context.component.id, state={"a": 1}),
    )

    updated = engine.update_session(
        scope, root.id, SessionUpdate(state={"b": 2}, agent="claude_code")
    )

    assert (updated.state, updated.agent, updated.status) == (
        {"a": 1, "b": 2},
        "claude_code",
        SessionStatus.ACTIVE,
    )


def test_restart_starts_a_new_attempt_from_the_given_state(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    root = _root(engine, scope, context)
    child = _children(engine, scope, root, context)[0]
    engine.update_session(
        scope, child.id, SessionUpdate(status=SessionStatus.FAILED, state={"error": "boom"})
    )

    restarted = engine.restart_session(scope, child.id, {"max_fix_rounds": 1})

    assert (restarted.attempt, restarted.status, restarted.state) == (
        2,
        SessionStatus.ACTIVE,
        {"max_fix_rounds": 1},
    )
    assert restarted.interactions == []


def test_cancel_marks_the_session_and_its_unfinished_children_with_the_reason(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    root = _root(engine, scope, context)
    done, running = _children(engine, scope, root, context)
    engine.update_session(scope, done.id, SessionUpdate(status=SessionStatus.COMPLETE))

    cancelled = engine.cancel_session(scope, root.id, "the design changed")

    assert cancelled.status is SessionStatus.CANCELLED
    assert cancelled.state["error"] == "the design changed"
    after = {c.id: c for c in engine.get_session(scope, root.id).child_sessions}
    assert after[done.id].status is SessionStatus.COMPLETE
    assert (after[running.id].status, after[running.id].state["error"]) == (
        SessionStatus.CANCELLED,
        "the design changed",
    )
    by_default = engine.cancel_session(scope, _root(engine, scope, context).id)
    assert by_default.state["error"] == "cancelled by user"


def test_a_complete_session_is_not_cancelled(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    root = _root(engine, scope, context)
    engine.update_session(scope, root.id, SessionUpdate(status=SessionStatus.COMPLETE))

    with pytest.raises(SessionCompleteError, match="nothing to cancel"):
        engine.cancel_session(scope, root.id)


# --- claims ------------------------------------------------------------------------------------


def test_a_claim_is_renewed_by_its_holder_and_refused_to_another_naming_it(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    root = _root(engine, scope, context)

    claimed = engine.claim_session(scope, root.id, "runner-a", 60)
    renewed = engine.claim_session(scope, root.id, "runner-a", 120)
    with pytest.raises(SessionClaimedError, match="is being run by runner-a"):
        engine.claim_session(scope, root.id, "runner-b", 60)

    assert claimed.claimed_by == renewed.claimed_by == "runner-a"
    assert claimed.claim_expires_at is not None and renewed.claim_expires_at is not None
    assert renewed.claim_expires_at > claimed.claim_expires_at


def test_a_claim_is_taken_over_only_from_the_holder_named(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    root = _root(engine, scope, context)
    engine.claim_session(scope, root.id, "runner-a", 60)

    with pytest.raises(SessionClaimedError, match="runner-a"):
        engine.claim_session(scope, root.id, "runner-b", 60, take_over_from="runner-c")
    taken = engine.claim_session(scope, root.id, "runner-b", 60, take_over_from="runner-a")

    assert taken.claimed_by == "runner-b"


def test_a_released_claim_is_free_and_a_release_by_another_changes_nothing(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    root = _root(engine, scope, context)
    engine.claim_session(scope, root.id, "runner-a", 60)

    engine.release_session(scope, root.id, "runner-b")
    assert engine.get_session(scope, root.id).claimed_by == "runner-a"
    engine.release_session(scope, root.id, "runner-a")

    assert engine.get_session(scope, root.id).claimed_by is None
    assert engine.claim_session(scope, root.id, "runner-b", 60).claimed_by == "runner-b"


# --- use cases ---------------------------------------------------------------------------------


def test_starting_a_context_session_records_the_run_settings_in_its_state(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    start = ContextStart(
        context="billing",
        agent="claude_code",
        max_fix_rounds=1,
        baseline={"t.py": "fails"},
        flaky_tests=FlakyTests.PASS,
    )

    session = engine.start_context_session(scope, start)

    assert (session.type, session.component_id, session.agent) == (
        SESSION_TYPE,
        context.component.id,
        "claude_code",
    )
    assert session.execution_mode is ExecutionMode.AGENTIC
    assert session.state["max_fix_rounds"] == 1
    assert session.state["baseline"] == {"t.py": "fails"}
    assert session.state["flaky_tests"] == "pass", "a server judges flaky tests alike"


def test_a_second_session_for_a_context_with_an_unfinished_one_is_refused(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    first = engine.start_context_session(scope, ContextStart(context="Billing"))

    with pytest.raises(ValidationError, match=f"session {first.id} for Billing is unfinished"):
        engine.start_context_session(scope, ContextStart(context="Billing"))
    engine.cancel_session(scope, first.id)
    second = engine.start_context_session(scope, ContextStart(context="Billing"))

    assert second.id != first.id
    unfinished = engine.plan_context_session(scope, "Billing").unfinished
    assert unfinished is not None and unfinished.id == second.id


def test_a_context_that_is_unknown_or_has_no_components_is_refused(
    app: App, engine: SessionsApi, scope: Scope, context: Context
) -> None:
    make_context(app, scope, "Empty", [])

    with pytest.raises(NotFoundError, match="unknown context 'Shipping'; known contexts: Billing"):
        engine.plan_context_session(scope, "Shipping")
    with pytest.raises(ValidationError, match="context Empty has no components"):
        engine.start_context_session(scope, ContextStart(context="Empty"))


def test_a_plan_names_the_context_its_components_and_its_sessions(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    session = engine.start_context_session(scope, ContextStart(context="Billing"))

    plan = engine.plan_context_session(scope, "Billing")

    assert plan.context.id == context.component.id
    assert sorted(c.id for c in plan.components) == sorted(c.id for c in context.children)
    assert [s.id for s in plan.sessions] == [session.id]
    assert plan.newest is not None and plan.newest.id == session.id


def test_a_session_tree_holds_its_childrens_interactions_and_trees_list_roots_newest_first(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    older = _root(engine, scope, context)
    first, _ = _children(engine, scope, older, context)
    pending = engine.next_command(scope, first.id)
    engine.cancel_session(scope, older.id)
    newer = _root(engine, scope, context)

    tree = engine.session_tree(scope, older.id)
    trees = engine.session_trees(scope)

    assert [i.id for i in tree.child_sessions[0].interactions] == [pending.id]
    assert [t.id for t in trees] == [newer.id, older.id]
    assert [c.id for c in trees[1].child_sessions] == [c.id for c in tree.child_sessions]
    with pytest.raises(NotFoundError, match="Session 999999 not found"):
        engine.session_tree(scope, 999999)


def test_resume_reopens_the_session_and_its_cancelled_children_not_its_failed_ones(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    root = _root(engine, scope, context)
    failed, cancelled = _children(engine, scope, root, context)
    engine.update_session(
        scope, failed.id, SessionUpdate(status=SessionStatus.FAILED, state={"error": "tests"})
    )
    engine.cancel_session(scope, root.id, "interrupted")

    resumed = engine.resume_session(scope, root.id)

    assert (resumed.status, resumed.state["error"]) == (SessionStatus.ACTIVE, None)
    children = {c.id: c for c in engine.session_tree(scope, root.id).child_sessions}
    assert (children[cancelled.id].status, children[cancelled.id].state["error"]) == (
        SessionStatus.ACTIVE,
        None,
    )
    assert children[failed.id].status is SessionStatus.FAILED


def test_retry_starts_new_attempts_of_failed_and_cancelled_children_from_their_parents_gifts(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    root = _root(engine, scope, context)
    failed, done = _children(engine, scope, root, context)
    engine.update_session(
        scope,
        failed.id,
        SessionUpdate(status=SessionStatus.FAILED, state={"error": "tests", "worktree": "w"}),
    )
    engine.update_session(scope, done.id, SessionUpdate(status=SessionStatus.COMPLETE))
    engine.update_session(scope, root.id, SessionUpdate(status=SessionStatus.FAILED))

    retried = engine.retry_session(scope, root.id)

    assert retried.status is SessionStatus.ACTIVE
    children = {c.id: c for c in engine.session_tree(scope, root.id).child_sessions}
    assert (children[failed.id].attempt, children[failed.id].state) == (
        2,
        {"parent_branch_name": "codemyspec/billing"},
    )
    assert (children[done.id].attempt, children[done.id].status) == (1, SessionStatus.COMPLETE)


@pytest.mark.parametrize("action", ["resume", "retry"])
def test_resume_and_retry_refuse_a_complete_session_and_a_component_session(
    engine: SessionsApi, scope: Scope, context: Context, action: str
) -> None:
    root = _root(engine, scope, context)
    child = _children(engine, scope, root, context)[0]
    engine.update_session(scope, root.id, SessionUpdate(status=SessionStatus.COMPLETE))
    steer = getattr(engine, f"{action}_session")

    with pytest.raises(ValidationError, match=f"is complete; there is nothing to {action}"):
        steer(scope, root.id)
    with pytest.raises(ValidationError, match="resume and retry work on context sessions"):
        steer(scope, child.id)


def test_a_session_tree_is_the_session_as_read_with_each_child_as_read(
    engine: SessionsApi, scope: Scope, context: Context
) -> None:
    root = _root(engine, scope, context)
    children = _children(engine, scope, root, context)
    engine.next_command(scope, root.id)
    engine.next_command(scope, children[0].id)

    tree = engine.session_tree(scope, root.id)

    read = engine.get_session(scope, root.id)
    assert tree.model_dump(exclude={"child_sessions"}) == read.model_dump(
        exclude={"child_sessions"}
    )
    assert [c.model_dump(exclude={"child_sessions"}) for c in tree.child_sessions] == [
        engine.get_session(scope, c.id).model_dump(exclude={"child_sessions"})
        for c in read.child_sessions
    ]
