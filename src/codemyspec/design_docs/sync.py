"""Make a project's components match its design docs, read from its working tree or uploaded.

Every doc is parsed (and checked) before anything is written, so a bad doc changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Protocol

from codemyspec.components import Component, ComponentAttrs, ComponentRepository, ComponentType
from codemyspec.design_docs.collisions import check_collisions
from codemyspec.design_docs.inputs import (
    check_uploaded_doc,
    inside_root,
    not_utf8,
    read_design_doc,
)
from codemyspec.design_docs.parser import (
    ComponentSpec,
    ContextDoc,
    location_error,
    parse_component_dependencies,
    parse_context_doc,
)
from codemyspec.errors import ValidationError
from codemyspec.graphs import find_cycle
from codemyspec.projects import Project, app_module, component_paths
from codemyspec.scope import Scope

#: Design docs by path relative to the project root (``/``-separated) → markdown text.
DocFiles = Mapping[str, str]


class SyncWork(Protocol):
    """The repositories a sync writes, bound to one transaction (any unit of work has them)."""

    @property
    def components(self) -> ComponentRepository: ...


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


class _Folder(Mapping[str, str]):
    """The ``.md`` files under the design folder of a working tree, read only when looked up."""

    def __init__(self, root: Path, folder: PurePosixPath) -> None:
        self._root = root
        self._folder = folder

    def __getitem__(self, relative: str) -> str:
        path = self._root / relative
        if not relative.endswith(".md") or not path.is_file():
            raise KeyError(relative)
        return read_design_doc(self._root, relative)

    def __contains__(self, relative: object) -> bool:
        return (
            isinstance(relative, str)
            and relative.endswith(".md")
            and (self._root / relative).is_file()
        )

    def __iter__(self) -> Iterator[str]:
        files = (self._root / self._folder).rglob("*.md")
        return iter(sorted(p.relative_to(self._root).as_posix() for p in files if p.is_file()))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _design_folder(project: Project) -> PurePosixPath:
    """Where context docs live, relative to the project root: ``<design_root>/<package>``."""
    return PurePosixPath(project.design_root, project.package)


def _with_dependencies(doc: ContextDoc, project: Project, files: DocFiles, app: str) -> ContextDoc:
    components = []
    for component in doc.components:
        design = component_paths(project, component.module_name, is_context=False).design
        if design.as_posix() in files:
            found = parse_component_dependencies(
                files[design.as_posix()], design.as_posix(), app=app if doc.app_prefixed else None
            )
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


def _context_doc_paths(project: Project, files: DocFiles) -> list[str]:
    """The ``.md`` files directly in the design folder, sorted; deeper ones are component docs."""
    folder = _design_folder(project)
    return sorted(p for p in files if p.endswith(".md") and PurePosixPath(p).parent == folder)


def _parse(project: Project, files: DocFiles) -> list[ContextDoc]:
    """Parse every context doc in ``files`` (and its components' docs), or raise."""
    docs: list[ContextDoc] = []
    app = app_module(project)
    for relative in _context_doc_paths(project, files):
        doc = parse_context_doc(files[relative], relative, app=app)
        expected = component_paths(project, doc.module_name, is_context=True).design
        if expected.as_posix() != relative:
            raise location_error(
                relative, doc.line, f"context {doc.module_name!r} belongs in {expected}"
            )
        docs.append(_with_dependencies(doc, project, files, app))
    components = _check_names(docs)
    check_collisions(project, docs)
    _check_dependencies({doc.module_name for doc in docs} | set(components), components)
    return docs


def _read_folder(project: Project, root: Path) -> DocFiles:
    folder = _design_folder(project)
    if not (root / folder).is_dir():
        raise ValidationError(f"no design docs folder {folder} in {root}")
    inside_root(root, folder.as_posix())
    return _Folder(root, folder)


def _upload_problem(path: str, folder: PurePosixPath) -> str | None:
    """Why an uploaded path is refused, or None: uploads name files inside the design folder."""
    unwritable = not_utf8(path)
    if unwritable is not None:
        return f"is {unwritable}"
    pure = PurePosixPath(path)
    if pure.is_absolute():
        return "is absolute; paths are relative to the project root"
    if "\\" in path or ".." in pure.parts or pure.as_posix() != path:
        return "is not a plain relative path ('/' separators, no '.', '..' or empty parts)"
    if folder not in pure.parents:
        return f"is outside the design docs folder {folder}/"
    if pure.suffix != ".md":
        return "is not a .md file"
    return None


def _checked_uploads(project: Project, files: DocFiles) -> DocFiles:
    folder = _design_folder(project)
    for path, text in files.items():
        problem = _upload_problem(path, folder)
        if problem is not None:
            raise ValidationError(f"files: {path!r} {problem}")
        check_uploaded_doc(path, text)
    if not _context_doc_paths(project, files):
        # A sync replaces the whole tree: an upload of component docs alone would delete it all.
        raise ValidationError(f"files: no context doc uploaded; context docs go in {folder}/")
    return files


def design_doc_files(project: Project, root: Path) -> dict[str, str]:
    """Every design doc of the working tree by relative path: what a client uploads."""
    return dict(_read_folder(project, root))


def load_design_docs(project: Project, root: Path) -> list[ContextDoc]:
    """Parse every context doc (and its components' docs) under the working tree, or raise."""
    return _parse(project, _read_folder(project, root))


def _desired(doc: ContextDoc) -> list[ComponentAttrs]:
    """The context first, then its children; children's parent ids are filled in later."""
    context = ComponentAttrs(
        module_name=doc.module_name,
        type=ComponentType.CONTEXT,
        description=doc.description,
        code_path=doc.code_path,
        test_path=doc.test_path,
    )
    children = [
        ComponentAttrs(
            module_name=c.module_name,
            type=c.type,
            description=c.description,
            priority=c.priority,
            dependencies=[d.module_name for d in c.dependencies],
            code_path=c.code_path,
            test_path=c.test_path,
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


def sync_design_docs(uow: SyncWork, scope: Scope, project: Project, root: Path) -> SyncReport:
    """Create, update and delete components so the project's database matches its docs."""
    return _apply(uow, scope, project, load_design_docs(project, root))


def sync_uploaded_design_docs(
    uow: SyncWork, scope: Scope, project: Project, files: Mapping[str, str]
) -> SyncReport:
    """``sync_design_docs`` for a client without a shared working tree: path → text uploads."""
    return _apply(uow, scope, project, _parse(project, _checked_uploads(project, files)))


def _apply(uow: SyncWork, scope: Scope, project: Project, docs: list[ContextDoc]) -> SyncReport:
    """Write the parsed docs: nothing is written before every doc has parsed."""
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
