"""What a context coding session keeps in its state: how it was started, then its steps'."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from codemyspec.context_coding_sessions.limits import RunLimits, Spend
from codemyspec.context_coding_sessions.validation import ValidationReport
from codemyspec.sessions import ResultData, SessionState


class ContextState(SessionState):
    """Set when the session is started (``implement``'s options), then by Initialize/Finalize."""

    max_fix_rounds: int | None = None
    #: ``implement --no-push``: Finalize commits without pushing.
    push: bool = True
    #: ``implement --fresh``: a branch of the session's own.
    fresh_branch: bool = False
    #: The context's own module does not exist: one more child writes it, last.
    write_context_module: bool = False
    #: What each existing test file did on the base tree (pre-flight).
    baseline: dict[str, str] = Field(default_factory=dict)
    #: The test files pre-flight proved red without their code, by sha256 (see preflight).
    red_proven: dict[str, str] = Field(default_factory=dict)
    #: A detached run's starting point: the commit (on origin) its workers check out.
    base_commit: str | None = None
    initialized_at: datetime | None = None
    finalized_at: datetime | None = None
    #: ``[runner] budget_usd|budget_tokens|deadline`` (``--budget``, ``--deadline``), and
    #: what the agents of every attempt spent against them (the runner adds each run's).
    limits: RunLimits = Field(default_factory=RunLimits)
    spent: Spend = Field(default_factory=Spend)
    #: ``spent`` by component (its name).
    spent_by: dict[str, Spend] = Field(default_factory=dict)


class SpawnChecked(ResultData):
    """What Spawn's ``handle_result`` adds to the runner's data: its validation, and the
    runner's own failure (an integration conflict, a push refused) when there was one."""

    validation: ValidationReport | None = None
    runner_error: str | None = None
