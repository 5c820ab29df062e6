"""Request bodies the API accepts (responses are the domain models themselves)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from codemyspec.environments import EnvironmentType
from codemyspec.projects import RowId
from codemyspec.sessions import ExecutionMode


class SessionIn(BaseModel):
    """A new session in one of the caller's projects."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1, max_length=100)
    project_id: RowId
    component_id: RowId | None = None
    agent: str | None = Field(default=None, max_length=100)
    execution_mode: ExecutionMode = ExecutionMode.AGENTIC
    environment_type: EnvironmentType = EnvironmentType.LOCAL
    state: dict[str, Any] = Field(default_factory=dict)
