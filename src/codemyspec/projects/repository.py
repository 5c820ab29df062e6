"""Projects, always read and written within the caller's account."""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from codemyspec.db import ProjectRow, refused_writes
from codemyspec.errors import NotFoundError
from codemyspec.projects.models import Project, ProjectAttrs
from codemyspec.scope import Scope


class ProjectRepository:
    """Scoped access to projects inside one unit of work."""

    def __init__(self, orm: OrmSession) -> None:
        self._orm = orm

    def _row(self, scope: Scope, project_id: int) -> ProjectRow:
        query = select(ProjectRow).where(
            ProjectRow.id == project_id, ProjectRow.account_id == scope.account_id
        )
        if scope.project_id is not None:
            query = query.where(ProjectRow.id == scope.project_id)
        row = self._orm.scalars(query).one_or_none()
        if row is None:
            raise NotFoundError(f"Project {project_id} not found")
        return row

    def _writing(self, action: str, name: str) -> AbstractContextManager[None]:
        """Refused writes translated; a name another project has is bad input."""
        return refused_writes(action, duplicate=f"a project named {name!r} already exists")

    def create(self, scope: Scope, attrs: ProjectAttrs) -> Project:
        row = ProjectRow(account_id=scope.account_id, **attrs.model_dump(mode="json"))
        with self._writing(f"create project {attrs.name!r}", attrs.name), self._orm.begin_nested():
            self._orm.add(row)
            self._orm.flush()
        return Project.model_validate(row)

    def get(self, scope: Scope, project_id: int) -> Project:
        return Project.model_validate(self._row(scope, project_id))

    def get_by_name(self, scope: Scope, name: str) -> Project:
        row = self._orm.scalars(
            select(ProjectRow).where(
                ProjectRow.account_id == scope.account_id, ProjectRow.name == name
            )
        ).one_or_none()
        if row is None:
            raise NotFoundError(f"Project {name!r} not found")
        return Project.model_validate(row)

    def list_projects(self, scope: Scope) -> list[Project]:
        query = select(ProjectRow).where(ProjectRow.account_id == scope.account_id)
        if scope.project_id is not None:
            query = query.where(ProjectRow.id == scope.project_id)
        return [Project.model_validate(row) for row in self._orm.scalars(query.order_by("id"))]

    def update(self, scope: Scope, project_id: int, attrs: ProjectAttrs) -> Project:
        row = self._row(scope, project_id)
        for key, value in attrs.model_dump(mode="json").items():
            setattr(row, key, value)
        with self._writing(f"update project {project_id}", attrs.name):
            self._orm.flush()
        return Project.model_validate(row)

    def set_code_repo(self, scope: Scope, project_id: int, code_repo: str) -> Project:
        """The project's remote (what the server's workers clone), as its runner named it."""
        row = self._row(scope, project_id)
        with refused_writes(f"update project {project_id}"):
            row.code_repo = code_repo
            self._orm.flush()
        return Project.model_validate(row)

    def delete(self, scope: Scope, project_id: int) -> None:
        row = self._row(scope, project_id)
        with refused_writes(f"delete project {project_id}"):
            self._orm.delete(row)
            self._orm.flush()
