"""Schemathesis against /openapi.json with a valid token, on SQLite and PostgreSQL.

No request may get a 500 or an answer the schema does not declare. The regression tests
below pin each kind of bug the fuzzing found: every one is now a 422 naming the field.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from codemyspec.api import create_api
from codemyspec.bootstrap import App
from codemyspec.context_coding_sessions import SESSION_TYPE
from tests.support.api_callers import Caller, post
from tests.support.postgres import on_both_databases

pytestmark = on_both_databases

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PAST_INT32 = 2**31
JSON_TYPE = {"content-type": "application/json"}

# Declaring routes never touches the App, so the published document needs no database; the
# fixture checks the served one is the same.
DOCUMENT = create_api(cast(App, None)).openapi()
# The event stream never ends by itself while its session is active; test_api_events.py
# covers it.
schema = schemathesis.openapi.from_dict(DOCUMENT).exclude(
    method="GET", path="/api/sessions/{session_id}/events"
)


@pytest.fixture
def fuzz_api(client: TestClient, alice: Caller) -> FastAPI:
    """The API over a seeded database, small ids so generated ones hit real objects.

    Project 1, context 1 with child 2, session 1 with pending interaction 1.
    """
    assert client.get("/openapi.json").json() == DOCUMENT
    project = post(client, alice, "/api/projects", {"name": "shop", "package": "shop"})
    pid = project["id"]
    context = {"module_name": "Billing", "type": "context"}
    context_id = post(client, alice, f"/api/projects/{pid}/components", context)["id"]
    child = {"module_name": "Billing.Money", "parent_component_id": context_id}
    post(client, alice, f"/api/projects/{pid}/components", child)
    started = {"type": SESSION_TYPE, "project_id": pid, "component_id": context_id}
    session = post(client, alice, "/api/sessions", started)
    post(client, alice, f"/api/sessions/{session['id']}/next-command")
    return cast(FastAPI, client.app)


@schema.parametrize()
@settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_request_with_a_valid_token_gets_a_500_or_an_answer_off_the_schema(
    case: schemathesis.Case, fuzz_api: FastAPI, alice: Caller
) -> None:
    case.call_and_validate(app=fuzz_api, headers=alice.headers, checks=CHECKS)


@pytest.fixture
def project_id(client: TestClient, alice: Caller) -> int:
    return int(post(client, alice, "/api/projects", {"name": "shop", "package": "shop"})["id"])


def refused(response: Any) -> Any:
    """The body of a 422, checked to be one."""
    assert response.status_code == 422, response.text
    return response.json()["detail"]


def locs(response: Any) -> list[list[str | int]]:
    """Where FastAPI's 422 says the problems are."""
    return [problem["loc"] for problem in refused(response)]


def test_every_operation_declares_its_error_answers() -> None:
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "401" in responses, (method, path)
            body = responses["401"]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)
            if operation.get("parameters") or "requestBody" in operation:
                shapes = responses["422"]["content"]["application/json"]["schema"]["anyOf"]
                assert {s["$ref"].rsplit("/", 1)[1] for s in shapes} == {
                    "RequestErrorOut",
                    "ErrorOut",
                }
            if "requestBody" in operation:
                assert "413" in responses, (method, path)


def test_the_413_answer_has_the_declared_error_body(client: TestClient, alice: Caller) -> None:
    huge = {"name": "shop", "package": "shop", "root": "x" * (65 * 1024)}
    response = client.post("/api/projects", json=huge, headers=alice.headers)
    assert response.status_code == 413
    assert response.json() == {
        "detail": "request body over 65536 bytes",
        "error": "BodyTooLargeError",
    }


@pytest.mark.parametrize(
    ("method", "path", "body", "loc"),
    [
        ("get", f"/api/projects/{PAST_INT32}", None, ["path", "project_id"]),
        ("get", f"/api/projects/1/components/{PAST_INT32}", None, ["path", "component_id"]),
        ("post", f"/api/sessions/{PAST_INT32}/cancel", None, ["path", "session_id"]),
        ("get", f"/api/sessions?parent_id={PAST_INT32}", None, ["query", "parent_id"]),
        ("get", f"/api/sessions/1?project_id={2**70}", None, ["query", "project_id"]),
        ("post", "/api/sessions", {"type": "X", "project_id": PAST_INT32}, ["body", "project_id"]),
        (
            "post",
            "/api/sessions",
            {"type": "X", "project_id": 1, "component_id": 2**70},
            ["body", "component_id"],
        ),
        (
            "post",
            "/api/projects/1/components",
            {"module_name": "Billing", "parent_component_id": PAST_INT32},
            ["body", "parent_component_id"],
        ),
        ("post", "/api/projects", {"name": "shop", "package": "p" * 201}, ["body", "package"]),
        ("post", "/api/sessions", {"type": "T" * 101, "project_id": 1}, ["body", "type"]),
        ("patch", "/api/sessions/1", {"agent": "a" * 101}, ["body", "agent"]),
        (
            "patch",
            "/api/sessions/1",
            {"external_conversation_id": "c" * 201},
            ["body", "external_conversation_id"],
        ),
        ("get", f"/api/sessions?type={'T' * 101}", None, ["query", "type"]),
    ],
)
def test_a_value_its_column_cannot_hold_is_422_naming_it(
    client: TestClient,
    alice: Caller,
    project_id: int,
    method: str,
    path: str,
    body: Any,
    loc: list[str],
) -> None:
    """Ids past the integer columns (PostgreSQL: "integer out of range", SQLite past int64)
    and text past its VARCHAR (PostgreSQL only) were 500s."""
    response = client.request(method, path, json=body, headers=alice.headers)
    assert locs(response) == [loc]


def test_a_priority_no_integer_column_holds_is_422_naming_it(
    client: TestClient, alice: Caller, project_id: int
) -> None:
    component = {"module_name": "Billing", "priority": PAST_INT32}
    response = client.post(
        f"/api/projects/{project_id}/components", json=component, headers=alice.headers
    )
    assert refused(response).startswith("priority: 2147483648 is outside")


def test_a_module_name_longer_than_its_column_is_422_naming_it(
    client: TestClient, alice: Caller, project_id: int
) -> None:
    long_name = "Billing." + "L" * 400
    response = client.post(
        f"/api/projects/{project_id}/components",
        json={"module_name": long_name},
        headers=alice.headers,
    )
    assert "invalid module name 'Billing.LLL" in refused(response)
    assert "over 400 characters" in refused(response)


@pytest.mark.parametrize(
    ("name", "extra_row", "named"),
    [
        ("Billing." + "L" * 400, "", "docs/design/shop/billing.md:8: invalid module name"),
        ("Billing.Tax", "| priority | 99999999999 |\n", "priority: 99999999999 is outside"),
    ],
    ids=["module name", "priority"],
)
def test_a_design_doc_value_no_column_holds_is_422_naming_it(
    client: TestClient, alice: Caller, project_id: int, name: str, extra_row: str, named: str
) -> None:
    """The sync stored these as they were, and PostgreSQL refused them: a 500 there."""
    doc = (
        "# Billing\n\n## Purpose\nMoney.\n\n## Components\n\n"
        f"### {name}\n\n| field | value |\n| --- | --- |\n| type | other |\n{extra_row}\nA part.\n"
    )
    response = client.post(
        f"/api/projects/{project_id}/components/sync",
        json={"files": {"docs/design/shop/billing.md": doc}},
        headers=alice.headers,
    )
    assert refused(response).startswith(named)
    assert client.get(f"/api/projects/{project_id}/components", headers=alice.headers).json() == []


@pytest.mark.parametrize(
    ("method", "path", "body", "loc"),
    [
        ("post", "/api/projects", {"name": "sh\x00p", "package": "shop"}, ["body", "name"]),
        (
            "post",
            "/api/projects",
            {"name": "shop", "package": "shop", "test_command": ["pytest", "-k\x00"]},
            ["body", "test_command", 1],
        ),
        (
            "post",
            "/api/sessions",
            {"type": SESSION_TYPE, "project_id": 1, "state": {"branch\x00": "main"}},
            ["body", "state", "branch\x00"],
        ),
        (
            "post",
            "/api/sessions/1/claim",
            {"holder": "runner\x00", "lease_seconds": 60},
            ["body", "holder"],
        ),
        ("get", "/api/sessions?type=Context%00CodingSessions", None, ["query", "type"]),
    ],
)
def test_a_nul_character_is_422_naming_where_it_is(
    client: TestClient,
    alice: Caller,
    project_id: int,
    method: str,
    path: str,
    body: Any,
    loc: list[str | int],
) -> None:
    """PostgreSQL stores no NUL in text (a 500), and no command may carry one."""
    response = client.request(method, path, json=body, headers=alice.headers)
    assert locs(response) == [loc]
    assert refused(response)[0]["msg"] == "contains a NUL character"


def nested(depth: int) -> bytes:
    """A session body whose state nests ``depth`` objects deep, built without recursion."""
    state = '{"a":' * depth + "1" + "}" * depth
    return f'{{"type": "{SESSION_TYPE}", "project_id": 1, "state": {state}}}'.encode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe{", "not a JSON document"),
        (b'{"name": ' + b"1" * 5000 + b"}", "not a JSON document: Exceeds the limit"),
        (nested(3000), "not a JSON document: maximum recursion depth exceeded"),
    ],
    ids=["not UTF-8", "an integer of 5000 digits", "nested past the parser"],
)
def test_a_body_that_does_not_parse_is_422_on_the_body_not_400(
    client: TestClient, alice: Caller, content: bytes, message: str
) -> None:
    response = client.post("/api/sessions", content=content, headers={**alice.headers, **JSON_TYPE})
    assert locs(response) == [["body"]]
    assert refused(response)[0]["msg"].startswith(message)


def test_state_nested_past_the_limit_is_422_naming_where(
    client: TestClient, alice: Caller, project_id: int
) -> None:
    """From about 300 levels pydantic refused to serialize the state to store it: a 500."""
    response = client.post(
        "/api/sessions", content=nested(400), headers={**alice.headers, **JSON_TYPE}
    )
    (problem,) = refused(response)
    assert problem["loc"][:3] == ["body", "state", "a"]
    assert problem["msg"] == "JSON nested deeper than 64 levels"
    fine = client.post("/api/sessions", content=nested(60), headers={**alice.headers, **JSON_TYPE})
    assert fine.status_code == 201, fine.text


@pytest.mark.parametrize(
    ("path", "content", "loc"),
    [
        ("/api/projects", b'{"name": "shop\\ud800", "package": "shop"}', ["body", "name"]),
        (
            "/api/sessions",
            b'{"type": "ContextCodingSessions", "project_id": 1, "state": {"k": "\\udcff"}}',
            ["body", "state", "k"],
        ),
    ],
    ids=["a project's name", "a session's state"],
)
def test_a_lone_surrogate_is_422_naming_where_it_is(
    client: TestClient, alice: Caller, path: str, content: bytes, loc: list[str]
) -> None:
    """Valid JSON that is not text: no database, log or answer can encode it (it was a 500)."""
    response = client.post(path, content=content, headers={**alice.headers, **JSON_TYPE})
    assert locs(response) == [loc]
    assert refused(response)[0]["msg"].startswith("not UTF-8 (lone surrogate \\u")
