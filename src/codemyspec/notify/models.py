"""What a notification says (one JSON body), and how its delivery went (on the session)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from codemyspec.sessions import WorkflowState


class NotifyEvent(StrEnum):
    """When ``[notify]`` is called: a run needs a person, or it completed."""

    NEEDS_PERSON = "needs_person"
    COMPLETE = "complete"


class ReasonKind(StrEnum):
    """Why a person is needed, for a receiver that routes on it."""

    VALIDATION_FAILED = "validation_failed"
    BUDGET_SPENT = "budget_spent"
    DEPENDENCY_CANCELLED = "dependency_cancelled"
    FINALIZE_FAILED = "finalize_failed"
    STOPPED = "stopped"


class Reason(BaseModel):
    """One reason a person is needed, in the words the report uses."""

    model_config = ConfigDict(frozen=True)

    kind: ReasonKind
    message: str


class Notification(BaseModel):
    """The JSON body a webhook is POSTed and a command gets on stdin."""

    model_config = ConfigDict(frozen=True)

    event: NotifyEvent
    session_id: int
    context: str
    project: str | None = None
    status: str
    reasons: list[Reason]
    branch: str | None = None
    commit: str | None = None
    cost_usd: float | None = None
    #: The session's page on the server, when the run is remote.
    session_url: str | None = None
    pull_request_url: str | None = None
    pull_request_error: str | None = None


class Delivered(BaseModel):
    """How a notification's delivery went: ok, or why not (per target)."""

    model_config = ConfigDict(frozen=True)

    event: NotifyEvent
    ok: bool
    detail: str
    at: datetime


class NotifyState(WorkflowState):
    """The notification's outcome in the context session's state (its other keys kept)."""

    notification: Delivered | None = None
