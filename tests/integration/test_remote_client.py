"""The engine's HTTP client against a real server: our errors back, lost answers survived."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from codemyspec.bootstrap import App
from codemyspec.commands import Result
from codemyspec.errors import (
    AuthenticationError,
    NotFoundError,
    ResultAlreadyRecordedError,
    ServerUnavailableError,
    SessionClaimedError,
    ValidationError,
)
from codemyspec.remote import RemoteSessions, ServerClient, ServerWait
from codemyspec.scope import Scope
from codemyspec.sessions import Session
from tests.support.api_callers import Caller, api_in_thread
from tests.support.factories import make_context, make_context_session, make_project

Connect = Callable[..., RemoteSessions]


class LosingFirstAnswer(httpx.BaseTransport):
    """A network that delivers the first result submission but loses the server's answer."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.lost = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path.endswith("/result") and not self.lost:
            response.read()
            response.close()
            self.lost += 1
            raise httpx.ReadError("connection reset by peer", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


class Unreachable(httpx.BaseTransport):
    def __init__(self) -> None:
        self.tries = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.tries += 1
        raise httpx.ConnectError("connection refused", request=request)


class Cuttable(httpx.BaseTransport):
    """A real network to the server that a test can cut: for the next ``n`` requests (or
    until mended) a request fails to connect, or meets a proxy's 503."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.tries = 0
        self.failing: list[str] = []
        self.forever = False

    def cut(self, *failures: str, forever: bool = False) -> None:
        self.failing, self.forever = list(failures), forever

    def mend(self) -> None:
        self.failing, self.forever = [], False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.tries += 1
        if self.failing or self.forever:
            failure = self.failing.pop(0) if self.failing else "refused"
            if failure == "503":
                return httpx.Response(503, text="Service Unavailable", request=request)
            raise httpx.ConnectError("connection refused", request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def base(app: App) -> Iterator[str]:
    with api_in_thread(app) as url:
        yield url


@pytest.fixture
def owned(app: App, alice: Caller) -> tuple[Scope, Session]:
    scope, _ = make_project(app, Scope(account_id=alice.account_id, user_id=alice.user_id))
    return scope, make_context_session(app, scope, make_context(app, scope))


def token_of(caller: Caller) -> str:
    return caller.headers["Authorization"].removeprefix("Bearer ")


@pytest.fixture
def connect() -> Iterator[Connect]:
    """Remote engines that are closed after the test."""
    made: list[ServerClient] = []

    def connected(url: str, token: str, **options: Any) -> RemoteSessions:
        made.append(ServerClient(url, token, **options))
        return RemoteSessions(made[-1])

    yield connected
    for client in made:
        client.close()


def test_a_result_whose_answer_was_lost_is_applied_once_and_reported_as_done(
    app: App, base: str, alice: Caller, owned: tuple[Scope, Session], connect: Connect
) -> None:
    scope, session = owned
    network = LosingFirstAnswer()
    remote = connect(base, token_of(alice), retry_delays=(0.01,), transport=network)
    interaction = remote.next_command(scope, session.id)

    after = remote.handle_result(scope, session.id, interaction.id, Result.ok())

    assert network.lost == 1
    stored = after.interaction(interaction.id)
    assert stored is not None and stored.result is not None
    assert len(app.sessions.get_session(scope, session.id).interactions) == 1
    with pytest.raises(ResultAlreadyRecordedError, match="already has a result"):
        remote.handle_result(scope, session.id, interaction.id, Result.ok())


def test_refusals_come_back_as_the_engines_own_exceptions(
    base: str, alice: Caller, mallory: Caller, owned: tuple[Scope, Session], connect: Connect
) -> None:
    scope, session = owned
    remote = connect(base, token_of(alice))
    remote.claim_session(scope, session.id, "box-1:1:a", 60)
    with pytest.raises(SessionClaimedError, match="being run by box-1:1:a"):
        remote.claim_session(scope, session.id, "box-2:2:b", 60)
    with pytest.raises(NotFoundError, match="Session 999 not found"):
        remote.get_session(scope, 999)
    with pytest.raises(ValidationError, match="lease_seconds"):
        remote.claim_session(scope, session.id, "box-1:1:a", -1)
    intruder = connect(base, token_of(mallory))
    with pytest.raises(NotFoundError):
        intruder.get_session(Scope(account_id=mallory.account_id), session.id)
    stranger = connect(base, "cms_unknown")
    with pytest.raises(AuthenticationError):
        stranger.get_session(scope, session.id)


def test_an_unreachable_server_is_retried_then_reported(
    owned: tuple[Scope, Session], connect: Connect
) -> None:
    scope, session = owned
    network = Unreachable()
    remote = connect("http://127.0.0.1:9", "cms_x", retry_delays=(0.01, 0.01), transport=network)

    with pytest.raises(ServerUnavailableError, match="could not be reached"):
        remote.get_session(scope, session.id)
    assert network.tries == 3


def test_a_bad_server_url_or_a_missing_token_is_refused_up_front() -> None:
    with pytest.raises(ValidationError, match="not an http"):
        ServerClient("ftp://example.com", "cms_x")
    with pytest.raises(AuthenticationError, match="CODEMYSPEC_TOKEN"):
        ServerClient("http://127.0.0.1:9", "")


def test_a_server_that_stops_answering_is_waited_for_and_reported_back(
    base: str, alice: Caller, owned: tuple[Scope, Session], connect: Connect
) -> None:
    scope, session = owned
    network = Cuttable()
    remote = connect(
        base, token_of(alice), retry_delays=(0.01,), wait_seconds=30, transport=network
    )
    waits: list[ServerWait] = []
    remote.client.watch(waits.append)
    remote.get_session(scope, session.id)  # it answered once: from now on it is waited for
    network.cut("refused", "refused", "503", "503")

    again = remote.get_session(scope, session.id)

    assert again.id == session.id
    assert network.tries == 1 + 5
    assert [w.back for w in waits] == [False, False, False, False, True]
    assert waits[0].cause.startswith("could not be reached: connection refused")
    assert waits[2].cause.startswith("answered 503")
    assert {w.limit for w in waits} == {30}
    seconds = [w.seconds for w in waits[:-1]]
    assert seconds == sorted(seconds)


def test_a_server_away_longer_than_the_wait_is_given_up_on_then_taken_back(
    base: str, alice: Caller, owned: tuple[Scope, Session], connect: Connect
) -> None:
    scope, session = owned
    network = Cuttable()
    remote = connect(
        base, token_of(alice), retry_delays=(0.05,), wait_seconds=0.3, transport=network
    )
    waits: list[ServerWait] = []
    remote.client.watch(waits.append)
    remote.get_session(scope, session.id)
    network.cut(forever=True)

    with pytest.raises(ServerUnavailableError, match=r"did not answer for \d+s \(could not"):
        remote.get_session(scope, session.id)
    tries = network.tries
    with pytest.raises(ServerUnavailableError, match="did not answer for"):
        remote.get_session(scope, session.id)
    assert network.tries == tries + 1, "once given up on, a call fails at once"
    network.mend()
    assert remote.get_session(scope, session.id).id == session.id
    assert waits[-1].back and not any(w.back for w in waits[:-1])


def test_a_server_never_reached_is_not_waited_for(
    owned: tuple[Scope, Session], connect: Connect
) -> None:
    scope, session = owned
    remote = connect("http://127.0.0.1:9", "cms_x", retry_delays=(0.01,), transport=Unreachable())
    waits: list[ServerWait] = []
    remote.client.watch(waits.append)

    with pytest.raises(ServerUnavailableError, match="could not be reached"):
        remote.get_session(scope, session.id)
    assert waits == []


class OlderServer(httpx.BaseTransport):
    """The real server's answers, with each interaction's command rewritten in the shape an
    older codemyspec stored and served (an untyped ``metadata`` dict)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        body = response.json()
        for interaction in body.get("interactions", []) if isinstance(body, dict) else []:
            command = interaction["command"]
            interaction["command"] = {
                "id": command["id"],
                "module": command["module"],
                "command": "shell",
                "programs": command.get("programs", []),
                "metadata": {"branch_name": "code-context-coding-session-for-billing"},
            }
        return httpx.Response(response.status_code, json=body, request=request)

    def close(self) -> None:
        self.inner.close()


def test_an_answer_of_an_older_server_is_refused_naming_the_field(
    app: App, base: str, alice: Caller, owned: tuple[Scope, Session], connect: Connect
) -> None:
    scope, session = owned
    connect(base, token_of(alice)).next_command(scope, session.id)
    older = connect(base, token_of(alice), transport=OlderServer())

    with pytest.raises(ValidationError) as refused:
        older.get_session(scope, session.id)

    message = str(refused.value)
    assert message.startswith(
        "the server answered a session of an unknown or older shape (is it another "
        "codemyspec version?): "
    )
    assert "interactions.0.command.shell.metadata: Extra inputs are not permitted" in message
