"""Chained fixtures: database → app → account scope → git project → project scope."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from codemyspec.bootstrap import App, bootstrap
from codemyspec.scope import Scope
from codemyspec.sessions import SessionEvent
from tests.support.cli_project import CliProject, make_cli_project
from tests.support.cli_runs import NAMES, Implementing, invoke, use
from tests.support.factories import make_account, make_project
from tests.support.git_repos import GIT_IDENTITY, GitProject, make_git_project
from tests.support.postgres import BACKENDS, PostgresServer, running_postgres
from tests.support.redis_server import RedisServer, running_redis
from tests.support.served import make_token


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits made by codemyspec in tests need an author; never the developer's own config."""
    for key, value in GIT_IDENTITY.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")


@pytest.fixture(autouse=True)
def _sample_projects_load_no_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample projects' own pytest runs need none of this venv's plugins (schemathesis
    and hypothesis alone add two seconds to every start), as a user's project would not."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Modules marked ``both_databases`` run their database tests on each backend."""
    marked = metafunc.definition.get_closest_marker("both_databases") is not None
    if marked and "database_backend" in metafunc.fixturenames:
        metafunc.parametrize("database_backend", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL for the whole run; each test gets its own database on it.

    Its folder is outside pytest's temp root, which a concurrent pytest run may prune.
    """
    with running_postgres() as server:
        if server is None:
            if os.environ.get("CODEMYSPEC_REQUIRE_POSTGRES"):
                pytest.fail("PostgreSQL is required here but pg_ctl was not found")
            pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
        yield server


@pytest.fixture
def database_backend(request: pytest.FixtureRequest) -> str:
    """sqlite unless a module parametrizes it: ``pytestmark = on_both_databases``."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def database_url(database_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if database_backend == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        return server.database_url()
    return f"sqlite:///{tmp_path / 'codemyspec.db'}"


@pytest.fixture
def app(database_url: str) -> Iterator[App]:
    application = bootstrap(database_url)
    yield application
    application.close()


@pytest.fixture
def events(app: App) -> list[SessionEvent]:
    received: list[SessionEvent] = []
    app.events.subscribe(received.append)
    return received


@pytest.fixture
def account_scope(app: App) -> Scope:
    return make_account(app)


@pytest.fixture
def git_project(tmp_path: Path) -> GitProject:
    return make_git_project(tmp_path / "workspace")


@pytest.fixture
def scope(app: App, account_scope: Scope, git_project: GitProject) -> Scope:
    """The account's scope narrowed to a project whose root is a real git checkout."""
    project_scope, _ = make_project(
        app, account_scope, git_project.root, code_repo=str(git_project.remote)
    )
    return project_scope


@pytest.fixture
def token(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An API token of a member of account acme, in the environment as a user sets it."""
    made = make_token(database_url, "acme", "alice@acme.test")
    monkeypatch.setenv("CODEMYSPEC_TOKEN", made)
    return made


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server (Debian's) of the test's own: the workers' broker."""
    with running_redis() as started:
        yield started


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
