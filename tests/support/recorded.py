"""Hand-built sessions with recorded interactions, for pure orchestrator tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from codemyspec.component_coding_sessions import Initialize as ComponentInitialize
from codemyspec.component_coding_sessions.rules import repository_rules_path
from codemyspec.components import component_files
from codemyspec.runner import read_project_files
from codemyspec.sessions import (
    ExecutionMode,
    Interaction,
    PrepareWorkspaceCommand,
    Result,
    ResultStatus,
    Session,
    SessionStatus,
    ShellCommand,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)
COMPONENT_INITIALIZE = ComponentInitialize.name

# A recorded step: (step name, result status, or None for an interaction without a result).
Record = tuple[str, ResultStatus | None]


def interaction(index: int, step: str, status: ResultStatus | None) -> Interaction:
    """The ``index``-th interaction of session 1, made by ``step``, pending when status is None."""
    started = T0 + timedelta(minutes=index)
    return Interaction(
        id=index + 1,
        session_id=1,
        step=step,
        command=ShellCommand(module=step, programs=[["true"]]),
        result=None if status is None else Result(status=status, timestamp=started),
        started_at=started,
        completed_at=None if status is None else started + timedelta(seconds=1),
    )


def recorded_session(*records: Record, session_type: str = "ContextCodingSessions") -> Session:
    """A session whose interactions are ``records`` given oldest first.

    The session stores them newest first, as the engine loads them.
    """
    interactions = [interaction(i, step, status) for i, (step, status) in enumerate(records)]
    return Session(
        id=1,
        account_id=1,
        project_id=1,
        component_id=1,
        type=session_type,
        status=SessionStatus.ACTIVE,
        execution_mode=ExecutionMode.AUTO,
        environment_type="local",
        inserted_at=T0,
        updated_at=T0,
        interactions=list(reversed(interactions)),
    )


def prepared(session: Session, root: Path) -> Session:
    """``session`` as a component's Initialize leaves it: the runner read its design doc and
    the repository's coding rules from ``root``, as it does when it prepares the workspace."""
    assert session.component is not None and session.project is not None
    design = str(component_files(session.component, session.project).design)
    files = read_project_files(root, [design, repository_rules_path(session.component.type.value)])
    done = Interaction(
        id=len(session.interactions) + 1,
        session_id=session.id,
        step=COMPONENT_INITIALIZE,
        command=PrepareWorkspaceCommand(
            module=COMPONENT_INITIALIZE,
            branch_name="b--ledger",
            base_branch="b",
            worktree=".codemyspec/worktrees/b--ledger",
            test_file="tests/test_ledger.py",
            code_file="src/ledger.py",
            read_files=list(files),
        ),
        result=Result.ok(data={"files": files}),
        started_at=T0,
        completed_at=T0,
    )
    return session.model_copy(update={"interactions": [done, *session.interactions]})
