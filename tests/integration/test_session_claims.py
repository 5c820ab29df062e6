"""Claims: one runner at a time per session, a lease that runs out, a dead holder replaced.

The engine's clock stands still here and the renewer waits until a test steps it, so
leases run out and renewals happen when a test says, not after real sleeps.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from codemyspec.api import create_api
from codemyspec.bootstrap import App, bootstrap
from codemyspec.errors import SessionClaimedError
from codemyspec.runner.claims import Claims, runner_name
from codemyspec.scope import Scope
from codemyspec.sessions import Session
from tests.support.api_callers import make_caller
from tests.support.clocks import FakeClock, SteppedWait
from tests.support.factories import make_context, make_context_session, make_project
from tests.support.postgres import on_both_databases

pytestmark = on_both_databases


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(database_url: str, clock: FakeClock) -> Iterator[App]:
    """The app on the fake clock: claims are dated by it."""
    application = bootstrap(database_url, clock=clock)
    yield application
    application.close()


@pytest.fixture
def renewals() -> Iterator[SteppedWait]:
    """The renewer's wait; once the test is done, it no longer holds the renewer back."""
    wait = SteppedWait()
    yield wait
    wait.finish()


@pytest.fixture
def session(app: App, account_scope: Scope) -> Session:
    scope, _ = make_project(app, account_scope)
    return make_context_session(app, scope, make_context(app, scope))


def test_a_claimed_session_is_refused_to_another_runner_naming_the_holder(
    app: App, account_scope: Scope, session: Session
) -> None:
    claimed = app.sessions.claim_session(account_scope, session.id, "box-1:10:a", 60)
    assert claimed.claimed_by == "box-1:10:a"
    assert claimed.claim_expires_at is not None

    with pytest.raises(SessionClaimedError, match=r"session \d+ is being run by box-1:10:a"):
        app.sessions.claim_session(account_scope, session.id, "box-2:20:b", 60)

    renewed = app.sessions.claim_session(account_scope, session.id, "box-1:10:a", 60)
    assert renewed.claim_expires_at is not None
    assert renewed.claim_expires_at >= claimed.claim_expires_at
    app.sessions.release_session(account_scope, session.id, "box-2:20:b")  # not its claim
    assert app.sessions.get_session(account_scope, session.id).claimed_by == "box-1:10:a"
    app.sessions.release_session(account_scope, session.id, "box-1:10:a")
    taken = app.sessions.claim_session(account_scope, session.id, "box-2:20:b", 60)
    assert taken.claimed_by == "box-2:20:b"


def test_an_expired_lease_or_a_named_dead_holder_lets_another_runner_in(
    app: App, account_scope: Scope, session: Session, clock: FakeClock
) -> None:
    app.sessions.claim_session(account_scope, session.id, "box-1:10:a", 60)
    clock.advance(59)
    with pytest.raises(SessionClaimedError, match="box-1:10:a"):
        app.sessions.claim_session(account_scope, session.id, "box-2:20:b", 60)
    clock.advance(2)
    after_lease = app.sessions.claim_session(account_scope, session.id, "box-2:20:b", 60)
    assert after_lease.claimed_by == "box-2:20:b"

    over = app.sessions.claim_session(
        account_scope, session.id, "box-3:30:c", 60, take_over_from="box-2:20:b"
    )
    assert over.claimed_by == "box-3:30:c"


def test_parallel_claims_of_one_session_give_it_to_exactly_one_runner(
    app: App, account_scope: Scope, session: Session
) -> None:
    start = threading.Barrier(8)
    won: list[str] = []
    refused: list[str] = []

    def claim(holder: str) -> None:
        start.wait()
        try:
            app.sessions.claim_session(account_scope, session.id, holder, 60)
            won.append(holder)
        except SessionClaimedError:
            refused.append(holder)

    threads = [threading.Thread(target=claim, args=(f"box-{i}:{i}:x",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(won) == 1, won
    assert len(refused) == 7
    assert app.sessions.get_session(account_scope, session.id).claimed_by == won[0]


def test_a_runner_takes_over_at_once_from_a_dead_process_of_this_machine(
    app: App, account_scope: Scope, session: Session
) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead = f"{runner_name()}:{gone.stdout.strip()}:dead"
    app.sessions.claim_session(account_scope, session.id, dead, 3600)
    claims = Claims(app.sessions, lease_seconds=60)

    assert claims.take(account_scope, session.id)

    assert app.sessions.get_session(account_scope, session.id).claimed_by == claims.holder
    claims.release(account_scope, session.id)
    assert app.sessions.get_session(account_scope, session.id).claimed_by is None


def test_a_live_runner_of_another_machine_keeps_its_claim(
    app: App, account_scope: Scope, session: Session
) -> None:
    app.sessions.claim_session(account_scope, session.id, "elsewhere:1:x", 3600)
    claims = Claims(app.sessions, lease_seconds=60)

    assert not claims.take(account_scope, session.id)
    with (
        pytest.raises(SessionClaimedError, match="elsewhere:1:x"),
        claims.holding(account_scope, session.id),
    ):
        pass


def test_claims_are_renewed_while_held(
    app: App, account_scope: Scope, session: Session, clock: FakeClock, renewals: SteppedWait
) -> None:
    claims = Claims(app.sessions, lease_seconds=60, wait=renewals)
    with claims.holding(account_scope, session.id):
        first = app.sessions.get_session(account_scope, session.id).claim_expires_at
        clock.advance(20)
        renewals.step()  # a third of the lease has passed: the renewer renews
        later = app.sessions.get_session(account_scope, session.id).claim_expires_at
        assert first is not None and later is not None and later > first
        clock.advance(50)  # past the first lease, within the renewed one
        with pytest.raises(SessionClaimedError):
            app.sessions.claim_session(account_scope, session.id, "other:1:x", 60)
    assert renewals.waited[:2] == [20, 20]
    assert app.sessions.get_session(account_scope, session.id).claimed_by is None


def test_runner_endpoints_claim_update_restart_and_release_over_http(app: App) -> None:
    alice = make_caller(app, "acme", "alice@acme.test")
    with TestClient(create_api(app)) as client:
        pid = client.post(
            "/api/projects", json={"name": "shop", "package": "shop"}, headers=alice.headers
        ).json()["id"]
        scope = Scope(account_id=alice.account_id, user_id=alice.user_id).for_project(pid)
        sid = make_context_session(app, scope, make_context(app, scope)).id
        base = f"/api/sessions/{sid}"

        claim = {"holder": "a:1:x", "lease_seconds": 60}
        assert client.post(f"{base}/claim", json=claim, headers=alice.headers).status_code == 200
        taken = client.post(
            f"{base}/claim", json={**claim, "holder": "b:2:y"}, headers=alice.headers
        )
        assert taken.status_code == 409
        assert taken.json()["error"] == "SessionClaimedError"
        assert "being run by a:1:x" in taken.json()["detail"]
        bad = client.post(
            f"{base}/claim", json={**claim, "lease_seconds": 0}, headers=alice.headers
        )
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["body", "lease_seconds"]

        patched = client.patch(base, json={"state": {"note": "hi"}}, headers=alice.headers)
        assert patched.status_code == 200
        assert patched.json()["state"]["note"] == "hi"
        restarted = client.post(f"{base}/restart", json={"state": {}}, headers=alice.headers)
        assert restarted.json()["attempt"] == 2
        assert restarted.json()["state"] == {}

        released = client.post(f"{base}/release", json={"holder": "a:1:x"}, headers=alice.headers)
        assert released.status_code == 204
        again = client.post(
            f"{base}/claim", json={**claim, "holder": "b:2:y"}, headers=alice.headers
        )
        assert again.json()["claimed_by"] == "b:2:y"
