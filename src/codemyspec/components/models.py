"""Components: the units a design doc describes; a context is one whose children are components."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from codemyspec.errors import ValidationError
from codemyspec.projects import MAX_INT, RowId, check_relative_path, validate_module_name


class ComponentType(StrEnum):
    """What kind of unit a component is; decides its coding rules and file layout.

    The Phoenix web layer's kinds (``liveview``, ``controller``, ``html``, ``json``,
    ``component``, ``channel``) also decide the folder of an ``<App>Web`` module.
    """

    CONTEXT = "context"
    COORDINATION_CONTEXT = "coordination_context"
    REPOSITORY = "repository"
    SCHEMA = "schema"
    GENSERVER = "genserver"
    CONTROLLER = "controller"
    LIVEVIEW = "liveview"
    HTML = "html"
    JSON = "json"
    CHANNEL = "channel"
    COMPONENT = "component"
    TASK = "task"
    OTHER = "other"

    @property
    def is_context(self) -> bool:
        return self in (ComponentType.CONTEXT, ComponentType.COORDINATION_CONTEXT)

    @classmethod
    def _missing_(cls, value: object) -> ComponentType | None:
        # People write Phoenix's own spelling (`live_view`, `LiveView`, `live-view`).
        if not isinstance(value, str):
            return None
        spelled = value.strip().lower().replace("-", "_")
        spelled = _ALIASES.get(spelled, spelled)
        return next((kind for kind in cls if kind.value == spelled), None)


_ALIASES = {"live_view": "liveview"}


class Component(BaseModel):
    """A component as stored: its names, type, order and place in the tree."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    account_id: int
    project_id: int
    name: str
    module_name: str
    type: ComponentType
    description: str | None = None
    priority: int | None = None
    parent_component_id: int | None = None
    dependencies: list[str] = Field(default_factory=list)
    code_path: str | None = None
    test_path: str | None = None


class ComponentAttrs(BaseModel):
    """What a caller sets on a component; the module name is validated, the name is free text."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=500)
    module_name: str
    type: ComponentType = ComponentType.OTHER
    description: str | None = None
    priority: int | None = None
    parent_component_id: RowId | None = None
    dependencies: list[str] = Field(default_factory=list)
    code_path: str | None = None
    test_path: str | None = None

    @field_validator("code_path", "test_path")
    @classmethod
    def _paths_stay_inside(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else check_relative_path(value, str(info.field_name))

    @field_validator("module_name")
    @classmethod
    def _module_name_is_valid(cls, value: str) -> str:
        return validate_module_name(value)

    @field_validator("priority")
    @classmethod
    def _priority_fits_its_column(cls, value: int | None) -> int | None:
        # Our ValidationError, like the module name's: a design doc's priority lands here too.
        if value is not None and not -MAX_INT - 1 <= value <= MAX_INT:
            raise ValidationError(f"priority: {value} is outside {-MAX_INT - 1}..{MAX_INT}")
        return value

    @field_validator("dependencies")
    @classmethod
    def _dependencies_are_module_names(cls, values: list[str]) -> list[str]:
        return [validate_module_name(value) for value in values]

    def resolved_name(self) -> str:
        """The given name, or the last segment of the module name."""
        return self.name if self.name is not None else self.module_name.rsplit(".", 1)[-1]
