"""RunTests: only this component's tests, in its worktree; the fix loop is bounded."""

from __future__ import annotations

from typing import Any, ClassVar

from codemyspec.component_coding_sessions.utils import (
    fix_rounds_done,
    max_fix_rounds,
    others_of,
    require_component,
    workspace_state,
)
from codemyspec.components import (
    CHANGES_KEY,
    owner_of,
    recorded_changes,
    refused_changes,
    roots_of,
)
from codemyspec.scope import Scope
from codemyspec.sessions import (
    Command,
    CommandKind,
    Result,
    ResultStatus,
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


def _refused_changes(scope: Scope, session: Session, result: Result, **opts: Any) -> str | None:
    """Why the files the agent touched cannot all be brought in, or None when they can."""
    changes = recorded_changes(result.data)
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
        return Command(
            module=RunTests.name,
            command=CommandKind.RUN_TESTS,
            metadata={
                "test_file": session.state.get("test_file"),
                "code_file": session.state.get("code_file"),
                "cwd": worktree,
                "require_red": not session.state.get("code_file_existed", False),
            },
        )

    @staticmethod
    def handle_result(scope: Scope, session: Session, result: Result, **opts: Any) -> StepOutcome:
        report = dict(result.data.get("test_run") or {})
        state: dict[str, Any] = {"last_test_run": report}
        if (refused := _refused_changes(scope, session, result, **opts)) is not None:
            state["error"] = refused
            return StepOutcome(SessionUpdate(status=SessionStatus.FAILED, state=state), result)
        if CHANGES_KEY in result.data:
            state[CHANGES_KEY] = result.data[CHANGES_KEY]
        if result.status is ResultStatus.OK:
            return StepOutcome(SessionUpdate(state=state), result)
        rounds, limit = fix_rounds_done(session), max_fix_rounds(session)
        if report.get("broken_environment"):
            state["error"] = f"the test environment cannot run the tests: {_failures(report)}"
            return StepOutcome(SessionUpdate(status=SessionStatus.FAILED, state=state), result)
        if rounds >= limit:
            state["error"] = (
                f"tests still failing after {rounds} fix round{'s' if rounds != 1 else ''}: "
                f"{_failures(report)}"
            )
            return StepOutcome(SessionUpdate(status=SessionStatus.FAILED, state=state), result)
        return StepOutcome(SessionUpdate(state=state), result)
