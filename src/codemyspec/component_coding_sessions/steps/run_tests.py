"""RunTests: only this component's tests, in its worktree; the fix loop is bounded."""

from __future__ import annotations

from typing import Any, ClassVar

from codemyspec.component_coding_sessions.state import ComponentState, RanTests
from codemyspec.component_coding_sessions.utils import (
    fix_rounds_done,
    max_fix_rounds,
    others_of,
    require_component,
    workspace_state,
)
from codemyspec.components import ChangeKind, FileChange, owner_of, refused_changes, roots_of
from codemyspec.errors import StepError
from codemyspec.scope import Scope
from codemyspec.sessions import (
    Command,
    Result,
    ResultStatus,
    RunTestsCommand,
    Session,
    SessionStatus,
    SessionUpdate,
    StepOutcome,
    step_context,
)
from codemyspec.test_reports import SuiteReport


def _failures(report: dict[str, Any]) -> str:
    """The first cause (a run that could not be read, untested code, a collection error),
    else the first five failing tests."""
    suite = SuiteReport.model_validate(report)
    if suite.error or suite.unproven or suite.collection_errors:
        return suite.cause() or suite.summary()
    named = "; ".join(f"{c.test_id}: {c.message}" for c in suite.failed_cases[:5])
    return named or suite.summary()


def _with_earlier(session: Session, changes: list[FileChange]) -> list[FileChange]:
    """In a repair, the files changed before it too: its worktree starts from the finished
    commit, so git shows only the repair's changes, and the child brings all of them."""
    state = ComponentState.of(session)
    if state.repair is None or not state.changes:
        return changes
    merged = {change.path: change for change in state.changes}
    for change in changes:
        earlier = merged.get(change.path)
        added = earlier is not None and earlier.kind is ChangeKind.ADDED
        kept = added and change.kind is ChangeKind.MODIFIED  # still new to the parent
        merged[change.path] = earlier if kept and earlier is not None else change
    return sorted(merged.values(), key=lambda c: c.path)


def _failed(result: Result, **recorded: Any) -> StepOutcome:
    """The session fails with ``recorded`` (the run and why) in its state."""
    update = SessionUpdate(status=SessionStatus.FAILED, state=ComponentState.patch(**recorded))
    return StepOutcome(update, result)


def _refused_changes(scope: Scope, session: Session, ran: RanTests, **opts: Any) -> str | None:
    """Why the files the agent touched cannot all be brought in, or None when they can."""
    changes = ran.changes
    if not changes:
        return None
    component, project = require_component(session)
    others = others_of(scope, component, step_context(opts).components)
    refused = refused_changes(
        changes,
        owner_of(component, project),
        [owner_of(other, project) for other in others],
        roots_of(project),
    )
    if not refused:
        return None
    return f"the agent changed files this component may not: {'; '.join(refused)}"


class RunTests:
    """The runner runs the test file with JUnit XML output and reports the parsed run.

    For a component whose code did not exist before the session, passing tests must also
    fail once the code is removed (``require_red``): tests that do not test it are no pass.
    A test environment that cannot run them fails the session at once: no fix round helps.
    """

    name: ClassVar[str] = "ComponentCodingSessions.Steps.RunTests"

    @staticmethod
    def get_command(scope: Scope, session: Session, **opts: Any) -> Command:
        worktree, _ = workspace_state(session)
        state = ComponentState.of(session)
        if state.test_file is None or state.code_file is None:
            raise StepError("the component's test and code files were not recorded")
        require_red = not state.code_file_existed
        return RunTestsCommand(
            module=RunTests.name,
            test_file=state.test_file,
            code_file=state.code_file,
            cwd=worktree,
            require_red=require_red,
            red_proven_sha256=state.red_proven_sha256 if require_red else None,
            also_test_files=state.repair.test_files if state.repair else [],
        )

    @staticmethod
    def handle_result(scope: Scope, session: Session, result: Result, **opts: Any) -> StepOutcome:
        ran = RanTests.of(result)
        report = ran.test_run
        recorded: dict[str, Any] = {"last_test_run": report}
        if (refused := _refused_changes(scope, session, ran, **opts)) is not None:
            return _failed(result, error=refused, **recorded)
        if ran.changes is not None:
            recorded["changes"] = _with_earlier(session, ran.changes)
        if result.status is ResultStatus.OK:
            return StepOutcome(SessionUpdate(state=ComponentState.patch(**recorded)), result)
        rounds, limit = fix_rounds_done(session), max_fix_rounds(session)
        if SuiteReport.model_validate(report).broken_environment:
            why = f"the test environment cannot run the tests: {_failures(report)}"
            return _failed(result, error=why, **recorded)
        if rounds >= limit:
            why = (
                f"tests still failing after {rounds} fix round{'s' if rounds != 1 else ''}: "
                f"{_failures(report)}"
            )
            return _failed(result, error=why, **recorded)
        return StepOutcome(SessionUpdate(state=ComponentState.patch(**recorded)), result)
