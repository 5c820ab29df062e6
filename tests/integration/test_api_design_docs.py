"""Component sync over HTTP from uploaded design docs, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from codemyspec.api import create_api
from codemyspec.bootstrap import App
from codemyspec.design_docs import MAX_DESIGN_DOC_BYTES
from tests.support.api_callers import Caller, make_caller
from tests.support.postgres import on_both_databases

pytestmark = on_both_databases

CONTEXT_DOC = "docs/design/shop/billing.md"


def context_doc(*children: str) -> str:
    """A Billing context doc listing ``children`` (segments under Billing) as components."""
    components = "".join(
        f"### Billing.{name}\n\n| field | value |\n| --- | --- |\n| type | other |\n\n"
        f"The {name} component.\n\n"
        for name in children
    )
    return f"# Billing\n\n## Purpose\nMoney in, money out.\n\n## Components\n\n{components}"


def component_doc(name: str, *dependencies: str) -> str:
    items = "".join(f"- Billing.{dependency}\n" for dependency in dependencies)
    return f"# Billing.{name}\n\nDoes one thing.\n\n## Dependencies\n{items}"


UPLOAD = {
    CONTEXT_DOC: context_doc("Money", "Ledger", "Tax"),
    "docs/design/shop/billing/money.md": component_doc("Money"),
    "docs/design/shop/billing/ledger.md": component_doc("Ledger", "Money"),
    "docs/design/shop/billing/tax.md": component_doc("Tax", "Money", "Ledger"),
}


@pytest.fixture
def project_id(client: TestClient, alice: Caller) -> int:
    made = client.post(
        "/api/projects", json={"name": "shop", "package": "shop"}, headers=alice.headers
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def sync(client: TestClient, caller: Caller, project_id: int, files: dict[str, str]) -> Any:
    return client.post(
        f"/api/projects/{project_id}/components/sync", json={"files": files}, headers=caller.headers
    )


def sync_escaped(client: TestClient, caller: Caller, project_id: int, files: dict[str, str]) -> Any:
    """``sync`` with every non-ASCII character as a ``\\u`` escape: how a lone surrogate travels."""
    return client.post(
        f"/api/projects/{project_id}/components/sync",
        content=json.dumps({"files": files}).encode("ascii"),
        headers={**caller.headers, "content-type": "application/json"},
    )


def components(client: TestClient, caller: Caller, project_id: int) -> dict[str, Any]:
    listed = client.get(f"/api/projects/{project_id}/components", headers=caller.headers)
    assert listed.status_code == 200, listed.text
    return {c["module_name"]: c for c in listed.json()}


def test_uploaded_docs_sync_into_components_with_their_dependencies(
    client: TestClient, alice: Caller, project_id: int
) -> None:
    response = sync(client, alice, project_id, UPLOAD)

    assert response.status_code == 200, response.text
    report = response.json()
    names = ["Billing.Money", "Billing.Ledger", "Billing.Tax"]
    assert sorted(report["created"]) == sorted(["Billing", *names])
    assert (report["updated"], report["deleted"]) == ([], [])
    assert report["tree"] == [{"module_name": "Billing", "type": "context", "children": names}]
    stored = components(client, alice, project_id)
    assert sorted(stored) == sorted(["Billing", *names])
    assert stored["Billing"]["description"] == "Money in, money out."
    assert stored["Billing.Money"]["dependencies"] == []
    assert stored["Billing.Ledger"]["dependencies"] == ["Billing.Money"]
    assert stored["Billing.Tax"]["dependencies"] == ["Billing.Money", "Billing.Ledger"]
    assert {stored[n]["parent_component_id"] for n in names} == {stored["Billing"]["id"]}


def test_uploading_again_without_a_component_reports_it_deleted(
    client: TestClient, alice: Caller, project_id: int
) -> None:
    assert sync(client, alice, project_id, UPLOAD).status_code == 200
    fewer = {
        CONTEXT_DOC: context_doc("Money", "Ledger"),
        "docs/design/shop/billing/ledger.md": component_doc("Ledger", "Money"),
    }

    response = sync(client, alice, project_id, fewer)

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["deleted"] == ["Billing.Tax"]
    assert (report["created"], report["updated"]) == ([], [])
    assert sorted(components(client, alice, project_id)) == [
        "Billing",
        "Billing.Ledger",
        "Billing.Money",
    ]


@pytest.mark.parametrize(
    ("files", "named"),
    [
        pytest.param(
            {**UPLOAD, CONTEXT_DOC: UPLOAD[CONTEXT_DOC].replace("| type | other |", "| a | b |")},
            f"{CONTEXT_DOC}:10: ",
            id="a component without a type",
        ),
        pytest.param(
            {**UPLOAD, "docs/design/shop/billing/tax.md": component_doc("Tax", "Missing")},
            "docs/design/shop/billing/tax.md:6: ",
            id="an unknown dependency",
        ),
    ],
)
def test_a_malformed_doc_is_422_naming_file_and_line_and_changes_nothing(
    client: TestClient, alice: Caller, project_id: int, files: dict[str, str], named: str
) -> None:
    assert sync(client, alice, project_id, {CONTEXT_DOC: context_doc("Money")}).status_code == 200
    before = components(client, alice, project_id)

    response = sync(client, alice, project_id, files)

    assert response.status_code == 422
    assert response.json()["detail"].startswith(named), response.text
    assert components(client, alice, project_id) == before


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("docs/design/shop/../shop/billing.md", "is not a plain relative path"),
        ("../docs/design/shop/billing.md", "is not a plain relative path"),
        ("/docs/design/shop/billing.md", "is absolute"),
        ("docs/design/shop//billing.md", "is not a plain relative path"),
        ("src/shop/billing.md", "is outside the design docs folder docs/design/shop/"),
        ("docs/design/shop/billing.txt", "is not a .md file"),
    ],
)
def test_a_path_outside_the_design_folder_is_422_naming_it_and_changes_nothing(
    client: TestClient, alice: Caller, project_id: int, path: str, reason: str
) -> None:
    response = sync(client, alice, project_id, {**UPLOAD, path: "# Billing\n"})

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith(f"files: {path!r} "), detail
    assert reason in detail
    assert components(client, alice, project_id) == {}


def test_an_upload_without_a_context_doc_is_refused_rather_than_deleting_the_tree(
    client: TestClient, alice: Caller, project_id: int
) -> None:
    assert sync(client, alice, project_id, UPLOAD).status_code == 200
    before = components(client, alice, project_id)

    for files in ({}, {"docs/design/shop/billing/money.md": component_doc("Money")}):
        response = sync(client, alice, project_id, files)
        assert response.status_code == 422
        assert "files: no context doc uploaded" in response.json()["detail"]
    assert components(client, alice, project_id) == before


SURROGATE_DOC = UPLOAD[CONTEXT_DOC].replace("Money in", "Money \ud800in")
STRAY_PATH = "docs/design/shop/billing/\udcff.md"


@pytest.mark.parametrize(
    ("files", "loc", "message"),
    [
        pytest.param(
            {**UPLOAD, CONTEXT_DOC: SURROGATE_DOC},
            ["body", "files", CONTEXT_DOC],
            f"not UTF-8 (lone surrogate \\ud800 at character {SURROGATE_DOC.index(chr(0xD800))})",
            id="a lone surrogate in a doc",
        ),
        pytest.param(
            {**UPLOAD, STRAY_PATH: component_doc("Money")},
            ["body", "files", "docs/design/shop/billing/\\udcff.md"],
            "not UTF-8 (lone surrogate \\udcff at character 25)",
            id="a lone surrogate in a path",
        ),
    ],
)
def test_text_that_is_not_utf8_is_422_naming_the_file_and_changes_nothing(
    client: TestClient,
    alice: Caller,
    project_id: int,
    files: dict[str, str],
    loc: list[str],
    message: str,
) -> None:
    assert sync(client, alice, project_id, {CONTEXT_DOC: context_doc("Money")}).status_code == 200
    before = components(client, alice, project_id)

    response = sync_escaped(client, alice, project_id, files)

    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert (problem["loc"], problem["msg"]) == (loc, message)
    assert components(client, alice, project_id) == before


def test_a_doc_over_the_size_limit_in_utf8_bytes_is_422_naming_its_size(
    app: App, alice: Caller, project_id: int
) -> None:
    # Two bytes a character: under the limit in characters, over it in bytes.
    huge = UPLOAD[CONTEXT_DOC] + "\n" + "\u00e9" * (MAX_DESIGN_DOC_BYTES // 2)
    size = len(huge.encode("utf-8"))
    assert len(huge) < MAX_DESIGN_DOC_BYTES < size
    with TestClient(create_api(app)) as client:  # the default 1 MiB body limit
        assert sync(client, alice, project_id, UPLOAD).status_code == 200
        before = components(client, alice, project_id)

        response = sync(client, alice, project_id, {**UPLOAD, CONTEXT_DOC: huge})

        assert response.status_code == 422, response.text
        assert response.json()["detail"] == (
            f"{CONTEXT_DOC}: {size} bytes, over the limit of {MAX_DESIGN_DOC_BYTES} bytes "
            "(256 KiB) for one design doc"
        )
        assert components(client, alice, project_id) == before


def _line(text: str, heading: str) -> int:
    return text.splitlines().index(heading) + 1


CASE_DOC = context_doc("Money", "Ledger", "MONEY")
SLUG_DOC = context_doc("Money", "Ledger", "Steps.Ledger")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param(
            {CONTEXT_DOC: CASE_DOC},
            f"{CONTEXT_DOC}:{_line(CASE_DOC, '### Billing.MONEY')}: 'Billing.MONEY' and "
            f"'Billing.Money' ({CONTEXT_DOC}:{_line(CASE_DOC, '### Billing.Money')}) differ only "
            "by case: on a case-insensitive filesystem their files and branches would be one",
            id="names that differ only by case",
        ),
        pytest.param(
            {CONTEXT_DOC: SLUG_DOC},
            f"{CONTEXT_DOC}:{_line(SLUG_DOC, '### Billing.Steps.Ledger')}: 'Billing.Steps.Ledger' "
            f"and 'Billing.Ledger' ({CONTEXT_DOC}:{_line(SLUG_DOC, '### Billing.Ledger')}) would "
            "work on one branch, code-context-coding-session-for-billing--ledger",
            id="names with one slug",
        ),
    ],
)
def test_two_components_that_would_collide_are_422_naming_both_and_change_nothing(
    client: TestClient, alice: Caller, project_id: int, files: dict[str, str], message: str
) -> None:
    assert sync(client, alice, project_id, UPLOAD).status_code == 200
    before = components(client, alice, project_id)

    response = sync(client, alice, project_id, files)

    assert response.status_code == 422, response.text
    assert response.json()["detail"] == message
    assert components(client, alice, project_id) == before


def test_too_many_files_is_422_naming_files(
    client: TestClient, alice: Caller, project_id: int
) -> None:
    many = {str(i): "" for i in range(2001)}  # short, to stay under the 64 KiB body limit

    response = sync(client, alice, project_id, many)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "files"]


def test_another_accounts_project_is_404_and_untouched(
    app: App, client: TestClient, alice: Caller, project_id: int
) -> None:
    mallory = make_caller(app, "evil", "mallory@evil.test")

    response = sync(client, mallory, project_id, UPLOAD)

    assert response.status_code == 404
    assert components(client, alice, project_id) == {}
