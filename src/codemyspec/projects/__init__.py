"""Projects: the repositories codemyspec works on, and their language profiles."""

from codemyspec.projects.layout import Layout, check_relative_path
from codemyspec.projects.models import MAX_INT, Language, Project, ProjectAttrs, RowId
from codemyspec.projects.profiles import (
    DEFAULT_LAYOUTS,
    ComponentPaths,
    component_paths,
    project_layout,
    source_root,
    test_root,
    underscore,
    validate_module_name,
)
from codemyspec.projects.repository import ProjectRepository

__all__ = [
    "DEFAULT_LAYOUTS",
    "MAX_INT",
    "ComponentPaths",
    "Language",
    "Layout",
    "Project",
    "ProjectAttrs",
    "ProjectRepository",
    "RowId",
    "check_relative_path",
    "component_paths",
    "project_layout",
    "source_root",
    "test_root",
    "underscore",
    "validate_module_name",
]
