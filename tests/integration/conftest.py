"""Fixtures the integration tests share: a synced repository, runs to clean up, API callers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from codemyspec.api import create_api
from codemyspec.bootstrap import App
from tests.support.api_callers import Caller, make_caller
from tests.support.cli_project import CliProject, make_cli_project
from tests.support.cli_runs import NAMES, Implementing, invoke, use


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliProject:
    """A synced repository with design docs and tests for Money, Ledger (uses Money) and Tax."""
    made = make_cli_project(tmp_path, NAMES)
    use(made, monkeypatch)
    synced = invoke("sync")
    assert synced.exit_code == 0, synced.output
    return made


@pytest.fixture
def implementing() -> Iterator[list[Implementing]]:
    started: list[Implementing] = []
    yield started
    for run in started:
        run.kill()


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    """The API over the test's app, in process, with a 64 KiB body limit."""
    with TestClient(create_api(app, max_body_bytes=64 * 1024)) as test_client:
        yield test_client


@pytest.fixture
def alice(app: App) -> Caller:
    return make_caller(app, "acme", "alice@acme.test")


@pytest.fixture
def mallory(app: App) -> Caller:
    return make_caller(app, "evil", "mallory@evil.test")
