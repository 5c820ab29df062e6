"""What a context coding session keeps in its state: how it was started, then its steps'."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from codemyspec.context_coding_sessions.validation import ValidationReport
from codemyspec.sessions import ResultData, SessionState


class ContextProgress(BaseModel):
    """How far a context session's run has come, summed over its children: derived from
    the record whenever the session is read (``service_layer.with_progress``)."""

    model_config = ConfigDict(frozen=True)

    total: int = 0
    complete: int = 0
    failed: int = 0
    cancelled: int = 0
    running: int = 0
    pending: int = 0
    fix_rounds: int = 0
    cost_usd: float = 0.0
    tokens: int = 0


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
    # rP (issue 18): partial runs and progress.
    #: ``implement --only``: the module names of the components this session implements
    #: (empty: all of them).
    only: list[str] = Field(default_factory=list)
    #: Set on every read of the session, from its children (never stale, never written back).
    progress: ContextProgress | None = None


class SpawnChecked(ResultData):
    """What Spawn's ``handle_result`` adds to the runner's data: its validation, and the
    runner's own failure (an integration conflict, a push refused) when there was one."""

    validation: ValidationReport | None = None
    runner_error: str | None = None
