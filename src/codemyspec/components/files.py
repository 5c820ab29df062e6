"""Where a component's files are, relative to its project and on disk."""

from __future__ import annotations

from pathlib import Path

from codemyspec.components.models import Component
from codemyspec.errors import ValidationError
from codemyspec.projects import ComponentPaths, Project, component_paths


def component_files(component: Component, project: Project) -> ComponentPaths:
    """The component's design, code and test paths, relative to the project root."""
    return component_paths(
        project,
        component.module_name,
        is_context=component.type.is_context,
        kind=component.type.value,
        code=component.code_path,
        test=component.test_path,
    )


def resolve_inside(root: Path, relative: str) -> Path:
    """``root / relative``, refusing any path that would land outside ``root``."""
    base = root.resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(base):
        raise ValidationError(f"path {relative!r} escapes the project root {base}")
    return target
