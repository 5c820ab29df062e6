"""Components, always read and written within the caller's account and project."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Select, select
from sqlalchemy.orm import Session as OrmSession

from codemyspec.components.models import Component, ComponentAttrs
from codemyspec.db import ComponentRow, ProjectRow, refused_writes
from codemyspec.errors import NotFoundError, ValidationError
from codemyspec.scope import Scope


def _scoped(scope: Scope) -> Select[ComponentRow]:
    query = select(ComponentRow).where(ComponentRow.account_id == scope.account_id)
    if scope.project_id is not None:
        query = query.where(ComponentRow.project_id == scope.project_id)
    return query


class ComponentRepository:
    """Scoped access to components inside one unit of work."""

    def __init__(self, orm: OrmSession) -> None:
        self._orm = orm

    def _row(self, scope: Scope, component_id: int) -> ComponentRow:
        row = self._orm.scalars(_scoped(scope).where(ComponentRow.id == component_id)).first()
        if row is None:
            raise NotFoundError(f"Component {component_id} not found")
        return row

    def lock(self, scope: Scope, component_id: int) -> None:
        """Hold the component's row until the transaction ends (``SELECT ... FOR UPDATE``), so
        checks made on its behalf and the write they allow are not interleaved."""
        query = _scoped(scope).where(ComponentRow.id == component_id).with_for_update()
        if self._orm.scalars(query).first() is None:
            raise NotFoundError(f"Component {component_id} not found")

    def _project_id(self, scope: Scope, project_id: int | None) -> int:
        wanted = project_id if project_id is not None else scope.project_id
        if wanted is None or (scope.project_id is not None and wanted != scope.project_id):
            raise ValidationError("a component needs a project in the caller's scope")
        owned = self._orm.scalar(
            select(ProjectRow.id).where(
                ProjectRow.id == wanted, ProjectRow.account_id == scope.account_id
            )
        )
        if owned is None:
            raise NotFoundError(f"Project {wanted} not found")
        return wanted

    def create(
        self, scope: Scope, attrs: ComponentAttrs, project_id: int | None = None
    ) -> Component:
        project = self._project_id(scope, project_id)
        if attrs.parent_component_id is not None:
            self._row(scope, attrs.parent_component_id)
        row = ComponentRow(
            account_id=scope.account_id,
            project_id=project,
            **attrs.model_dump(mode="json", exclude={"name"}),
            name=attrs.resolved_name(),
        )
        with self._unique(attrs.module_name):
            self._orm.add(row)
        return Component.model_validate(row)

    def update(self, scope: Scope, component_id: int, attrs: ComponentAttrs) -> Component:
        row = self._row(scope, component_id)
        if attrs.parent_component_id is not None:
            self._row(scope, attrs.parent_component_id)
        with self._unique(attrs.module_name):
            for key, value in attrs.model_dump(mode="json", exclude={"name"}).items():
                setattr(row, key, value)
            row.name = attrs.resolved_name()
        return Component.model_validate(row)

    @contextmanager
    def _unique(self, module_name: str) -> Iterator[None]:
        """Run the block's writes in a savepoint: a duplicate undoes only them."""
        duplicate = f"a component named {module_name!r} already exists"
        with (
            refused_writes(f"write component {module_name!r}", duplicate=duplicate),
            self._orm.begin_nested(),
        ):
            yield
            self._orm.flush()

    def get(self, scope: Scope, component_id: int) -> Component:
        return Component.model_validate(self._row(scope, component_id))

    def get_by_module_name(self, scope: Scope, module_name: str) -> Component:
        row = self._orm.scalars(
            _scoped(scope).where(ComponentRow.module_name == module_name)
        ).first()
        if row is None:
            raise NotFoundError(f"Component {module_name!r} not found")
        return Component.model_validate(row)

    def list_components(self, scope: Scope) -> list[Component]:
        rows = self._orm.scalars(_scoped(scope).order_by(ComponentRow.module_name))
        return [Component.model_validate(row) for row in rows]

    def list_child_components(self, scope: Scope, parent_id: int) -> list[Component]:
        """The parent's children, highest priority first (no priority last), then by name."""
        rows: Sequence[ComponentRow] = self._orm.scalars(
            _scoped(scope)
            .where(ComponentRow.parent_component_id == parent_id)
            .order_by(
                ComponentRow.priority.is_(None),
                ComponentRow.priority.desc(),
                ComponentRow.name.asc(),
            )
        ).all()
        return [Component.model_validate(row) for row in rows]

    def delete(self, scope: Scope, component_id: int) -> None:
        row = self._row(scope, component_id)
        with refused_writes(f"delete component {component_id}"):
            self._orm.delete(row)
            self._orm.flush()
