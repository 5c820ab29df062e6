"""Opening a database: migrations on first open, the URL setting, and SQLite foreign keys."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import event, inspect, text
from sqlalchemy.exc import IntegrityError

from codemyspec.bootstrap import App, bootstrap
from codemyspec.db import DATABASE_URL_ENV, Database, database_url
from codemyspec.db.database import MIGRATIONS, newest_revision
from codemyspec.errors import ConfigurationError
from codemyspec.runner import execute_shell_command
from codemyspec.scope import Scope
from codemyspec.sessions import SessionAttrs
from tests.support.factories import make_account, make_context, make_context_session
from tests.support.git_repos import GitProject

TABLES = {"accounts", "users", "projects", "components", "sessions", "interactions"}


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _head() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def _versions(database: Database) -> list[str]:
    with database.engine.connect() as connection:
        return list(connection.scalars(text("SELECT version_num FROM alembic_version")))


def test_a_fresh_sqlite_file_gets_every_table_and_the_newest_revision(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    assert not path.exists()

    database = Database(f"sqlite:///{path}")
    try:
        assert path.exists()
        tables = set(inspect(database.engine).get_table_names())
        assert tables >= TABLES | {"alembic_version"}
        assert _versions(database) == [_head()]
    finally:
        database.dispose()


def test_opening_a_database_again_changes_nothing_and_keeps_its_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kept.db'}"
    first = bootstrap(url)
    try:
        owner = make_account(first, "kept")
    finally:
        first.close()

    second = bootstrap(url)
    try:
        assert _versions(second.database) == [_head()]
        with second.unit_of_work() as uow:
            assert uow.accounts.get_account(owner.account_id).name == "kept"
    finally:
        second.close()


def test_a_database_left_at_an_older_revision_is_upgraded_when_opened(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = Database(url, apply_migrations=False)
    try:
        config = _alembic_config()
        with old.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
        columns = {c["name"] for c in inspect(old.engine).get_columns("sessions")}
        assert "attempt" not in columns
        assert _versions(old) == ["0001"]
    finally:
        old.dispose()

    upgraded = Database(url)
    try:
        columns = {c["name"] for c in inspect(upgraded.engine).get_columns("sessions")}
        assert "attempt" in columns
        assert _versions(upgraded) == [_head()]
    finally:
        upgraded.dispose()


def test_each_migration_file_is_named_after_its_revision_so_the_newest_is_known_unread() -> None:
    scripts = ScriptDirectory.from_config(_alembic_config())
    for revision in scripts.walk_revisions():
        assert revision.path is not None
        assert Path(revision.path).name.startswith(f"{revision.revision}_")

    assert newest_revision() == _head()


#: Opens the database given in argv[1] and says whether Alembic had to be loaded.
OPEN_AND_REPORT = """
import sys
from codemyspec.db import Database
Database(sys.argv[1]).dispose()
print("alembic loaded" if "alembic" in sys.modules else "alembic not loaded")
"""


def test_a_database_at_the_newest_revision_opens_without_loading_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'current.db'}"
    opened = [
        subprocess.run(
            [sys.executable, "-c", OPEN_AND_REPORT, url],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout.strip()
        for _ in range(2)
    ]

    assert opened == ["alembic loaded", "alembic not loaded"], "created, then only opened"


def test_the_environment_variable_overrides_the_default_database_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = tmp_path / ".codemyspec" / "codemyspec.db"
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    assert DATABASE_URL_ENV == "CODEMYSPEC_DATABASE_URL"
    assert database_url(default) == f"sqlite:///{default}"

    override = f"sqlite:///{tmp_path / 'team.db'}"
    monkeypatch.setenv("CODEMYSPEC_DATABASE_URL", override)
    assert database_url(default) == override

    monkeypatch.setenv("CODEMYSPEC_DATABASE_URL", "")
    assert database_url(default) == f"sqlite:///{default}", "an empty setting is no setting"


def test_an_unknown_database_dialect_is_a_configuration_error_naming_the_url() -> None:
    with pytest.raises(ConfigurationError, match="nosuchdialect://x"):
        Database("nosuchdialect://x")


def test_a_sqlite_file_that_cannot_be_created_is_a_configuration_error_naming_the_url(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.db'}"
    with pytest.raises(ConfigurationError, match=r"cannot \w+ database") as raised:
        Database(url)
    assert url in str(raised.value)


def test_sqlite_enforces_foreign_keys(app: App) -> None:
    with app.database.engine.connect() as connection:
        assert connection.scalar(text("PRAGMA foreign_keys")) == 1
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            connection.execute(
                text(
                    "INSERT INTO interactions (session_id, step, attempt, command, started_at) "
                    "VALUES (424242, 'Nowhere', 1, '{}', '2024-01-01 00:00:00')"
                )
            )


def test_deleting_a_session_row_deletes_its_interactions_and_children_in_the_database(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    context = make_context(app, scope, "Billing", [("Money", 2), ("Ledger", 1)])
    parent = make_context_session(app, scope, context)
    initialize = app.sessions.next_command(scope, parent.id)
    result = execute_shell_command(initialize.command, git_project.root, app.shell)
    app.sessions.handle_result(scope, parent.id, initialize.id, result)
    spawn = app.sessions.next_command(scope, parent.id)
    child_ids = spawn.command.child_session_ids
    assert len(child_ids) == 2
    app.sessions.create_session(
        scope,
        SessionAttrs(
            type="ComponentCodingSessions",
            component_id=context.children[0].id,
            session_id=child_ids[0],
        ),
    )

    # A plain SQL delete, bypassing the ORM: only the database's ON DELETE CASCADE can clean up.
    with app.database.engine.begin() as connection:
        connection.execute(text("DELETE FROM sessions WHERE id = :id"), {"id": parent.id})

    with app.database.engine.connect() as connection:
        sessions = connection.scalars(text("SELECT id FROM sessions")).all()
        interactions = connection.scalar(text("SELECT count(*) FROM interactions"))
    assert sessions == []
    assert interactions == 0


def test_deleting_a_session_through_the_engine_removes_its_interactions_and_children(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    context = make_context(app, scope, "Billing", [("Money", 2), ("Ledger", 1)])
    parent = make_context_session(app, scope, context)
    other = make_context_session(app, scope, make_context(app, scope, "Shipping", [("Rate", 1)]))
    initialize = app.sessions.next_command(scope, parent.id)
    result = execute_shell_command(initialize.command, git_project.root, app.shell)
    app.sessions.handle_result(scope, parent.id, initialize.id, result)
    app.sessions.next_command(scope, parent.id)
    pending_on_other = app.sessions.next_command(scope, other.id)

    app.sessions.delete_session(scope, parent.id)

    with app.database.engine.connect() as connection:
        sessions = connection.scalars(text("SELECT id FROM sessions")).all()
        interactions = connection.scalars(text("SELECT id FROM interactions")).all()
    assert sessions == [other.id], "the other session is untouched"
    assert interactions == [pending_on_other.id]


def test_writers_in_one_process_queue_for_sqlite_instead_of_meeting_its_locked_error(
    tmp_path: Path,
) -> None:
    """Eight threads writing at once never find SQLite's write lock taken: they queue in
    process (SQLite's busy handler would nap up to 100 ms each time). With no busy wait at
    all (busy_timeout 0), a collision would be a "database is locked" error."""
    app = bootstrap(f"sqlite:///{tmp_path / 'writers.db'}")

    @event.listens_for(app.database.engine, "connect")
    def _no_busy_wait(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    app.database.engine.dispose()  # connections made from now on do not wait
    errors: list[BaseException] = []

    def write(k: int) -> None:
        try:
            for i in range(25):
                with app.unit_of_work() as uow:
                    uow.accounts.get_or_create_account(f"writer-{k}-{i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    app.close()
    assert errors == []
    reopened = bootstrap(f"sqlite:///{tmp_path / 'writers.db'}")
    try:
        with reopened.unit_of_work(read_only=True) as uow:
            found = [uow.accounts.get_or_create_account(f"writer-{k}-24") for k in range(8)]
        assert len({account.id for account in found}) == 8
    finally:
        reopened.close()
