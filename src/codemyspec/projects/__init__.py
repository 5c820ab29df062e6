"""Projects: the repositories codemyspec works on, and their language profiles."""

from codemyspec.projects.elixir import (
    MIX_FILE,
    WEB_FOLDERS,
    full_module_name,
    mix_app,
    mix_app_module,
)
from codemyspec.projects.layout import Layout, check_relative_path
from codemyspec.projects.models import MAX_INT, Language, Project, ProjectAttrs, RowId
from codemyspec.projects.names import app_module, underscore
from codemyspec.projects.profiles import (
    DEFAULT_LAYOUTS,
    ComponentPaths,
    component_paths,
    project_layout,
    source_root,
    test_root,
    validate_module_name,
)
from codemyspec.projects.repository import ProjectRepository

__all__ = [
    "DEFAULT_LAYOUTS",
    "MAX_INT",
    "MIX_FILE",
    "WEB_FOLDERS",
    "ComponentPaths",
    "Language",
    "Layout",
    "Project",
    "ProjectAttrs",
    "ProjectRepository",
    "RowId",
    "app_module",
    "check_relative_path",
    "component_paths",
    "full_module_name",
    "mix_app",
    "mix_app_module",
    "project_layout",
    "source_root",
    "test_root",
    "underscore",
    "validate_module_name",
]
