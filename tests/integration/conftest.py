"""Fixtures the integration tests share: API callers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from codemyspec.api import create_api
from codemyspec.bootstrap import App
from tests.support.api_callers import Caller, make_caller


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
