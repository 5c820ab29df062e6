"""PrepareRepair: a completed child reopened because its changes break others' tests.

Its worktree (removed when it completed) is made again on its own branch, and the other
completed children's branches are merged into it: the agent then works in the integrated
tree, where the broken tests fail as they did in validation.
"""

from __future__ import annotations

from typing import Any, ClassVar

from codemyspec.component_coding_sessions.state import ComponentState
from codemyspec.component_coding_sessions.utils import (
    PREPARE_REPAIR_STEP_NAME,
    require_component,
    workspace_state,
)
from codemyspec.components import component_files
from codemyspec.errors import StepError
from codemyspec.scope import Scope
from codemyspec.sessions import (
    Command,
    PrepareWorkspaceCommand,
    Result,
    ResultStatus,
    Session,
    SessionStatus,
    SessionUpdate,
    StepOutcome,
)


class PrepareRepair:
    """Describes the repair's workspace; the runner makes it (its branch as it was finished,
    the others merged in), as Initialize's is made."""

    name: ClassVar[str] = PREPARE_REPAIR_STEP_NAME

    @staticmethod
    def get_command(scope: Scope, session: Session, **opts: Any) -> Command:
        component, project = require_component(session)
        worktree, branch = workspace_state(session)
        repair = ComponentState.of(session).repair
        if repair is None:
            raise StepError("the session was not reopened for a repair")
        paths = component_files(component, project)
        return PrepareWorkspaceCommand(
            module=PrepareRepair.name,
            branch_name=branch,
            base_branch=branch,
            worktree=worktree,
            merge_branches=repair.merge_branches,
            test_file=str(paths.test),
            code_file=str(paths.code),
        )

    @staticmethod
    def handle_result(scope: Scope, session: Session, result: Result, **opts: Any) -> StepOutcome:
        if result.status is ResultStatus.OK:
            return StepOutcome(SessionUpdate(), result)
        reason = f"could not prepare the repair's workspace: {result.error_message}"
        failed = SessionUpdate(
            status=SessionStatus.FAILED, state=ComponentState.patch(error=reason)
        )
        return StepOutcome(failed, result)
