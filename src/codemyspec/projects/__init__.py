"""Projects: the repositories codemyspec works on, and their language profiles."""

from codemyspec.projects.models import Language, Project, ProjectAttrs
from codemyspec.projects.profiles import (
    ComponentPaths,
    component_paths,
    underscore,
    unit_test_argv,
    validate_module_name,
)
from codemyspec.projects.repository import ProjectRepository

__all__ = [
    "ComponentPaths",
    "Language",
    "Project",
    "ProjectAttrs",
    "ProjectRepository",
    "component_paths",
    "underscore",
    "unit_test_argv",
    "validate_module_name",
]
