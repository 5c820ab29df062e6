"""Commands and results: the data a step hands to the runner and gets back.

A command is data, never a shell string: ``programs`` is a list of argv lists run in
order, the first that fails stopping the rest.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from codemyspec.clock import utcnow


class CommandKind(StrEnum):
    """What the runner must do with a command."""

    SHELL = "shell"
    AGENT = "agent"
    SPAWN_SESSIONS = "spawn_sessions"
    PREPARE_WORKSPACE = "prepare_workspace"
    RUN_TESTS = "run_tests"


class ExecutionStrategy(StrEnum):
    """How the runner waits for a command: inline, in the background, or as a queued task."""

    SYNC = "sync"
    ASYNC = "async"
    TASK = "task"


class ResultStatus(StrEnum):
    """How a command's work went."""

    OK = "ok"
    ERROR = "error"
    WARNING = "warning"


def _new_id() -> str:
    return uuid.uuid4().hex


class Command(BaseModel):
    """What one step asks the runner to do."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(default_factory=_new_id)
    module: str = Field(min_length=1)
    command: CommandKind
    programs: list[list[str]] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    execution_strategy: ExecutionStrategy = ExecutionStrategy.SYNC
    timestamp: datetime = Field(default_factory=utcnow)

    @field_validator("programs")
    @classmethod
    def _argv_lists_are_runnable(cls, programs: list[list[str]]) -> list[list[str]]:
        for index, argv in enumerate(programs):
            if not argv or not argv[0]:
                raise ValueError(f"program {index} has an empty argv")
            if any("\x00" in arg for arg in argv):
                raise ValueError(f"program {index} has a NUL byte in an argument")
        return programs

    def describe(self) -> str:
        """A one-line summary for logs and timelines."""
        if self.programs:
            return " && ".join(" ".join(argv[:3]) for argv in self.programs)
        return self.command.value


def replace_nul(value: Any) -> Any:
    """``value`` with every NUL character in its strings (and keys) replaced by U+FFFD."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {replace_nul(k): replace_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_nul(v) for v in value]
    return value


class Result(BaseModel):
    """What came of a command; ``status`` error is failed work, not broken machinery."""

    model_config = ConfigDict(extra="forbid")

    status: ResultStatus
    data: dict[str, Any] = Field(default_factory=dict)
    code: int | None = None
    error_message: str | None = None
    stdout: str = ""
    stderr: str = ""
    duration_ms: int | None = None
    timestamp: datetime = Field(default_factory=utcnow)

    def storable(self) -> Result:
        """The same result without NUL characters, which process output may hold but no
        database stores in text (and the server refuses)."""
        return Result.model_validate(replace_nul(self.model_dump(mode="json")))

    @classmethod
    def ok(cls, **fields: Any) -> Result:
        """A successful result."""
        return cls(status=ResultStatus.OK, **fields)

    @classmethod
    def error(cls, message: str, **fields: Any) -> Result:
        """A failed result carrying its reason."""
        return cls(status=ResultStatus.ERROR, error_message=message, **fields)
