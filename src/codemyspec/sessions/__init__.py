"""Sessions: the engine that records every workflow as sessions made of interactions."""

from codemyspec.commands import (
    Command,
    CommandKind,
    ExecutionStrategy,
    Result,
    ResultStatus,
)
from codemyspec.sessions.events import EventBus, EventKind, SessionEvent
from codemyspec.sessions.models import (
    ExecutionMode,
    Interaction,
    Session,
    SessionAttrs,
    SessionStatus,
    SessionUpdate,
)
from codemyspec.sessions.ports import SessionsPort
from codemyspec.sessions.registry import OrchestratorRegistry
from codemyspec.sessions.repository import SessionRepository
from codemyspec.sessions.service import (
    SessionsEngine,
    UnitOfWorkFactory,
    Work,
)
from codemyspec.sessions.workflow import (
    Orchestrator,
    Step,
    StepContext,
    StepOutcome,
    finished_with,
    last_completed,
    last_route,
    step_context,
)

__all__ = [
    "Command",
    "CommandKind",
    "EventBus",
    "EventKind",
    "ExecutionMode",
    "ExecutionStrategy",
    "Interaction",
    "Orchestrator",
    "OrchestratorRegistry",
    "Result",
    "ResultStatus",
    "Session",
    "SessionAttrs",
    "SessionEvent",
    "SessionRepository",
    "SessionStatus",
    "SessionUpdate",
    "SessionsEngine",
    "SessionsPort",
    "Step",
    "StepContext",
    "StepOutcome",
    "UnitOfWorkFactory",
    "Work",
    "finished_with",
    "last_completed",
    "last_route",
    "step_context",
]
