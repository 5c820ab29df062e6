"""The agent port: a prompt in, file changes in a working directory out."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

DEFAULT_AGENT_TIMEOUT = 1800.0
DEFAULT_MAX_TURNS = 60
DEFAULT_STALL_TIMEOUT = 300.0


class Meter(Protocol):
    """The run's limits, shared by every agent of a context run (the runner's budget)."""

    def tokens(self, count: int) -> None:
        """This run's tokens so far (input plus output), as the model streams them."""

    def stop_reason(self) -> str | None:
        """Why the run must stop now (``budget: ...``, ``deadline: ...``), or None."""


@dataclass(frozen=True, slots=True)
class AgentRequest:
    """One agent run: what to do, where, and within which bounds.

    ``timeout`` bounds the whole run; ``stall_timeout`` bounds how long the model may stay
    silent while the agent waits for it (the rule is ``ModelWatch.stalled``). Only
    ``claude_code`` applies it: a CLI agent's output cannot tell a silent model from a
    silent, busy tool, so a command agent is bounded by ``timeout`` alone.
    """

    prompt: str
    cwd: Path
    resume_conversation_id: str | None = None
    timeout: float = DEFAULT_AGENT_TIMEOUT
    max_turns: int = DEFAULT_MAX_TURNS
    stall_timeout: float = DEFAULT_STALL_TIMEOUT
    env: Mapping[str, str] = field(default_factory=dict)
    #: The most this run may cost (the context's budget left); only ``claude_code`` knows
    #: its cost. ``meter`` sees its tokens live and may stop it (another agent spent the rest).
    max_budget_usd: float | None = None
    meter: Meter | None = None


#: What the API answers when it is too busy, not broken: waiting and asking again helps.
BUSY_STATUSES = {429: "rate limited", 503: "unavailable", 529: "overloaded"}


@dataclass(frozen=True, slots=True)
class ModelBusy:
    """The model was too busy to answer (rate limited, overloaded, unavailable).

    ``retry_after`` is how long to wait at least before asking again, when known: Claude
    Code applies the API's ``retry-after`` to its own retries but does not pass the header
    on, so it is the delay Claude Code announced for its last retry.
    """

    status: int | None
    word: str
    retry_after: float | None = None

    def describe(self) -> str:
        """``model overloaded (529)``."""
        return f"model {self.word}" + (f" ({self.status})" if self.status else "")


@dataclass(frozen=True, slots=True)
class ModelWait:
    """One wait for a busy model: its answer's status and how long the wait was."""

    status: int | None
    seconds: float


@dataclass(frozen=True, slots=True)
class AgentRun:
    """How a run ended; ``error`` says why it failed, in words a user can act on.

    ``busy`` is set when it failed only because the model was too busy (worth retrying);
    ``waits`` are the waits for a busy model the agent made itself during the run.
    """

    ok: bool
    conversation_id: str | None = None
    error: str | None = None
    output: str = ""
    stderr: str = ""
    usage: dict[str, float] = field(default_factory=dict)
    busy: ModelBusy | None = None
    waits: tuple[ModelWait, ...] = ()
    #: It stopped because a limit was reached (its ``max_budget_usd``, or the meter said so).
    limited: bool = False


class Agent(Protocol):
    """Runs to completion, honours ``cancel`` promptly, and never raises for failed work."""

    name: str

    def run(self, request: AgentRequest, cancel: threading.Event) -> AgentRun: ...
