"""Every write a repository makes, refused by the database: our error, with its reason.

A real trigger refuses the write (``RAISE`` on SQLite, a PL/pgSQL function on PostgreSQL);
the repository names what it was doing and keeps the database's own words, so no raw
SQLAlchemy error reaches the engine, the API or the command line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import text

from codemyspec.bootstrap import App, UnitOfWork
from codemyspec.clock import utcnow
from codemyspec.commands import Result
from codemyspec.components import ComponentAttrs
from codemyspec.errors import InteractionConflictError, PersistenceError, ValidationError
from codemyspec.projects import ProjectAttrs
from codemyspec.scope import Scope
from codemyspec.sessions import Session, SessionAttrs, SessionUpdate
from tests.support.factories import make_context, make_context_session, make_project
from tests.support.postgres import on_both_databases
from tests.support.refused_writes import refusing_writes

pytestmark = on_both_databases

REFUSED = "refused by the test"
Write = Callable[[UnitOfWork, Scope, Session], object]


def _claim(uow: UnitOfWork, scope: Scope, session: Session) -> object:
    now = utcnow()
    return uow.sessions.claim(scope, session.id, "runner-1", now, now + timedelta(minutes=5))


def _release(uow: UnitOfWork, scope: Scope, session: Session) -> object:
    return uow.sessions.release(scope, session.id, "runner-1")


def _child(uow: UnitOfWork, scope: Scope, session: Session) -> object:
    attrs = SessionAttrs(type="ComponentCodingSessions", session_id=session.id)
    return uow.sessions.create(scope, attrs)


def _record(uow: UnitOfWork, scope: Scope, session: Session) -> object:
    pending = session.pending_interaction()
    assert pending is not None
    return uow.sessions.record_result(scope, session.id, pending.id, Result.error("x"))


SESSION_WRITES: list[tuple[str, str, str, Write, str]] = [
    ("create", "BEFORE INSERT", "sessions", _child, "create the ComponentCodingSessions session"),
    (
        "update",
        "BEFORE UPDATE",
        "sessions",
        lambda uow, scope, s: uow.sessions.update(scope, s.id, SessionUpdate(agent="other")),
        "update session {id}",
    ),
    (
        "restart",
        "BEFORE UPDATE",
        "sessions",
        lambda uow, scope, s: uow.sessions.restart(scope, s.id, {}),
        "restart session {id}",
    ),
    ("claim", "BEFORE UPDATE", "sessions", _claim, "claim session {id}"),
    ("release", "BEFORE UPDATE", "sessions", _release, "release session {id}"),
    (
        "delete",
        "BEFORE DELETE",
        "sessions",
        lambda uow, scope, s: uow.sessions.delete(scope, s.id),
        "delete session {id}",
    ),
    ("record", "BEFORE UPDATE", "interactions", _record, "store the result of interaction"),
]


@pytest.fixture
def session(app: App, scope: Scope) -> Session:
    """A context session with its first interaction pending, claimed by ``runner-1``."""
    made = make_context_session(app, scope, make_context(app, scope))
    app.sessions.next_command(scope, made.id)
    with app.unit_of_work() as uow:
        assert _claim(uow, scope, made)
    return app.sessions.get_session(scope, made.id)


@pytest.mark.parametrize(
    ("when", "table", "write", "action"),
    [pytest.param(*row[1:], id=row[0]) for row in SESSION_WRITES],
)
def test_a_refused_session_write_is_a_persistence_error_naming_it_and_the_reason(
    app: App, scope: Scope, session: Session, when: str, table: str, write: Write, action: str
) -> None:
    expected = f"could not {action.format(id=session.id)}"
    with (
        refusing_writes(app, "refuse", when, table, REFUSED),
        pytest.raises(PersistenceError, match=rf"^{expected}.*: {REFUSED}$"),
        app.unit_of_work() as uow,
    ):
        write(uow, scope, session)

    assert app.sessions.get_session(scope, session.id) == session, "nothing of it was kept"


def test_a_second_pending_interaction_is_an_interaction_conflict(
    app: App, scope: Scope, session: Session
) -> None:
    pending = session.pending_interaction()
    assert pending is not None

    with (
        pytest.raises(
            InteractionConflictError,
            match=rf"^session {session.id} already has a pending interaction; "
            rf"{pending.step} was not stored \(.+\)$",
        ),
        app.unit_of_work() as uow,
    ):
        uow.sessions.add_interaction(scope, session.id, pending.command)

    assert app.sessions.next_command(scope, session.id) == pending, "the engine hands it out"


def test_a_refused_interaction_is_a_persistence_error_not_a_conflict(
    app: App, scope: Scope, session: Session
) -> None:
    pending = session.pending_interaction()
    assert pending is not None
    with app.unit_of_work() as uow:
        uow.sessions.record_result(scope, session.id, pending.id, Result.error("done"))

    with (
        refusing_writes(app, "refuse", "BEFORE INSERT", "interactions", REFUSED),
        pytest.raises(PersistenceError, match=rf"of session {session.id}: {REFUSED}$") as raised,
        app.unit_of_work() as uow,
    ):
        uow.sessions.add_interaction(scope, session.id, pending.command)
    assert not isinstance(raised.value, InteractionConflictError)


def test_refused_project_writes_are_persistence_errors(app: App, account_scope: Scope) -> None:
    project_scope, project = make_project(app, account_scope)
    attrs = ProjectAttrs(name="shop", package="shop")

    with (
        refusing_writes(app, "refuse_update", "BEFORE UPDATE", "projects", REFUSED),
        pytest.raises(PersistenceError, match=rf"^could not update project \d+: {REFUSED}$"),
        app.unit_of_work() as uow,
    ):
        uow.projects.update(project_scope, project.id, attrs)
    with (
        refusing_writes(app, "refuse_insert", "BEFORE INSERT", "projects", REFUSED),
        pytest.raises(PersistenceError, match=rf"^could not create project 'other': {REFUSED}$"),
        app.unit_of_work() as uow,
    ):
        uow.projects.create(account_scope, ProjectAttrs(name="other", package="other"))
    with (
        refusing_writes(app, "refuse_delete", "BEFORE DELETE", "projects", REFUSED),
        pytest.raises(PersistenceError, match=rf"^could not delete project \d+: {REFUSED}$"),
        app.unit_of_work() as uow,
    ):
        uow.projects.delete(project_scope, project.id)


def test_renaming_a_project_to_a_taken_name_is_a_validation_error(
    app: App, account_scope: Scope
) -> None:
    make_project(app, account_scope, name="shop")
    other_scope, other = make_project(app, account_scope, name="other")

    with (
        pytest.raises(ValidationError, match=r"^a project named 'shop' already exists$"),
        app.unit_of_work() as uow,
    ):
        uow.projects.update(other_scope, other.id, ProjectAttrs(name="shop", package="shop"))


def test_refused_component_writes_are_persistence_errors(app: App, scope: Scope) -> None:
    context = make_context(app, scope).component

    with (
        refusing_writes(app, "refuse_insert", "BEFORE INSERT", "components", REFUSED),
        pytest.raises(PersistenceError, match=rf"^could not write component 'Tax': {REFUSED}$"),
        app.unit_of_work() as uow,
    ):
        uow.components.create(scope, ComponentAttrs(module_name="Tax"))
    with (
        refusing_writes(app, "refuse_delete", "BEFORE DELETE", "components", REFUSED),
        pytest.raises(
            PersistenceError, match=rf"^could not delete component {context.id}: {REFUSED}$"
        ),
        app.unit_of_work() as uow,
    ):
        uow.components.delete(scope, context.id)


def test_refused_account_writes_are_persistence_errors(app: App, account_scope: Scope) -> None:
    account, user = account_scope.account_id, account_scope.user_id
    assert user is not None
    with app.unit_of_work() as uow:
        uow.accounts.add_member(account, user)
        token = uow.accounts.create_token(account, user, "ci")

    cases: list[tuple[str, str, Callable[[UnitOfWork], object], str]] = [
        ("accounts", "INSERT", lambda uow: uow.accounts.create_account("b"), "create account 'b'"),
        (
            "users",
            "INSERT",
            lambda uow: uow.accounts.create_user("c@d.example"),
            "create user 'c@d.example'",
        ),
        (
            "api_tokens",
            "INSERT",
            lambda uow: uow.accounts.create_token(account, user, "x"),
            f"create a token for user {user}",
        ),
        (
            "api_tokens",
            "UPDATE",
            lambda uow: uow.accounts.revoke_token(token.id),
            f"revoke token {token.id}",
        ),
    ]
    for table, when, write, action in cases:
        with (
            refusing_writes(app, "refuse", f"BEFORE {when}", table, REFUSED),
            pytest.raises(PersistenceError, match=rf"^could not {action}: {REFUSED}$"),
            app.unit_of_work() as uow,
        ):
            write(uow)


def test_adding_a_member_the_database_refuses_is_a_persistence_error(app: App) -> None:
    with app.unit_of_work() as uow:
        account = uow.accounts.create_account("acme")
        user = uow.accounts.create_user("e@f.example")

    with (
        refusing_writes(app, "refuse", "BEFORE INSERT", "memberships", REFUSED),
        pytest.raises(
            PersistenceError,
            match=rf"^could not add user {user.id} to account {account.id}: {REFUSED}$",
        ),
        app.unit_of_work() as uow,
    ):
        uow.accounts.add_member(account.id, user.id)


def test_a_read_the_database_fails_is_a_persistence_error_from_the_unit_of_work(
    app: App, account_scope: Scope
) -> None:
    with app.database.engine.begin() as connection:
        connection.execute(text("ALTER TABLE projects RENAME TO projects_elsewhere"))

    with (
        pytest.raises(PersistenceError, match=r"^the database failed: .*projects"),
        app.unit_of_work() as uow,
    ):
        uow.projects.list_projects(account_scope)
