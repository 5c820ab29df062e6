"""What a component coding session keeps in its state, and what its commands report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from codemyspec.component_coding_sessions.branch_tips import BranchTip
from codemyspec.component_coding_sessions.model_waits import ModelWaits
from codemyspec.components import FileChange
from codemyspec.context_coding_sessions import Repair
from codemyspec.sessions import ResultData, SessionState


class ComponentState(SessionState):
    """Given by the parent (branch, fix rounds, context module), then recorded by the steps."""

    parent_branch_name: str | None = None
    max_fix_rounds: int | None = None
    #: It writes the context's own module, last, from all the others' work.
    context_module: bool = False
    worktree: str | None = None
    test_file: str | None = None
    test_file_existed: bool = False
    test_file_sha256: str | None = None
    code_file: str | None = None
    code_file_existed: bool = False
    #: The sha256 of the test file pre-flight proved red without the code (given by the
    #: parent; a new attempt runs the check itself).
    red_proven_sha256: str | None = None
    initialized_at: datetime | None = None
    agent_usage: dict[str, float] = Field(default_factory=dict)
    #: Fix rounds run so far in this attempt (what the context's progress sums; rP).
    fix_rounds: int = 0
    #: The newest test run as RunTests recorded it (a ``SuiteReport`` with its summary).
    last_test_run: dict[str, Any] | None = None
    changes: list[FileChange] | None = None
    completed_at: datetime | None = None
    branch_tip: BranchTip | None = None
    #: Reopened by the parent: its changes break other components' tests in the integrated
    #: tree (``repair``, until the repair's Finalize), and the repairs done before.
    repair: Repair | None = None
    repaired: list[Repair] = Field(default_factory=list)
    #: How long its agents waited for a busy model (429, 529, ...), summed over its runs.
    model_waits: ModelWaits | None = None

    def given(self) -> dict[str, Any]:
        """What a new attempt keeps: what the parent gave (branch, bound, context module)."""
        keep: dict[str, Any] = {"parent_branch_name": self.parent_branch_name}
        if self.max_fix_rounds is not None:
            keep["max_fix_rounds"] = self.max_fix_rounds
        if self.context_module:  # it still writes the context's module, after the others
            keep["context_module"] = True
        return keep


class WorkspacePrepared(ResultData):
    """What the runner reports for ``prepare_workspace``."""

    worktree: str | None = None
    test_file_existed: bool = False
    test_file_sha256: str | None = None
    code_file_existed: bool = False
    #: Each file the command asked to read: its text, None when it is not there.
    files: dict[str, str | None] = Field(default_factory=dict)


class AgentRan(ResultData):
    """What the runner reports for an ``agent`` command."""

    conversation_id: str | None = None
    usage: dict[str, float] = Field(default_factory=dict)
    #: sha256 of each watched file after the run (None: it does not exist).
    watched_files: dict[str, str | None] = Field(default_factory=dict)
    agent: str | None = None
    #: The run's waits for a busy model (retried, not failed).
    model_waits: ModelWaits | None = None


class RanTests(ResultData):
    """What the runner reports for ``run_tests``: the run, and the files the agent changed."""

    test_run: dict[str, Any] = Field(default_factory=dict)
    changes: list[FileChange] | None = None
