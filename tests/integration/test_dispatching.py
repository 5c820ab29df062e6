"""Detached sessions in the service layer: queued, sent to their queue, sent again only when
nobody holds them, never after a cancel; resume and retry queue them again.

The engine's clock stands still here, so a lease lapses and ``redispatch_seconds`` pass when
a test moves it, not after real sleeps.
"""

from __future__ import annotations

import gc
import json
import warnings
from collections.abc import Iterator

import pytest

from codemyspec.bootstrap import App, bootstrap
from codemyspec.errors import ValidationError
from codemyspec.scope import Scope
from codemyspec.service_layer import ContextStart, Dispatch, DispatchLoop, DispatchSignal
from codemyspec.sessions import Session, SessionStatus, SessionUpdate
from tests.support.clocks import FakeClock
from tests.support.factories import make_account, make_context, make_project
from tests.support.postgres import on_both_databases
from tests.support.redis_server import running_redis

pytestmark = on_both_databases

BASE = "0123456789abcdef0123456789abcdef01234567"
ORIGIN = "/srv/git/shop.git"
REDISPATCH = 120.0
LEASE = 60.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def signal() -> DispatchSignal:
    return DispatchSignal()


@pytest.fixture
def app(database_url: str, clock: FakeClock, signal: DispatchSignal) -> Iterator[App]:
    """The server's app with a dispatcher (a broker is configured), on the fake clock."""
    application = bootstrap(database_url, clock=clock, dispatch=signal)
    yield application
    application.close()


@pytest.fixture
def shop(app: App, account_scope: Scope) -> Scope:
    scope, _ = make_project(app, account_scope)
    make_context(app, scope, "Billing", [("Money", 3), ("Ledger", 2), ("Tax", 1)])
    return scope


def detached(**more: object) -> ContextStart:
    fields = {"context": "Billing", "detach": True, "base_commit": BASE, "code_repo": ORIGIN}
    return ContextStart.model_validate(fields | more)


def due(app: App, clock: FakeClock, max_joins: int = 16) -> list[Dispatch]:
    return app.sessions.dispatch_due(clock(), redispatch_seconds=REDISPATCH, max_joins=max_joins)


def claim(app: App, scope: Scope, session: Session, holder: str = "w1:1:aa") -> None:
    app.sessions.claim_session(scope, session.id, holder, LEASE)


def test_a_detached_start_is_queued_on_the_projects_language_and_wakes_the_dispatcher(
    app: App, shop: Scope, signal: DispatchSignal, clock: FakeClock
) -> None:
    session = app.sessions.start_context_session(shop, detached())

    assert (session.detached, session.queue, session.queued_at) == (True, "python", clock())
    assert session.dispatched_at is None
    assert session.state["base_commit"] == BASE
    with app.unit_of_work() as uow:
        assert uow.projects.get(shop, session.project_id or 0).code_repo == ORIGIN
    assert signal.wait(0), "the dispatcher is woken at once"


def test_a_queued_session_is_sent_once_as_a_drive_and_a_join_per_other_child(
    app: App, shop: Scope, clock: FakeClock
) -> None:
    session = app.sessions.start_context_session(shop, detached(queue="big"))

    first = due(app, clock)
    again = due(app, clock)

    assert first == [Dispatch(session_id=session.id, queue="big", joins=2)]
    assert again == [], "sent already, and not yet due again"
    assert app.sessions.get_session(shop, session.id).dispatched_at == clock()


def test_the_joins_are_capped(app: App, shop: Scope, clock: FakeClock) -> None:
    app.sessions.start_context_session(shop, detached())

    (sent,) = due(app, clock, max_joins=1)

    assert sent.joins == 1


def test_a_session_nobody_holds_is_sent_again_after_redispatch_seconds_without_joins(
    app: App, shop: Scope, clock: FakeClock
) -> None:
    session = app.sessions.start_context_session(shop, detached())
    due(app, clock)

    clock.advance(REDISPATCH - 1)
    early = due(app, clock)
    clock.advance(2)
    late = due(app, clock)

    assert early == []
    assert late == [
        Dispatch(session_id=session.id, queue="python", joins=0, previous=session.queued_at)
    ]


def test_a_live_claim_keeps_the_session_from_being_sent_again_and_a_lapsed_one_does_not(
    app: App, shop: Scope, clock: FakeClock
) -> None:
    session = app.sessions.start_context_session(shop, detached())
    due(app, clock)
    claim(app, shop, session)

    clock.advance(REDISPATCH + 1)  # past redispatch_seconds, the lease renewed just now
    claim(app, shop, session)
    held = due(app, clock)
    clock.advance(LEASE + 1)  # the worker died: its lease lapsed
    lapsed = due(app, clock)

    assert held == []
    assert [d.session_id for d in lapsed] == [session.id]


def test_a_cancelled_session_is_no_longer_queued_and_never_sent_again(
    app: App, shop: Scope, clock: FakeClock
) -> None:
    session = app.sessions.start_context_session(shop, detached())
    due(app, clock)

    cancelled = app.sessions.cancel_session(shop, session.id)
    clock.advance(10 * REDISPATCH)

    assert (cancelled.status, cancelled.queued_at) == (SessionStatus.CANCELLED, None)
    assert due(app, clock) == []


def test_a_cancel_before_the_first_sending_sends_nothing(
    app: App, shop: Scope, clock: FakeClock
) -> None:
    session = app.sessions.start_context_session(shop, detached())

    app.sessions.cancel_session(shop, session.id)

    assert due(app, clock) == []


def test_resume_queues_a_cancelled_session_again_with_its_joins(
    app: App, shop: Scope, clock: FakeClock, signal: DispatchSignal
) -> None:
    session = app.sessions.start_context_session(shop, detached())
    due(app, clock)
    app.sessions.cancel_session(shop, session.id)
    signal.wait(0)

    clock.advance(5)
    resumed = app.sessions.resume_session(shop, session.id)

    assert (resumed.status, resumed.queued_at, resumed.dispatched_at) == (
        SessionStatus.ACTIVE,
        clock(),
        None,
    )
    assert signal.wait(0)
    assert [(d.session_id, d.joins) for d in due(app, clock)] == [(session.id, 2)]


def test_retry_queues_a_failed_session_again(app: App, shop: Scope, clock: FakeClock) -> None:
    session = app.sessions.start_context_session(shop, detached())
    due(app, clock)
    failed = SessionUpdate(status=SessionStatus.FAILED, state={"error": "validation failed"})
    app.sessions.update_session(shop, session.id, failed)  # as its worker's runner leaves it
    app.sessions.settle_session(shop, session.id)

    retried = app.sessions.retry_session(shop, session.id)

    assert (retried.status, retried.queued_at) == (SessionStatus.ACTIVE, clock())
    assert [d.session_id for d in due(app, clock)] == [session.id]


def test_a_settled_session_is_not_sent_again(app: App, shop: Scope, clock: FakeClock) -> None:
    session = app.sessions.start_context_session(shop, detached())
    due(app, clock)

    settled = app.sessions.settle_session(shop, session.id)
    clock.advance(10 * REDISPATCH)

    assert (settled.status, settled.queued_at) == (SessionStatus.ACTIVE, None)
    assert due(app, clock) == []
    assert app.sessions.settle_session(shop, session.id).queued_at is None, "settling twice"


def test_the_dispatcher_sends_the_sessions_of_every_account(
    app: App, shop: Scope, clock: FakeClock
) -> None:
    other_account = make_account(app, "globex")
    other, _ = make_project(app, other_account, name="other")
    make_context(app, other, "Billing")
    mine = app.sessions.start_context_session(shop, detached())
    theirs = app.sessions.start_context_session(other, detached())

    assert [d.session_id for d in due(app, clock)] == [mine.id, theirs.id]


def test_a_failed_sending_is_due_again_at_the_next_sweep(
    app: App, shop: Scope, clock: FakeClock
) -> None:
    app.sessions.start_context_session(shop, detached())
    (sent,) = due(app, clock)

    app.sessions.dispatch_failed(sent)

    assert due(app, clock) == [sent]


def test_settling_a_session_that_is_not_detached_is_refused(app: App, shop: Scope) -> None:
    session = app.sessions.start_context_session(shop, ContextStart(context="Billing"))

    with pytest.raises(ValidationError, match=f"session {session.id} is not detached"):
        app.sessions.settle_session(shop, session.id)


def test_a_session_that_is_not_detached_is_never_dispatched(
    app: App, shop: Scope, clock: FakeClock
) -> None:
    app.sessions.start_context_session(shop, ContextStart(context="Billing"))

    assert due(app, clock) == []


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (detached(base_commit=None), "base_commit: a detached run starts from a commit on origin"),
        (detached(code_repo=None), "code_repo: project 'shop' has no remote for the workers"),
        (
            ContextStart(context="Billing", queue="python"),
            "queue: only a detached session (detach: true) has a queue",
        ),
    ],
)
def test_a_detached_start_without_what_the_workers_need_is_refused_creating_nothing(
    app: App, shop: Scope, start: ContextStart, message: str
) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        app.sessions.start_context_session(shop, start)

    assert app.sessions.list_sessions(shop) == []


def test_a_server_without_a_broker_refuses_to_detach_and_to_queue_again(
    database_url: str,
) -> None:
    with_broker = bootstrap(database_url, dispatch=DispatchSignal())
    try:
        scope, _ = make_project(with_broker, make_account(with_broker))
        make_context(with_broker, scope, "Billing")
        session = with_broker.sessions.start_context_session(scope, detached())
        with_broker.sessions.cancel_session(scope, session.id)
    finally:
        with_broker.close()
    plain = bootstrap(database_url)  # the server restarted without its broker
    try:
        with pytest.raises(ValidationError, match="detach: the server has no broker: set CODE"):
            plain.sessions.start_context_session(scope, detached())
        with pytest.raises(ValidationError, match=f"session {session.id} is detached and the se"):
            plain.sessions.resume_session(scope, session.id)
        kept = plain.sessions.get_session(scope, session.id)
    finally:
        plain.close()

    assert (kept.status, kept.queued_at) == (SessionStatus.CANCELLED, None), "nothing changed"


def test_the_loop_sends_through_redis_and_a_broker_away_leaves_the_session_due(
    app: App, shop: Scope, clock: FakeClock, signal: DispatchSignal
) -> None:
    from codemyspec.workers import DRIVE_TASK, JOIN_TASK, Dispatcher, celery_app

    with running_redis() as redis_server:
        sender = Dispatcher(celery_app(redis_server.url))
        loop = DispatchLoop(app.sessions, sender, signal, redispatch_seconds=REDISPATCH)
        session = app.sessions.start_context_session(shop, detached())
        # The connection Redis dropped is left to the garbage collector by kombu; collected
        # here, its unclosed socket's warning is not this test's.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                redis_server.stop()
                while_away = loop.sweep()
                redis_server.start()
                back = loop.sweep()
            finally:
                sender.close()
                del loop, sender
                gc.collect()
        tasks = [
            json.loads(raw)["headers"]["task"]
            for raw in redis_server.client().lrange("python", 0, -1)
        ]

    assert while_away == []
    assert [d.session_id for d in back] == [session.id]
    assert sorted(tasks) == sorted([DRIVE_TASK, *[JOIN_TASK] * 2])
