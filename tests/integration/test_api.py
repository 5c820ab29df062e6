"""The HTTP API through FastAPI's test client, on SQLite and PostgreSQL: auth, scope, engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from codemyspec.bootstrap import App
from codemyspec.commands import Result
from codemyspec.context_coding_sessions import SESSION_TYPE
from tests.support.api_callers import Caller, post
from tests.support.postgres import on_both_databases

pytestmark = on_both_databases


@dataclass(frozen=True)
class Objects:
    project: dict[str, Any]
    context: dict[str, Any]
    session: dict[str, Any]
    interaction: dict[str, Any]


@pytest.fixture
def objects(client: TestClient, alice: Caller) -> Objects:
    """Alice's project, a context with one component, a session and its first command."""
    project = post(client, alice, "/api/projects", {"name": "shop", "package": "shop"})
    pid = project["id"]
    context = post(
        client,
        alice,
        f"/api/projects/{pid}/components",
        {"module_name": "Billing", "type": "context"},
    )
    post(
        client,
        alice,
        f"/api/projects/{pid}/components",
        {"module_name": "Billing.Money", "parent_component_id": context["id"]},
    )
    session = post(
        client,
        alice,
        "/api/sessions",
        {"type": SESSION_TYPE, "project_id": pid, "component_id": context["id"]},
    )
    interaction = post(client, alice, f"/api/sessions/{session['id']}/next-command")
    return Objects(project, context, session, interaction)


def test_a_session_is_driven_over_http_next_command_then_result(
    client: TestClient, alice: Caller, objects: Objects
) -> None:
    sid, first = objects.session["id"], objects.interaction
    assert first["step"] == "ContextCodingSessions.Steps.Initialize"
    assert first["command"]["programs"][0][:3] == ["git", "-C", "."]
    again = post(client, alice, f"/api/sessions/{sid}/next-command")
    assert again["id"] == first["id"], "a pending command is handed out again, not duplicated"

    ok = Result.ok().model_dump(mode="json")
    session = post(client, alice, f"/api/sessions/{sid}/interactions/{first['id']}/result", ok)

    assert session["state"]["branch_name"] == "code-context-coding-session-for-billing"
    assert session["interactions"][0]["result"]["status"] == "ok"
    second = client.post(
        f"/api/sessions/{sid}/interactions/{first['id']}/result", json=ok, headers=alice.headers
    )
    assert second.status_code == 409
    assert "already has a result" in second.json()["detail"]
    fetched = client.get(f"/api/sessions/{sid}", headers=alice.headers).json()
    assert [i["id"] for i in fetched["interactions"]] == [first["id"]]


def test_listing_filters_sessions_by_status_and_type(
    client: TestClient, alice: Caller, objects: Objects
) -> None:
    listed = client.get("/api/sessions", params={"status": "active"}, headers=alice.headers)
    assert [s["id"] for s in listed.json()] == [objects.session["id"]]
    none = client.get("/api/sessions", params={"status": "complete"}, headers=alice.headers)
    assert none.json() == []
    bad = client.get("/api/sessions", params={"status": "sleeping"}, headers=alice.headers)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "status"]


def test_cancel_marks_the_session_cancelled_and_it_takes_no_new_command(
    client: TestClient, alice: Caller, objects: Objects
) -> None:
    sid = objects.session["id"]
    cancelled = post(client, alice, f"/api/sessions/{sid}/cancel")
    assert cancelled["status"] == "cancelled"
    refused = client.post(f"/api/sessions/{sid}/next-command", headers=alice.headers)
    assert refused.status_code == 409
    assert "cancelled" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "bearer token is required"),
        ({"Authorization": "Bearer cms_not-a-real-token"}, "invalid token"),
        ({"Authorization": "Basic YWxpY2U6c2VjcmV0"}, "bearer token is required"),
    ],
)
def test_requests_without_a_valid_token_are_401(
    client: TestClient, alice: Caller, headers: dict[str, str], reason: str
) -> None:
    response = client.get("/api/projects", headers=headers)
    assert response.status_code == 401
    assert reason in response.json()["detail"]
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_revoked_token_is_401(app: App, client: TestClient, alice: Caller) -> None:
    assert client.get("/api/projects", headers=alice.headers).status_code == 200
    with app.unit_of_work() as uow:
        uow.accounts.revoke_token(alice.token_id)
    response = client.get("/api/projects", headers=alice.headers)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_tokens_are_stored_hashed(app: App, alice: Caller) -> None:
    from sqlalchemy import text

    raw = alice.headers["Authorization"].split()[1]
    with app.database.engine.connect() as connection:
        stored = connection.scalars(text("SELECT token_hash FROM api_tokens")).all()
    assert raw not in stored
    assert all(len(h) == 64 for h in stored)


OK_RESULT = Result.ok().model_dump(mode="json")
# Every endpoint on one object, as (method, path template, body); listings are checked apart.
FOREIGN_ATTEMPTS: list[tuple[str, str, Any]] = [
    ("get", "/api/projects/{project_id}", None),
    ("get", "/api/projects/{project_id}/components", None),
    ("post", "/api/projects/{project_id}/components", {"module_name": "Billing.Evil"}),
    ("post", "/api/projects/{project_id}/components/sync", {"files": {}}),
    ("get", "/api/projects/{project_id}/components/{component_id}", None),
    ("get", "/api/sessions/{session_id}", None),
    ("get", "/api/sessions/{session_id}?project_id={project_id}", None),
    ("patch", "/api/sessions/{session_id}", {"state": {"evil": True}}),
    ("post", "/api/sessions/{session_id}/next-command", None),
    ("post", "/api/sessions/{session_id}/interactions/{interaction_id}/result", OK_RESULT),
    ("post", "/api/sessions/{session_id}/cancel", None),
    ("post", "/api/sessions/{session_id}/restart", {"state": {}}),
    ("post", "/api/sessions/{session_id}/claim", {"holder": "evil", "lease_seconds": 60}),
    ("post", "/api/sessions/{session_id}/release", {"holder": "evil"}),
    ("get", "/api/sessions/{session_id}/events", None),
    ("post", "/api/sessions", {"type": SESSION_TYPE, "project_id": "{project_id}"}),
    ("get", "/api/sessions?project_id={project_id}", None),
    ("get", "/api/sessions/{session_id}/tree", None),
    ("post", "/api/sessions/{session_id}/resume", None),
    ("post", "/api/sessions/{session_id}/retry", None),
    ("post", "/api/sessions/{session_id}/settle", None),
    ("get", "/api/session-trees?project_id={project_id}", None),
    ("get", "/api/context-sessions/plan?context=Billing&project_id={project_id}", None),
    ("post", "/api/context-sessions?project_id={project_id}", {"context": "Billing"}),
]


def test_another_accounts_objects_are_404_on_every_endpoint_and_never_listed(
    client: TestClient, alice: Caller, mallory: Caller, objects: Objects
) -> None:
    ids = {
        "project_id": objects.project["id"],
        "component_id": objects.context["id"],
        "session_id": objects.session["id"],
        "interaction_id": objects.interaction["id"],
    }
    for method, template, body in FOREIGN_ATTEMPTS:
        path = template.format(**ids)
        if isinstance(body, dict) and body.get("project_id") == "{project_id}":
            body = {**body, "project_id": ids["project_id"]}
        response = client.request(method, path, json=body, headers=mallory.headers)
        assert response.status_code == 404, (method, path, response.text)
    assert client.get("/api/projects", headers=mallory.headers).json() == []
    assert client.get("/api/sessions", headers=mallory.headers).json() == []
    assert client.get("/api/session-trees", headers=mallory.headers).json() == []
    stored = client.get(f"/api/sessions/{ids['session_id']}", headers=alice.headers).json()
    assert stored["status"] == "active"
    assert "evil" not in stored["state"]
    assert stored["claimed_by"] is None


def test_the_cross_account_check_covers_every_endpoint(client: TestClient) -> None:
    """A new endpoint must be added to FOREIGN_ATTEMPTS, or this fails."""
    schema = client.get("/openapi.json").json()
    served = {(m, path) for path, item in schema["paths"].items() for m in item}
    listings = {("get", "/api/projects"), ("post", "/api/projects")}
    tried = {(m, t.split("?")[0]) for m, t, _ in FOREIGN_ATTEMPTS}
    assert served - listings <= tried, served - listings - tried


def test_validation_errors_are_422_naming_the_field(client: TestClient, alice: Caller) -> None:
    bad_package = client.post(
        "/api/projects", json={"name": "shop", "package": "Not A Package"}, headers=alice.headers
    )
    assert bad_package.status_code == 422
    assert bad_package.json()["detail"][0]["loc"] == ["body", "package"]
    project = post(client, alice, "/api/projects", {"name": "shop", "package": "shop"})
    unknown_type = client.post(
        "/api/sessions",
        json={"type": "Nope", "project_id": project["id"]},
        headers=alice.headers,
    )
    assert unknown_type.status_code == 422
    assert "unknown session type 'Nope'" in unknown_type.json()["detail"]


def test_a_body_over_the_limit_is_refused_with_413(client: TestClient, alice: Caller) -> None:
    huge = {"name": "shop", "package": "shop", "root": "x" * (65 * 1024)}
    response = client.post("/api/projects", json=huge, headers=alice.headers)
    assert response.status_code == 413
    assert client.get("/api/projects", headers=alice.headers).json() == []


def test_the_openapi_schema_is_published(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/sessions/{session_id}/interactions/{interaction_id}/result" in schema["paths"]
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
