"""Narrowing the caller's scope to a project, shared by every router of the API."""

from __future__ import annotations

from codemyspec.bootstrap import App, UnitOfWork
from codemyspec.scope import Scope


def in_project(uow: UnitOfWork, scope: Scope, project_id: int) -> Scope:
    """The caller's scope narrowed to one of its projects; another account's is a 404."""
    uow.projects.get(scope, project_id)
    return scope.for_project(project_id)


def narrowed(scope: Scope, project_id: int | None, app: App) -> Scope:
    """``in_project`` in its own transaction, or the whole scope when no project is named."""
    if project_id is None:
        return scope
    with app.unit_of_work() as uow:
        return in_project(uow, scope, project_id)
