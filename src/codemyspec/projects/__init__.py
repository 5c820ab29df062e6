"""Projects: the repositories codemyspec works on, and their language profiles."""

from codemyspec.projects.models import MAX_INT, Language, Project, ProjectAttrs, RowId
from codemyspec.projects.profiles import (
    ComponentPaths,
    component_paths,
    source_root,
    underscore,
    validate_module_name,
)
from codemyspec.projects.repository import ProjectRepository

__all__ = [
    "MAX_INT",
    "ComponentPaths",
    "Language",
    "Project",
    "ProjectAttrs",
    "ProjectRepository",
    "RowId",
    "component_paths",
    "source_root",
    "underscore",
    "validate_module_name",
]
