"""``codemyspec admin`` and ``codemyspec serve``: a real uvicorn on 127.0.0.1 with a token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from codemyspec.cli import app
from tests.support.served import served

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'server.db'}"


def admin(url: str, *args: str) -> str:
    result = runner.invoke(app, ["admin", *args, "--database-url", url])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def server(url: str, tmp_path: Path) -> Iterator[str]:
    with served(url, tmp_path / "server.log") as base:
        yield base


def test_a_token_made_with_admin_works_against_the_served_api_until_revoked(
    url: str, server: str
) -> None:
    admin(url, "create-user", "alice@acme.test", "--account", "acme")
    output = admin(url, "create-token", "alice@acme.test", "--account", "acme")
    token = output.strip().splitlines()[-1]
    assert token.startswith("cms_")
    headers = {"Authorization": f"Bearer {token}"}

    made = httpx.post(
        f"{server}/api/projects", json={"name": "shop", "package": "shop"}, headers=headers
    )
    assert made.status_code == 201, made.text
    listed = httpx.get(f"{server}/api/projects", headers=headers).json()
    assert [p["name"] for p in listed] == ["shop"]

    admin(url, "revoke-token", "1")
    assert httpx.get(f"{server}/api/projects", headers=headers).status_code == 401


def test_admin_errors_name_what_was_wrong_and_change_nothing(url: str) -> None:
    admin(url, "create-user", "alice@acme.test", "--account", "acme")
    twice = runner.invoke(
        app, ["admin", "create-user", "alice@acme.test", "--account", "acme", "--database-url", url]
    )
    assert twice.exit_code == 1
    assert "already exists" in twice.output
    unknown = runner.invoke(
        app, ["admin", "create-token", "bob@acme.test", "--account", "acme", "--database-url", url]
    )
    assert unknown.exit_code == 1
    assert "no user with email 'bob@acme.test'" in unknown.output
    no_account = runner.invoke(
        app, ["admin", "create-token", "alice@acme.test", "--account", "x", "--database-url", url]
    )
    assert no_account.exit_code == 1
    assert "no account named 'x'" in no_account.output
