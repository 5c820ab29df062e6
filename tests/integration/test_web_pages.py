"""The dashboard's pages without a browser (FastAPI's test client), on SQLite and PostgreSQL:
sign-in and its cookie, scope, CSRF, and the retry, resume and cancel buttons."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from codemyspec.api import create_api
from codemyspec.bootstrap import App, bootstrap
from codemyspec.scope import Scope
from codemyspec.service_layer import ContextStart, DispatchSignal
from codemyspec.sessions import Session, SessionStatus
from codemyspec.web import Dashboard, OneTimeToken, ServerSteering, csrf_token
from tests.support.api_callers import Caller
from tests.support.factories import make_context, make_context_session, make_project
from tests.support.html_pages import by_id, elements
from tests.support.postgres import on_both_databases

pytestmark = on_both_databases

BASE_COMMIT = "a" * 40


@pytest.fixture
def app(database_url: str) -> Iterator[App]:
    """A server's app with a dispatcher (a broker configured): sessions may be detached."""
    application = bootstrap(database_url, dispatch=DispatchSignal())
    yield application
    application.close()


def token_of(caller: Caller) -> str:
    return caller.headers["Authorization"].removeprefix("Bearer ")


def scope_of(caller: Caller) -> Scope:
    return Scope(account_id=caller.account_id, user_id=caller.user_id)


def sign_in(client: TestClient, caller: Caller) -> None:
    signed = client.post("/sign-in", data={"token": token_of(caller)}, follow_redirects=False)
    assert signed.status_code == 303, signed.text


def context_session(
    app: App, caller: Caller, *, detach: bool = False, project: str = "shop"
) -> Session:
    """A context session of ``caller``'s account, started as ``implement`` starts it."""
    project_scope, _ = make_project(
        app, scope_of(caller), name=project, code_repo="https://git.example/shop"
    )
    context = make_context(app, project_scope)
    if not detach:
        return make_context_session(app, project_scope, context)
    start = ContextStart(context="Billing", detach=True, base_commit=BASE_COMMIT)
    return app.sessions.start_context_session(project_scope, start)


def status_of(app: App, caller: Caller, session_id: int) -> Session:
    return app.sessions.get_session(scope_of(caller), session_id)


@pytest.mark.parametrize("path", ["/", "/sessions", "/sessions/1", "/sessions/1/live"])
def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client: TestClient, path: str) -> None:
    answer = client.get(path)

    assert answer.url.path == "/sign-in"
    form = elements(answer.text)
    assert form["token"].attrs["type"] == "password"
    assert "API token" in answer.text


@pytest.mark.parametrize("base_url", ["http://testserver", "https://testserver"])
def test_a_good_token_signs_in_with_an_http_only_same_site_cookie(
    app: App, alice: Caller, base_url: str
) -> None:
    with TestClient(create_api(app), base_url=base_url) as client:
        signed = client.post("/sign-in", data={"token": token_of(alice)}, follow_redirects=False)

    assert (signed.status_code, signed.headers["location"]) == (303, "/sessions")
    cookie = signed.headers["set-cookie"]
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert cookie.startswith(f"codemyspec_session={token_of(alice)};")
    assert {"httponly", "samesite=strict", "path=/"} <= flags
    assert ("secure" in flags) is base_url.startswith("https")


def test_a_wrong_token_does_not_sign_in_and_says_why(
    app: App, client: TestClient, alice: Caller
) -> None:
    with app.unit_of_work() as uow:
        uow.accounts.revoke_token(alice.token_id)
    cases = [("", "Paste an API token"), ("cms_nope", "invalid token")]
    cases.append((token_of(alice), "token revoked"))

    for token, reason in cases:
        refused = client.post("/sign-in", data={"token": token}, follow_redirects=False)
        assert refused.status_code == 401
        assert reason in by_id(refused.text, "sign-in-message").text
        assert "set-cookie" not in refused.headers
    assert client.get("/sessions").url.path == "/sign-in"


def test_another_site_cannot_post_the_sign_in_form(client: TestClient, alice: Caller) -> None:
    forged = client.post(
        "/sign-in",
        data={"token": token_of(alice)},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )

    assert forged.status_code == 403
    assert "posted from another site (https://evil.example)" in by_id(forged.text, "main").text
    assert "set-cookie" not in forged.headers
    same_site = client.post(
        "/sign-in", data={"token": token_of(alice)}, headers={"Origin": "http://testserver"}
    )
    assert same_site.url.path == "/sessions"


def test_a_token_revoked_after_sign_in_signs_out_at_once(
    app: App, client: TestClient, alice: Caller
) -> None:
    sign_in(client, alice)
    assert client.get("/sessions").status_code == 200
    with app.unit_of_work() as uow:
        uow.accounts.revoke_token(alice.token_id)

    answer = client.get("/sessions", follow_redirects=False)

    assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in?signed_out=1")
    assert 'codemyspec_session=""' in answer.headers["set-cookie"]
    page = client.get(answer.headers["location"])
    assert "no longer works" in by_id(page.text, "sign-in-message").text


def test_signing_out_takes_this_sign_ins_csrf_token(client: TestClient, alice: Caller) -> None:
    sign_in(client, alice)

    refused = client.post("/sign-out", data={"csrf": "forged"})
    assert refused.status_code == 403
    assert client.get("/sessions").status_code == 200

    out = client.post("/sign-out", data={"csrf": csrf_token(token_of(alice))})
    assert out.url.path == "/sign-in"
    assert client.get("/sessions").url.path == "/sign-in"


def test_the_sessions_page_lists_the_account_s_root_sessions_newest_first(
    app: App, client: TestClient, alice: Caller, mallory: Caller
) -> None:
    first = context_session(app, alice)
    app.sessions.cancel_session(scope_of(alice), first.id)
    second = context_session(app, alice, detach=True, project="warehouse")
    context_session(app, mallory)
    sign_in(client, alice)

    page = client.get("/sessions").text

    found = elements(page)
    rows = [i for i in found if i.startswith("session-")]
    assert rows == [f"session-{second.id}", f"session-{first.id}"], "and none of mallory's"
    assert found[f"session-{first.id}"].text.startswith(
        f"{first.id} Billing cancelled not implemented (cancelled)"
    )
    assert found[f"session-{second.id}"].text.startswith(
        f"{second.id} Billing active waiting for a runner to start it"
    )
    assert [found["project-1"].text, found["project-2"].text] == ["warehouse", "shop"]


@pytest.mark.parametrize("suffix", ["", "/live", "/cancel"])
def test_another_account_s_session_is_a_404_page(
    app: App, client: TestClient, alice: Caller, mallory: Caller, suffix: str
) -> None:
    theirs = context_session(app, alice)
    sign_in(client, mallory)

    answer = client.get(f"/sessions/{theirs.id}{suffix}")

    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert f"Session {theirs.id} not found" in by_id(answer.text, "main").text


def test_another_account_s_session_cannot_be_cancelled_even_with_a_valid_form(
    app: App, client: TestClient, alice: Caller, mallory: Caller
) -> None:
    theirs = context_session(app, alice)
    sign_in(client, mallory)

    answer = client.post(
        f"/sessions/{theirs.id}/cancel", data={"csrf": csrf_token(token_of(mallory))}
    )

    assert answer.status_code == 404
    assert status_of(app, alice, theirs.id).status is SessionStatus.ACTIVE


@pytest.mark.parametrize("path", ["/sessions/0", "/sessions/abc", "/sessions/1/explode"])
def test_a_page_that_does_not_exist_is_a_404_page(
    client: TestClient, alice: Caller, path: str
) -> None:
    sign_in(client, alice)

    answer = client.get(path)

    assert answer.status_code == 404
    assert "there is no such page" in by_id(answer.text, "main").text


@pytest.mark.parametrize("csrf", [None, "", "0" * 64, "someone else's"])
def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    app: App, client: TestClient, alice: Caller, mallory: Caller, csrf: str | None
) -> None:
    session = context_session(app, alice)
    sign_in(client, alice)
    if csrf == "someone else's":
        csrf = csrf_token(token_of(mallory))
    form = {} if csrf is None else {"csrf": csrf}

    answer = client.post(f"/sessions/{session.id}/cancel", data=form)

    assert answer.status_code == 403
    assert "CSRF token is missing or wrong" in by_id(answer.text, "main").text
    assert status_of(app, alice, session.id).status is SessionStatus.ACTIVE


def test_cancel_asks_first_then_cancels(app: App, client: TestClient, alice: Caller) -> None:
    session = context_session(app, alice)
    sign_in(client, alice)
    page = client.get(f"/sessions/{session.id}").text
    assert by_id(page, "session-status").text == "active"
    assert by_id(page, "cancel").tag == "button"
    assert "retry" not in elements(page), "a running session has nothing to retry"

    asked = client.get(f"/sessions/{session.id}/cancel").text
    assert by_id(asked, "confirm").text == f"Cancel session {session.id}"
    assert status_of(app, alice, session.id).status is SessionStatus.ACTIVE, "only asked"

    done = client.post(f"/sessions/{session.id}/cancel", data={"csrf": csrf_token(token_of(alice))})

    assert done.url.path == f"/sessions/{session.id}"
    assert status_of(app, alice, session.id).status is SessionStatus.CANCELLED
    assert by_id(done.text, "session-status").text == "cancelled"
    assert "cancelled by user" in by_id(done.text, "session-error").text
    again = client.post(
        f"/sessions/{session.id}/cancel", data={"csrf": csrf_token(token_of(alice))}
    )
    assert again.status_code == 409
    assert f"session {session.id} is cancelled: there is nothing to cancel" in again.text


def test_a_session_a_runner_drives_shows_the_command_instead_of_retry_and_resume_buttons(
    app: App, client: TestClient, alice: Caller
) -> None:
    session = context_session(app, alice)
    app.sessions.cancel_session(scope_of(alice), session.id)
    sign_in(client, alice)

    page = elements(client.get(f"/sessions/{session.id}").text)

    for action in ("retry", "resume"):
        assert action not in page, f"no {action} button: this server does not run it"
        command = f"codemyspec sessions {action} {session.id} --server http://testserver"
        assert command in page[f"{action}-command"].text
        asked = elements(client.get(f"/sessions/{session.id}/{action}").text)
        assert "confirm" not in asked
        assert command in asked["main"].text
        refused = client.post(
            f"/sessions/{session.id}/{action}", data={"csrf": csrf_token(token_of(alice))}
        )
        assert refused.status_code == 409
        assert f"run `{command}` where its code is" in refused.text
    assert "codemyspec sessions retry" in page["next-steps"].text
    assert status_of(app, alice, session.id).status is SessionStatus.CANCELLED


@pytest.mark.parametrize("action", ["retry", "resume"])
def test_retry_and_resume_of_a_detached_session_queue_it_again_for_the_workers(
    app: App, client: TestClient, alice: Caller, action: str
) -> None:
    session = context_session(app, alice, detach=True)
    sign_in(client, alice)
    csrf = {"csrf": csrf_token(token_of(alice))}
    client.post(f"/sessions/{session.id}/cancel", data=csrf)
    cancelled = status_of(app, alice, session.id)
    assert (cancelled.status, cancelled.queued_at) == (SessionStatus.CANCELLED, None)
    page = client.get(f"/sessions/{session.id}").text
    assert by_id(page, action).tag == "button"
    assert "not queued" in page

    done = client.post(f"/sessions/{session.id}/{action}", data=csrf)

    again = status_of(app, alice, session.id)
    assert (again.status, again.detached) == (SessionStatus.ACTIVE, True)
    assert again.queued_at is not None, "queued again for the workers"
    assert "detached on python · queued for a worker" in by_id(done.text, "main").text


def test_the_live_part_is_the_session_page_s_main_alone(
    app: App, client: TestClient, alice: Caller
) -> None:
    session = context_session(app, alice)
    sign_in(client, alice)

    page = client.get(f"/sessions/{session.id}").text
    live = client.get(f"/sessions/{session.id}/live").text

    main = by_id(page, "main")
    assert main.attrs["data-live-url"] == f"/sessions/{session.id}/live"
    assert main.attrs["data-events-url"] == f"/api/sessions/{session.id}/events"
    assert "<html" not in live and "<main" not in live
    assert by_id(live, "session-status").text == "active"
    assert by_id(live, "cancel").tag == "button"


def test_the_api_takes_the_sign_in_cookie_for_reading_only(
    app: App, client: TestClient, alice: Caller
) -> None:
    session = context_session(app, alice)
    app.sessions.cancel_session(scope_of(alice), session.id)
    sign_in(client, alice)

    read = client.get(f"/api/sessions/{session.id}")
    stream = client.get(f"/api/sessions/{session.id}/events")
    write = client.post(f"/api/sessions/{session.id}/resume")

    assert read.status_code == 200 and read.json()["status"] == "cancelled"
    assert stream.status_code == 200 and "event: snapshot" in stream.text
    assert write.status_code == 401
    assert write.json()["detail"] == "a bearer token is required"


def test_a_one_time_link_signs_in_once(app: App, alice: Caller) -> None:
    one_time = OneTimeToken(token_of(alice))
    dashboard = Dashboard(ServerSteering(app.sessions), one_time=one_time, remote=False)
    with TestClient(create_api(app, dashboard=dashboard)) as first:
        signed = first.get(f"/?token={one_time.secret}", follow_redirects=False)
        assert (signed.status_code, signed.headers["location"]) == (303, "/sessions")
        assert first.get("/sessions").status_code == 200
    with TestClient(create_api(app, dashboard=dashboard)) as second:
        used = second.get(f"/?token={one_time.secret}", follow_redirects=False)
        wrong = second.get("/?token=guess", follow_redirects=False)

    for refused in (used, wrong):
        assert refused.status_code == 401
        assert "used already or is not valid" in by_id(refused.text, "sign-in-message").text
        assert "set-cookie" not in refused.headers


def test_what_a_session_records_is_shown_as_text_never_as_markup(
    app: App, client: TestClient, alice: Caller
) -> None:
    session = context_session(app, alice)
    app.sessions.cancel_session(scope_of(alice), session.id, "<script>alert(1)</script>")
    sign_in(client, alice)

    page = client.get(f"/sessions/{session.id}").text

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
