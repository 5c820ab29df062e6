"""Sessions and interactions as the rest of codemyspec sees them (plain Pydantic, no ORM)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from codemyspec.commands import Command, Result
from codemyspec.components import Component
from codemyspec.environments import EnvironmentType
from codemyspec.projects import Project, RowId


class SessionStatus(StrEnum):
    """Where a session's run stands; only ``active`` sessions take new commands."""

    ACTIVE = "active"
    COMPLETE = "complete"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self is not SessionStatus.ACTIVE


class ExecutionMode(StrEnum):
    """Who drives the session: a person step by step, the runner, or an agent on its own."""

    MANUAL = "manual"
    AUTO = "auto"
    AGENTIC = "agentic"


class Interaction(BaseModel):
    """One step taken: its command and, once done, its result (pending without one)."""

    model_config = ConfigDict(frozen=True)

    id: int
    session_id: int
    step: str
    command: Command
    result: Result | None = None
    started_at: datetime
    completed_at: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.result is None


class Session(BaseModel):
    """One run of a workflow over one component, with what was loaded alongside it."""

    model_config = ConfigDict(frozen=True)

    id: int
    account_id: int
    project_id: int | None = None
    user_id: int | None = None
    component_id: int | None = None
    session_id: int | None = None
    type: str
    status: SessionStatus
    execution_mode: ExecutionMode
    agent: str | None = None
    environment_type: EnvironmentType
    state: dict[str, Any] = Field(default_factory=dict)
    external_conversation_id: str | None = None
    attempt: int = 1
    claimed_by: str | None = None
    claim_expires_at: datetime | None = None
    #: Run by the server's workers on ``queue``; queued (since ``queued_at``) while it
    #: wants one, last sent to the queue at ``dispatched_at``.
    detached: bool = False
    queue: str | None = None
    queued_at: datetime | None = None
    dispatched_at: datetime | None = None
    inserted_at: datetime
    updated_at: datetime
    component: Component | None = None
    project: Project | None = None
    interactions: list[Interaction] = Field(default_factory=list)
    child_sessions: list[Session] = Field(default_factory=list)

    def pending_interaction(self) -> Interaction | None:
        """The interaction still waiting for its result, if any."""
        return next((i for i in self.interactions if i.pending), None)

    def interaction(self, interaction_id: int) -> Interaction | None:
        return next((i for i in self.interactions if i.id == interaction_id), None)


class SessionAttrs(BaseModel):
    """What a caller gives to create a session; account and user come from the scope."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1, max_length=100)
    status: SessionStatus = SessionStatus.ACTIVE
    execution_mode: ExecutionMode = ExecutionMode.MANUAL
    agent: str | None = Field(default=None, max_length=100)
    environment_type: EnvironmentType = EnvironmentType.LOCAL
    state: dict[str, Any] = Field(default_factory=dict)
    component_id: RowId | None = None
    project_id: RowId | None = None
    session_id: RowId | None = None
    external_conversation_id: str | None = Field(default=None, max_length=200)


class SessionUpdate(BaseModel):
    """Changes to a session; ``state`` is merged key by key into the stored state."""

    model_config = ConfigDict(extra="forbid")

    status: SessionStatus | None = None
    state: dict[str, Any] = Field(default_factory=dict)
    agent: str | None = Field(default=None, max_length=100)
    external_conversation_id: str | None = Field(default=None, max_length=200)

    @property
    def is_empty(self) -> bool:
        return self == SessionUpdate()
