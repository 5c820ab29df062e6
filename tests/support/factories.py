"""Build accounts, projects, contexts and sessions through the real repositories."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from codemyspec.bootstrap import App
from codemyspec.components import Component, ComponentAttrs, ComponentType
from codemyspec.context_coding_sessions import SESSION_TYPE
from codemyspec.projects import Project, ProjectAttrs
from codemyspec.scope import Scope
from codemyspec.sessions import Session, SessionAttrs, SessionStatus, SessionUpdate

PYTEST = [sys.executable, "-m", "pytest"]


def make_account(app: App, name: str = "acme") -> Scope:
    """A new account and a user; the scope acts for both."""
    with app.unit_of_work() as uow:
        account = uow.accounts.create_account(name)
        user = uow.accounts.create_user(f"dev{account.id}@{name}.example")
    return Scope(account_id=account.id, user_id=user.id)


def make_project(
    app: App,
    scope: Scope,
    root: Path | None = None,
    *,
    name: str = "shop",
    code_repo: str | None = None,
) -> tuple[Scope, Project]:
    """A Python project in package ``shop``; returns the scope narrowed to it."""
    with app.unit_of_work() as uow:
        project = uow.projects.create(
            scope,
            ProjectAttrs(
                name=name,
                root=str(root) if root else None,
                package="shop",
                code_repo=code_repo,
                test_command=PYTEST,
            ),
        )
    return scope.for_project(project.id), project


@dataclass(frozen=True)
class Context:
    component: Component
    children: list[Component]


def make_context(
    app: App,
    scope: Scope,
    name: str = "Billing",
    children: list[tuple[str, int | None]] | None = None,
    *,
    display_name: str | None = None,
) -> Context:
    """A context component and its children, given as (segment, priority) pairs."""
    children = children if children is not None else [("Money", 2), ("Ledger", 1)]
    with app.unit_of_work() as uow:
        context = uow.components.create(
            scope,
            ComponentAttrs(name=display_name, module_name=name, type=ComponentType.CONTEXT),
        )
        made = [
            uow.components.create(
                scope,
                ComponentAttrs(
                    module_name=f"{name}.{segment}",
                    priority=priority,
                    parent_component_id=context.id,
                ),
            )
            for segment, priority in children
        ]
    return Context(component=context, children=made)


def make_context_session(
    app: App,
    scope: Scope,
    context: Context,
    *,
    agent: str = "claude_code",
    environment_type: str = "local",
) -> Session:
    return app.sessions.create_session(
        scope,
        SessionAttrs.model_validate(
            {
                "type": SESSION_TYPE,
                "component_id": context.component.id,
                "agent": agent,
                "environment_type": environment_type,
            }
        ),
    )


def finish_children(
    app: App,
    scope: Scope,
    session_id: int,
    status: SessionStatus = SessionStatus.COMPLETE,
    **reasons: str,
) -> None:
    """Mark every child of the session with ``status`` (what the runner does in issue 3)."""
    for child in app.sessions.get_session(scope, session_id).child_sessions:
        name = child.component.name if child.component else ""
        state = {"error": reasons[name]} if name in reasons else {}
        app.sessions.update_session(scope, child.id, SessionUpdate(status=status, state=state))


def write_component(
    root: Path,
    module_path: str,
    body: str,
    test_body: str,
) -> None:
    """Write ``src/shop/<module_path>.py`` and its test ``tests/<dir>/test_<name>.py``."""
    code = root / "src" / "shop" / f"{module_path}.py"
    code.parent.mkdir(parents=True, exist_ok=True)
    code.write_text(body, encoding="utf-8")
    *dirs, leaf = module_path.split("/")
    test = (
        root / "tests" / Path(*dirs) / f"test_{leaf}.py"
        if dirs
        else root / "tests" / f"test_{leaf}.py"
    )
    test.parent.mkdir(parents=True, exist_ok=True)
    test.write_text(test_body, encoding="utf-8")
