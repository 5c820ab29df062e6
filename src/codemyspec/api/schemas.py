"""Request bodies the API accepts (responses are the domain models themselves)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from codemyspec.projects import RowId
from codemyspec.service_layer import CANCELLED_BY_USER
from codemyspec.sessions import ExecutionMode, SessionAttrs


class SessionIn(SessionAttrs):
    """A new session in one of the caller's projects: ``SessionAttrs`` with the project named
    (the runner's own mode by default)."""

    project_id: RowId
    execution_mode: ExecutionMode = ExecutionMode.AGENTIC


class CancelIn(BaseModel):
    """Why the session is abandoned (its children's and its own ``error``)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default=CANCELLED_BY_USER, min_length=1, max_length=2000)
