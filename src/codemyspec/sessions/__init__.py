"""Sessions: the engine that records every workflow as sessions made of interactions."""

from codemyspec.commands import (
    AgentCommand,
    ChildToSpawn,
    Command,
    CommandKind,
    CommitCommand,
    ExecutionStrategy,
    IntegratedFile,
    PrepareWorkspaceCommand,
    Result,
    ResultStatus,
    RunTestsCommand,
    ShellCommand,
    SpawnSessionsCommand,
    parse_command,
)
from codemyspec.sessions.dispatch_queue import DispatchQueue, DueSession
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
from codemyspec.sessions.relay import EVENTS_CHANNEL, EventEncoder, RelayedEvent, decode_event
from codemyspec.sessions.repository import SessionRepository
from codemyspec.sessions.service import (
    SessionsEngine,
    UnitOfWorkFactory,
    Work,
)
from codemyspec.sessions.state import ResultData, SessionState, WorkflowState
from codemyspec.sessions.workflow import (
    ComponentReader,
    Orchestrator,
    SessionReader,
    Step,
    StepContext,
    StepOutcome,
    finished_with,
    last_completed,
    last_route,
    step_context,
)

__all__ = [
    "EVENTS_CHANNEL",
    "AgentCommand",
    "ChildToSpawn",
    "Command",
    "CommandKind",
    "CommitCommand",
    "ComponentReader",
    "DispatchQueue",
    "DueSession",
    "EventBus",
    "EventEncoder",
    "EventKind",
    "ExecutionMode",
    "ExecutionStrategy",
    "IntegratedFile",
    "Interaction",
    "Orchestrator",
    "OrchestratorRegistry",
    "PrepareWorkspaceCommand",
    "RelayedEvent",
    "Result",
    "ResultData",
    "ResultStatus",
    "RunTestsCommand",
    "Session",
    "SessionAttrs",
    "SessionEvent",
    "SessionReader",
    "SessionRepository",
    "SessionState",
    "SessionStatus",
    "SessionUpdate",
    "SessionsEngine",
    "SessionsPort",
    "ShellCommand",
    "SpawnSessionsCommand",
    "Step",
    "StepContext",
    "StepOutcome",
    "UnitOfWorkFactory",
    "Work",
    "WorkflowState",
    "decode_event",
    "finished_with",
    "last_completed",
    "last_route",
    "parse_command",
    "step_context",
]
