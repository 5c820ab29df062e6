"""One account never reads, changes or points at another's rows; a project scope stays in it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import text

from codemyspec.bootstrap import App
from codemyspec.components import Component, ComponentAttrs, ComponentType
from codemyspec.context_coding_sessions import CHILD_SESSION_TYPE, SESSION_TYPE
from codemyspec.errors import NotFoundError
from codemyspec.projects import Project, ProjectAttrs
from codemyspec.runner import execute_shell_command
from codemyspec.scope import Scope
from codemyspec.sessions import Result, Session, SessionAttrs, SessionStatus, SessionUpdate
from tests.support.factories import make_account, make_context, make_project
from tests.support.git_repos import GitProject
from tests.support.postgres import on_both_databases

pytestmark = on_both_databases


@dataclass(frozen=True)
class Owned:
    """One account's project, context, child component and sessions."""

    account: Scope
    scope: Scope
    project: Project
    context: Component
    component: Component
    session: Session
    child: Session


def _own(app: App, name: str, git_project: GitProject | None = None) -> Owned:
    account = make_account(app, name)
    scope, project = make_project(
        app, account, git_project.root if git_project else None, name=f"{name}-shop"
    )
    context = make_context(app, scope, "Billing", [("Money", 1)])
    session = app.sessions.create_session(
        scope,
        SessionAttrs(type=SESSION_TYPE, component_id=context.component.id, state={"who": name}),
    )
    child = app.sessions.create_session(
        scope,
        SessionAttrs(
            type=CHILD_SESSION_TYPE, component_id=context.children[0].id, session_id=session.id
        ),
    )
    return Owned(account, scope, project, context.component, context.children[0], session, child)


@pytest.fixture
def alice(app: App, git_project: GitProject) -> Owned:
    return _own(app, "alice", git_project)


@pytest.fixture
def bob(app: App) -> Owned:
    return _own(app, "bob")


def _interaction_count(app: App) -> int:
    with app.database.engine.connect() as connection:
        count = connection.scalar(text("SELECT count(*) FROM interactions"))
    assert isinstance(count, int)
    return count


def _bob_scopes(bob: Owned) -> list[Scope]:
    """Bob as an account, and Bob narrowed to his own project."""
    return [bob.account, bob.scope]


# --- the engine --------------------------------------------------------------------------------


def test_another_account_cannot_get_or_list_a_session(app: App, alice: Owned, bob: Owned) -> None:
    for scope in _bob_scopes(bob):
        with pytest.raises(NotFoundError, match=f"Session {alice.session.id} not found"):
            app.sessions.get_session(scope, alice.session.id)
        with pytest.raises(NotFoundError, match=f"Session {alice.child.id} not found"):
            app.sessions.get_session(scope, alice.child.id)
        listed = {s.id for s in app.sessions.list_sessions(scope)}
        assert listed == {bob.session.id, bob.child.id}
        assert app.sessions.list_sessions(scope, parent_id=alice.session.id) == []
        assert {s.id for s in app.sessions.list_sessions(scope, type=SESSION_TYPE)} == {
            bob.session.id
        }


def stored(state: dict[str, object]) -> dict[str, object]:
    """The state as written: without the progress a context session is read with."""
    return {key: value for key, value in state.items() if key != "progress"}


def test_another_account_cannot_update_or_delete_a_session(
    app: App, alice: Owned, bob: Owned
) -> None:
    for scope in _bob_scopes(bob):
        with pytest.raises(NotFoundError, match=f"Session {alice.session.id} not found"):
            app.sessions.update_session(
                scope,
                alice.session.id,
                SessionUpdate(status=SessionStatus.CANCELLED, state={"who": "bob"}),
            )
        with pytest.raises(NotFoundError, match=f"Session {alice.session.id} not found"):
            app.sessions.delete_session(scope, alice.session.id)
        with pytest.raises(NotFoundError, match=f"Session {alice.session.id} not found"):
            app.sessions.restart_session(scope, alice.session.id, {"who": "bob"})

    untouched = app.sessions.get_session(alice.scope, alice.session.id)
    assert untouched.status is SessionStatus.ACTIVE
    assert stored(untouched.state) == {"who": "alice"}
    assert [c.id for c in untouched.child_sessions] == [alice.child.id]


def test_another_account_cannot_drive_a_session(
    app: App, alice: Owned, bob: Owned, git_project: GitProject
) -> None:
    for scope in _bob_scopes(bob):
        with pytest.raises(NotFoundError, match=f"Session {alice.session.id} not found"):
            app.sessions.next_command(scope, alice.session.id)
    assert _interaction_count(app) == 0, "Bob's attempt stored no interaction"

    pending = app.sessions.next_command(alice.scope, alice.session.id)
    result = execute_shell_command(pending.command, git_project.root, app.shell)
    for scope in _bob_scopes(bob):
        with pytest.raises(NotFoundError, match=f"Session {alice.session.id} not found"):
            app.sessions.handle_result(scope, alice.session.id, pending.id, result)
        # Bob's own session with Alice's interaction id: not his interaction either.
        with pytest.raises(NotFoundError, match=f"Interaction {pending.id} not found"):
            app.sessions.handle_result(scope, bob.session.id, pending.id, Result.ok())

    after = app.sessions.get_session(alice.scope, alice.session.id)
    still_pending = after.pending_interaction()
    assert still_pending is not None
    assert still_pending.id == pending.id
    assert stored(after.state) == {"who": "alice"}
    # Alice herself can still report it.
    done = app.sessions.handle_result(alice.scope, alice.session.id, pending.id, result)
    assert done.pending_interaction() is None


def test_another_account_cannot_create_a_session_on_foreign_rows(
    app: App, alice: Owned, bob: Owned
) -> None:
    for scope in _bob_scopes(bob):
        with pytest.raises(NotFoundError, match=f"Component {alice.context.id} not found"):
            app.sessions.create_session(
                scope, SessionAttrs(type=SESSION_TYPE, component_id=alice.context.id)
            )
        with pytest.raises(NotFoundError, match=f"Project {alice.project.id} not found"):
            app.sessions.create_session(
                scope, SessionAttrs(type=SESSION_TYPE, project_id=alice.project.id)
            )
        with pytest.raises(NotFoundError, match=f"Session {alice.session.id} not found"):
            app.sessions.create_session(
                scope,
                SessionAttrs(
                    type=CHILD_SESSION_TYPE,
                    component_id=bob.component.id,
                    session_id=alice.session.id,
                ),
            )

    assert [
        c.id for c in app.sessions.get_session(alice.scope, alice.session.id).child_sessions
    ] == [alice.child.id]
    assert {s.id for s in app.sessions.list_sessions(bob.account)} == {bob.session.id, bob.child.id}


# --- the repositories --------------------------------------------------------------------------


def test_another_account_cannot_see_or_change_a_project(app: App, alice: Owned, bob: Owned) -> None:
    for scope in _bob_scopes(bob):
        with app.unit_of_work() as uow:
            with pytest.raises(NotFoundError, match=f"Project {alice.project.id} not found"):
                uow.projects.get(scope, alice.project.id)
            with pytest.raises(NotFoundError, match="Project 'alice-shop' not found"):
                uow.projects.get_by_name(scope, "alice-shop")
            assert [p.id for p in uow.projects.list_projects(scope)] == [bob.project.id]
            with pytest.raises(NotFoundError, match=f"Project {alice.project.id} not found"):
                uow.projects.update(
                    scope, alice.project.id, ProjectAttrs(name="stolen", package="stolen")
                )
            with pytest.raises(NotFoundError, match=f"Project {alice.project.id} not found"):
                uow.projects.delete(scope, alice.project.id)

    with app.unit_of_work() as uow:
        assert uow.projects.get(alice.scope, alice.project.id) == alice.project


def test_another_account_cannot_see_or_change_a_component(
    app: App, alice: Owned, bob: Owned
) -> None:
    for scope in _bob_scopes(bob):
        with app.unit_of_work() as uow:
            with pytest.raises(NotFoundError, match=f"Component {alice.component.id} not found"):
                uow.components.get(scope, alice.component.id)
            assert {c.id for c in uow.components.list_components(scope)} == {
                bob.context.id,
                bob.component.id,
            }
            assert uow.components.list_child_components(scope, alice.context.id) == []
            with pytest.raises(NotFoundError, match=f"Component {alice.component.id} not found"):
                uow.components.update(
                    scope, alice.component.id, ComponentAttrs(module_name="Billing.Stolen")
                )
            with pytest.raises(NotFoundError, match=f"Component {alice.component.id} not found"):
                uow.components.delete(scope, alice.component.id)
        # Bob's own Billing.Money is the one he finds by name, never Alice's.
        with app.unit_of_work() as uow:
            assert uow.components.get_by_module_name(scope, "Billing.Money").id == bob.component.id

    with app.unit_of_work() as uow:
        assert uow.components.get(alice.scope, alice.component.id) == alice.component


def test_another_account_cannot_create_a_component_on_foreign_rows(
    app: App, alice: Owned, bob: Owned
) -> None:
    with app.unit_of_work() as uow:
        with pytest.raises(NotFoundError, match=f"Project {alice.project.id} not found"):
            uow.components.create(
                bob.account, ComponentAttrs(module_name="Intruder"), project_id=alice.project.id
            )
        with pytest.raises(NotFoundError, match=f"Component {alice.context.id} not found"):
            uow.components.create(
                bob.scope,
                ComponentAttrs(
                    module_name="Billing.Intruder", parent_component_id=alice.context.id
                ),
            )

    with app.unit_of_work() as uow:
        assert uow.components.list_child_components(alice.scope, alice.context.id) == [
            alice.component
        ]
        assert len(uow.components.list_components(alice.scope)) == 2


def test_another_account_cannot_read_or_change_a_session_through_the_repository(
    app: App, alice: Owned, bob: Owned
) -> None:
    for scope in _bob_scopes(bob):
        with app.unit_of_work() as uow:
            with pytest.raises(NotFoundError, match=f"Session {alice.session.id} not found"):
                uow.sessions.get(scope, alice.session.id)
            assert {s.id for s in uow.sessions.list_sessions(scope)} == {
                bob.session.id,
                bob.child.id,
            }
            with pytest.raises(NotFoundError, match=f"Session {alice.session.id} not found"):
                uow.sessions.update(scope, alice.session.id, SessionUpdate(state={"who": "bob"}))
            with pytest.raises(NotFoundError, match=f"Session {alice.session.id} not found"):
                uow.sessions.delete(scope, alice.session.id)
            with pytest.raises(NotFoundError, match=f"Component {alice.context.id} not found"):
                uow.sessions.create(
                    scope, SessionAttrs(type=SESSION_TYPE, component_id=alice.context.id)
                )

    with app.unit_of_work() as uow:
        assert uow.sessions.get(alice.scope, alice.session.id).state == {"who": "alice"}


# --- a project scope ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TwoProjects:
    shop: Scope
    store: Scope
    shop_project: Project
    store_project: Project
    shop_context: Component
    store_context: Component
    shop_session: Session
    store_session: Session


@pytest.fixture
def two_projects(app: App) -> TwoProjects:
    account = make_account(app, "carol")
    shop, shop_project = make_project(app, account, name="shop")
    store, store_project = make_project(app, account, name="store")
    shop_context = make_context(app, shop, "Billing", [("Money", 1)]).component
    store_context = make_context(app, store, "Shipping", [("Rate", 1)]).component
    shop_session = app.sessions.create_session(
        shop, SessionAttrs(type=SESSION_TYPE, component_id=shop_context.id)
    )
    store_session = app.sessions.create_session(
        store, SessionAttrs(type=SESSION_TYPE, component_id=store_context.id)
    )
    return TwoProjects(
        shop,
        store,
        shop_project,
        store_project,
        shop_context,
        store_context,
        shop_session,
        store_session,
    )


def test_a_project_scope_does_not_see_the_accounts_other_project(
    app: App, two_projects: TwoProjects
) -> None:
    p = two_projects
    with app.unit_of_work() as uow:
        assert [x.id for x in uow.projects.list_projects(p.shop)] == [p.shop_project.id]
        with pytest.raises(NotFoundError, match=f"Project {p.store_project.id} not found"):
            uow.projects.get(p.shop, p.store_project.id)
        with pytest.raises(NotFoundError, match=f"Component {p.store_context.id} not found"):
            uow.components.get(p.shop, p.store_context.id)
        with pytest.raises(NotFoundError, match="Component 'Shipping' not found"):
            uow.components.get_by_module_name(p.shop, "Shipping")
        assert {c.module_name for c in uow.components.list_components(p.shop)} == {
            "Billing",
            "Billing.Money",
        }
        assert uow.components.list_child_components(p.shop, p.store_context.id) == []
        with pytest.raises(NotFoundError, match=f"Session {p.store_session.id} not found"):
            uow.sessions.get(p.shop, p.store_session.id)

    with pytest.raises(NotFoundError, match=f"Session {p.store_session.id} not found"):
        app.sessions.get_session(p.shop, p.store_session.id)
    with pytest.raises(NotFoundError, match=f"Session {p.store_session.id} not found"):
        app.sessions.next_command(p.shop, p.store_session.id)
    assert [s.id for s in app.sessions.list_sessions(p.shop)] == [p.shop_session.id]


def test_a_project_scope_cannot_point_a_new_row_at_the_other_project(
    app: App, two_projects: TwoProjects
) -> None:
    p = two_projects
    with pytest.raises(NotFoundError, match=f"Component {p.store_context.id} not found"):
        app.sessions.create_session(
            p.shop, SessionAttrs(type=SESSION_TYPE, component_id=p.store_context.id)
        )
    with pytest.raises(NotFoundError, match=f"Project {p.store_project.id} not found"):
        app.sessions.create_session(
            p.shop, SessionAttrs(type=SESSION_TYPE, project_id=p.store_project.id)
        )
    with (
        app.unit_of_work() as uow,
        pytest.raises(NotFoundError, match=f"Component {p.store_context.id} not found"),
    ):
        uow.components.create(
            p.shop,
            ComponentAttrs(
                module_name="Billing.Intruder",
                type=ComponentType.OTHER,
                parent_component_id=p.store_context.id,
            ),
        )

    assert [s.id for s in app.sessions.list_sessions(p.store)] == [p.store_session.id]


def test_the_account_scope_sees_both_of_its_projects(app: App, two_projects: TwoProjects) -> None:
    p = two_projects
    account = Scope(account_id=p.shop.account_id, user_id=p.shop.user_id)
    with app.unit_of_work() as uow:
        assert [x.id for x in uow.projects.list_projects(account)] == [
            p.shop_project.id,
            p.store_project.id,
        ]
        assert uow.components.get(account, p.store_context.id) == p.store_context
    assert {s.id for s in app.sessions.list_sessions(account)} == {
        p.shop_session.id,
        p.store_session.id,
    }
