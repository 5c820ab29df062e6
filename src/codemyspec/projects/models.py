"""The project: a code repository known to codemyspec."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from codemyspec.projects.layout import Layout

#: The largest value of an id or number column: they are 32-bit ``INTEGER`` (PostgreSQL's
#: ``integer``), so attrs refuse anything larger rather than let the database fail on it.
MAX_INT = 2**31 - 1

#: An id the caller names in attrs (a parent, a component, a project).
RowId = Annotated[int, Field(ge=1, le=MAX_INT)]

#: An app module as mix.exs names it (``Shop``, ``MyShop``): dot-separated CamelCase.
AppModule = Annotated[
    str, Field(max_length=100, pattern=r"^[A-Z][A-Za-z0-9]*(\.[A-Z][A-Za-z0-9]*)*$")
]


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
    layout: Layout | None = None
    #: Elixir: the module in mix.exs's ``defmodule <App>.MixProject`` (None: the package's).
    app_module: str | None = None


class ProjectAttrs(BaseModel):
    """What a caller may set on a project."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    root: str | None = None
    package: str = Field(max_length=200, pattern=r"^[a-z_][a-z0-9_]*$")
    language: Language = Language.PYTHON
    code_repo: str | None = None
    design_root: str = "docs/design"
    test_command: list[str] | None = None
    layout: Layout | None = None
    app_module: AppModule | None = None
