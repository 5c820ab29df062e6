"""Make a project's components match its design docs: parse every doc, then write in one go."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from codemyspec.components import Component, ComponentAttrs, ComponentType
from codemyspec.design_docs.parser import (
    ComponentSpec,
    ContextDoc,
    location_error,
    parse_component_dependencies,
    parse_context_doc,
)
from codemyspec.errors import ValidationError
from codemyspec.graphs import find_cycle
from codemyspec.projects import Project, component_paths
from codemyspec.scope import Scope

if TYPE_CHECKING:
    # Only for annotations: bootstrap is the composition root and may import this package.
    from codemyspec.bootstrap import UnitOfWork


@dataclass(frozen=True, slots=True)
class TreeNode:
    """A synced context and its children's module names, in doc order."""

    module_name: str
    type: ComponentType
    children: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What a sync changed, and the component tree the database now holds."""

    created: tuple[str, ...]
    updated: tuple[str, ...]
    deleted: tuple[str, ...]
    tree: tuple[TreeNode, ...]


def _read(root: Path, relative: str) -> str:
    return (root / relative).read_text(encoding="utf-8")


def _with_dependencies(doc: ContextDoc, project: Project, root: Path) -> ContextDoc:
    components = []
    for component in doc.components:
        design = component_paths(project, component.module_name, is_context=False).design
        if (root / design).is_file():
            found = parse_component_dependencies(_read(root, str(design)), str(design))
            component = replace(component, dependencies=found)
        components.append(component)
    return replace(doc, components=tuple(components))


def _check_names(docs: list[ContextDoc]) -> dict[str, ComponentSpec]:
    """Every module name once across all docs; returns the components by name."""
    seen: dict[str, tuple[str, int]] = {}
    components: dict[str, ComponentSpec] = {}
    entries = [(doc.module_name, doc.path, doc.line) for doc in docs] + [
        (c.module_name, c.path, c.line) for doc in docs for c in doc.components
    ]
    for name, path, line in entries:
        if name in seen:
            first_path, first_line = seen[name]
            raise location_error(
                path, line, f"duplicate module name {name!r} (first at {first_path}:{first_line})"
            )
        seen[name] = (path, line)
    for doc in docs:
        components.update((c.module_name, c) for c in doc.components)
    return components


def _check_dependencies(known: set[str], components: dict[str, ComponentSpec]) -> None:
    for component in components.values():
        for dependency in component.dependencies:
            if dependency.module_name not in known:
                raise location_error(
                    dependency.path,
                    dependency.line,
                    f"{component.module_name!r} depends on unknown component "
                    f"{dependency.module_name!r}",
                )
    graph = {name: [d.module_name for d in spec.dependencies] for name, spec in components.items()}
    cycle = find_cycle(graph)
    if cycle is not None:
        first, second = cycle[0], cycle[1]
        edge = next(d for d in components[first].dependencies if d.module_name == second)
        raise location_error(edge.path, edge.line, f"dependency cycle: {' -> '.join(cycle)}")


def load_design_docs(project: Project, root: Path) -> list[ContextDoc]:
    """Parse every context doc (and its components' docs) of the project, or raise."""
    folder = root / project.design_root / project.package
    if not folder.is_dir():
        raise ValidationError(f"no design docs folder {folder.relative_to(root)} in {root}")
    docs: list[ContextDoc] = []
    for file in sorted(folder.glob("*.md")):
        relative = file.relative_to(root).as_posix()
        doc = parse_context_doc(file.read_text(encoding="utf-8"), relative)
        expected = component_paths(project, doc.module_name, is_context=True).design
        if expected.as_posix() != relative:
            raise location_error(
                relative, doc.line, f"context {doc.module_name!r} belongs in {expected}"
            )
        docs.append(_with_dependencies(doc, project, root))
    components = _check_names(docs)
    _check_dependencies({doc.module_name for doc in docs} | set(components), components)
    return docs


def _desired(doc: ContextDoc) -> list[ComponentAttrs]:
    """The context first, then its children; children's parent ids are filled in later."""
    context = ComponentAttrs(
        module_name=doc.module_name, type=ComponentType.CONTEXT, description=doc.description
    )
    children = [
        ComponentAttrs(
            module_name=c.module_name,
            type=c.type,
            description=c.description,
            priority=c.priority,
            dependencies=[d.module_name for d in c.dependencies],
        )
        for c in doc.components
    ]
    return [context, *children]


def _differs(current: Component, attrs: ComponentAttrs) -> bool:
    wanted = attrs.model_dump(exclude={"name"}) | {"name": attrs.resolved_name()}
    return any(getattr(current, key) != value for key, value in wanted.items())


def _depth(existing: dict[str, Component], name: str) -> int:
    by_id = {c.id: c for c in existing.values()}
    depth, parent = 0, existing[name].parent_component_id
    while parent is not None and parent in by_id and depth <= len(by_id):
        depth, parent = depth + 1, by_id[parent].parent_component_id
    return depth


def _project_scope(scope: Scope, project: Project) -> Scope:
    if scope.project_id not in (None, project.id):
        raise ValidationError(f"project {project.name!r} is not in the caller's scope")
    return scope.for_project(project.id)


def sync_design_docs(uow: UnitOfWork, scope: Scope, project: Project, root: Path) -> SyncReport:
    """Create, update and delete components so the project's database matches its docs."""
    docs = load_design_docs(project, root)
    scoped = _project_scope(scope, project)
    existing = {c.module_name: c for c in uow.components.list_components(scoped)}
    created: list[str] = []
    updated: list[str] = []
    wanted: set[str] = set()
    for doc in docs:
        parent_id: int | None = None
        for attrs in _desired(doc):
            if parent_id is not None:
                attrs = attrs.model_copy(update={"parent_component_id": parent_id})
            current = existing.get(attrs.module_name)
            if current is None:
                current = uow.components.create(scoped, attrs)
                created.append(attrs.module_name)
            elif _differs(current, attrs):
                current = uow.components.update(scoped, current.id, attrs)
                updated.append(attrs.module_name)
            wanted.add(attrs.module_name)
            parent_id = parent_id if parent_id is not None else current.id
    # Children before parents: deleting a context cascades to whatever still hangs under it.
    stale = sorted(set(existing) - wanted, key=lambda name: (-_depth(existing, name), name))
    for name in stale:
        uow.components.delete(scoped, existing[name].id)
    tree = tuple(
        TreeNode(
            doc.module_name, ComponentType.CONTEXT, tuple(c.module_name for c in doc.components)
        )
        for doc in docs
    )
    return SyncReport(tuple(created), tuple(updated), tuple(stale), tree)
