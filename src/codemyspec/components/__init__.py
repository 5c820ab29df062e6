"""Components: the design-doc tree of a project, and where each component's files live."""

from codemyspec.components.files import component_files, resolve_inside
from codemyspec.components.models import Component, ComponentAttrs, ComponentType
from codemyspec.components.repository import ComponentRepository

__all__ = [
    "Component",
    "ComponentAttrs",
    "ComponentRepository",
    "ComponentType",
    "component_files",
    "resolve_inside",
]
