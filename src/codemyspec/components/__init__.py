"""Components: the design-doc tree of a project, where each component's files live, and
which files a component's session may change."""

from codemyspec.components.changes import (
    CHANGES_KEY,
    JUNK_PATHSPECS,
    ChangeKind,
    FileChange,
    Owner,
    is_junk,
    owner_of,
    recorded_changes,
    refused_changes,
    roots_of,
)
from codemyspec.components.files import component_files, resolve_inside
from codemyspec.components.models import Component, ComponentAttrs, ComponentType
from codemyspec.components.repository import ComponentRepository

__all__ = [
    "CHANGES_KEY",
    "JUNK_PATHSPECS",
    "ChangeKind",
    "Component",
    "ComponentAttrs",
    "ComponentRepository",
    "ComponentType",
    "FileChange",
    "Owner",
    "component_files",
    "is_junk",
    "owner_of",
    "recorded_changes",
    "refused_changes",
    "resolve_inside",
    "roots_of",
]
