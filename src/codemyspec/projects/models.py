"""The project: a code repository known to codemyspec."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Language(StrEnum):
    """The language profiles codemyspec knows how to lay out and test."""

    PYTHON = "python"
    ELIXIR = "elixir"


class Project(BaseModel):
    """A repository: where it lives, its package, its language and its remote."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    account_id: int
    name: str
    root: str | None = None
    package: str
    language: Language = Language.PYTHON
    code_repo: str | None = None
    design_root: str = "docs/design"
    test_command: list[str] | None = None


class ProjectAttrs(BaseModel):
    """What a caller may set on a project."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    root: str | None = None
    package: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    language: Language = Language.PYTHON
    code_repo: str | None = None
    design_root: str = "docs/design"
    test_command: list[str] | None = None
