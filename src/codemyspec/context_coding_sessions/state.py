"""What a context coding session keeps in its state: how it was started, then its steps'."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from codemyspec.context_coding_sessions.baseline import ValidationPlan
from codemyspec.context_coding_sessions.limits import RunLimits, Spend
from codemyspec.context_coding_sessions.validation import ValidationReport
from codemyspec.context_coding_sessions.verdicts import FlakyTests
from codemyspec.sessions import IntegratedFile, ResultData, SessionState

#: Where the runner reports, in the spawn's result, what it integrated (``IntegratedFile``).
INTEGRATED_KEY = "integrated"


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
    #: The context's own and configured tests, their baseline, and whether a test already
    #: failing before the run blocks it (pre-flight and ``[validation]``).
    validation_plan: ValidationPlan = Field(default_factory=ValidationPlan)
    #: ``[validation] flaky_tests`` when the run started: a server judges alike.
    flaky_tests: FlakyTests = FlakyTests.FAIL
    #: A detached run's starting point: the commit (on origin) its workers check out.
    base_commit: str | None = None
    #: Deliveries to workers that could not run it at all (see ``workers.settling``).
    failed_deliveries: int = 0
    initialized_at: datetime | None = None
    finalized_at: datetime | None = None
    # --- [forge] pull requests (issue 18, item 6) ---
    #: ``[forge] pull_request``: the forge CLI's argv template OpenPullRequest runs after
    #: Finalize pushed, and the branch the session started from (its ``{base}``).
    pull_request: list[str] | None = None
    pull_request_base: str | None = None
    #: What OpenPullRequest got: the pull request's URL, or why the forge CLI failed.
    pull_request_url: str | None = None
    pull_request_error: str | None = None

    @property
    def opens_pull_request(self) -> bool:
        """A pull request follows Finalize: one is configured, pushed, and none recorded."""
        return bool(self.pull_request) and self.push and self.pull_request_url is None

    #: ``[runner] budget_usd|budget_tokens|deadline`` (``--budget``, ``--deadline``), and
    #: what the agents of every attempt spent against them (the runner adds each run's).
    limits: RunLimits = Field(default_factory=RunLimits)
    spent: Spend = Field(default_factory=Spend)
    #: ``spent`` by component (its name).
    spent_by: dict[str, Spend] = Field(default_factory=dict)
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
    #: Every file the runner brought into the tree, for Finalize's check that none is lost.
    integrated: list[IntegratedFile] = Field(default_factory=list)
