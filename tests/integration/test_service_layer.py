"""The service layer as its entrypoints use it: the API refuses what ``implement`` refuses,
and a listing is a fixed number of queries locally and one request to a server."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from codemyspec.bootstrap import App
from codemyspec.commands import Result
from codemyspec.context_coding_sessions import CHILD_SESSION_TYPE
from codemyspec.errors import ValidationError
from codemyspec.scope import Scope
from codemyspec.service_layer import ContextStart
from codemyspec.sessions import SessionAttrs
from tests.support.api_callers import Caller, api_in_thread, post
from tests.support.cli_project import make_cli_project
from tests.support.cli_runs import NAMES, invoke, use
from tests.support.factories import make_context, make_project
from tests.support.postgres import on_both_databases
from tests.support.queries import counting_queries

pytestmark = on_both_databases


def context_with_sessions(app: App, scope: Scope, name: str) -> None:
    """A context, its started session, a child per component and an interaction on each."""
    context = make_context(app, scope, name, [("A", 1), ("B", 2)])
    root = app.sessions.start_context_session(scope, ContextStart(context=name))
    pending = app.sessions.next_command(scope, root.id)
    app.sessions.handle_result(scope, root.id, pending.id, Result.error("no branch"))
    for component in context.children:
        app.sessions.create_session(
            scope,
            SessionAttrs(
                type=CHILD_SESSION_TYPE,
                component_id=component.id,
                session_id=root.id,
                state={"parent_branch_name": "codemyspec/x"},
            ),
        )


def test_the_api_refuses_a_second_session_for_a_context_with_an_unfinished_one_on_each_route(
    client: TestClient, alice: Caller
) -> None:
    project = post(client, alice, "/api/projects", {"name": "shop", "package": "shop"})
    billing = post(
        client,
        alice,
        f"/api/projects/{project['id']}/components",
        {"module_name": "Billing", "type": "context"},
    )
    post(
        client,
        alice,
        f"/api/projects/{project['id']}/components",
        {"module_name": "Billing.Money", "parent_component_id": billing["id"]},
    )
    path = f"/api/context-sessions?project_id={project['id']}"

    first = client.post(
        path, json={"context": "Billing", "agent": "claude_code"}, headers=alice.headers
    )
    second = client.post(path, json={"context": "billing"}, headers=alice.headers)

    assert first.status_code == 201, first.text
    assert (first.json()["component_id"], first.json()["state"]["push"]) == (billing["id"], True)
    assert second.status_code == 422, second.text
    assert second.json()["error"] == "ValidationError"
    assert f"session {first.json()['id']} for Billing is unfinished" in second.json()["detail"]
    raw = {"type": "ContextCodingSessions", "project_id": project["id"]}
    third = client.post(
        "/api/sessions", json=raw | {"component_id": billing["id"]}, headers=alice.headers
    )
    assert third.status_code == 422, third.text
    assert f"session {first.json()['id']} for Billing is unfinished" in third.json()["detail"]
    listed = client.get(f"/api/sessions?project_id={project['id']}", headers=alice.headers)
    assert [s["id"] for s in listed.json()] == [first.json()["id"]]


def test_a_context_session_is_started_only_in_a_project(client: TestClient, alice: Caller) -> None:
    refused = client.post(
        "/api/context-sessions", json={"context": "Billing"}, headers=alice.headers
    )

    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("project_id:")


def test_concurrent_starts_for_one_context_create_one_session(
    app: App, account_scope: Scope
) -> None:
    scope, _ = make_project(app, account_scope)
    make_context(app, scope, "Billing")
    start_billing = ContextStart(context="Billing")
    barrier = threading.Barrier(4)
    outcomes: list[object] = []

    def start() -> None:
        barrier.wait(timeout=10)
        try:
            outcomes.append(app.sessions.start_context_session(scope, start_billing))
        except ValidationError as refused:
            outcomes.append(refused)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(type(o).__name__ for o in outcomes) == [
        "Session",
        "ValidationError",
        "ValidationError",
        "ValidationError",
    ]
    assert len(app.sessions.list_sessions(scope, roots_only=True)) == 1


def test_listing_session_trees_takes_the_same_queries_for_one_context_or_four(
    app: App, account_scope: Scope
) -> None:
    scope, _ = make_project(app, account_scope)
    context_with_sessions(app, scope, "Billing")
    with counting_queries(app) as one:
        assert len(app.sessions.session_trees(scope)) == 1

    for name in ("Shipping", "Tax", "Ledger"):
        context_with_sessions(app, scope, name)
    with counting_queries(app) as four:
        trees = app.sessions.session_trees(scope)

    assert len(four) == len(one)
    assert [len(t.child_sessions) for t in trees] == [2, 2, 2, 2]
    assert all(len(t.interactions) == 1 for t in trees)


class Requests:
    """The HTTP requests the command line sends, as ``METHOD /path``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: list[str] = []
        send = httpx.HTTPTransport.handle_request

        def counted(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
            self.sent.append(f"{request.method} {request.url.path}")
            return send(transport, request)

        monkeypatch.setattr(httpx.HTTPTransport, "handle_request", counted)

    def to_sessions(self) -> list[str]:
        return [r for r in self.sent if "/api/projects" not in r]


def test_sessions_list_and_show_against_a_server_send_one_request_each(
    app: App, alice: Caller, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(make_cli_project(tmp_path / "repo", NAMES), monkeypatch)
    monkeypatch.setenv("CODEMYSPEC_TOKEN", alice.headers["Authorization"].split()[1])
    with api_in_thread(app) as url:
        assert invoke("sessions", "list", "--server", url).exit_code == 0  # makes the project
        with app.unit_of_work() as uow:
            (project,) = uow.projects.list_projects(Scope(account_id=alice.account_id))
        scope = Scope(account_id=alice.account_id, project_id=project.id)
        for name in ("Billing", "Shipping", "Tax"):
            context_with_sessions(app, scope, name)
        requests = Requests(monkeypatch)

        listed = invoke("sessions", "list", "--json", "--server", url)
        sent_by_list = requests.to_sessions()
        newest = json.loads(listed.output)[0]["id"]
        shown = invoke("sessions", "show", str(newest), "--server", url)

    assert listed.exit_code == 0, listed.output
    assert [len(r["children"]) for r in json.loads(listed.output)] == [2, 2, 2]
    assert sent_by_list == ["GET /api/session-trees"]
    assert shown.exit_code == 0, shown.output
    assert (
        requests.to_sessions()[1:] == ["GET /api/sessions/7/tree"]
        or len(requests.to_sessions()) == 2
    )
