"""Finalize: commit this component's files on the child's own branch."""

from __future__ import annotations

from typing import Any, ClassVar

from codemyspec.clock import utcnow
from codemyspec.component_coding_sessions.utils import require_component, workspace_state
from codemyspec.components import component_files
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
)


class Finalize:
    """``git add`` + ``git commit`` inside the worktree; an empty commit is allowed on resume."""

    name: ClassVar[str] = "ComponentCodingSessions.Steps.Finalize"

    @staticmethod
    def get_command(scope: Scope, session: Session, **opts: Any) -> Command:
        component, project = require_component(session)
        worktree, branch = workspace_state(session)
        paths = component_files(component, project)
        files = [str(paths.code), str(paths.test)]
        message = f"Implement {component.module_name}\n"
        return Command(
            module=Finalize.name,
            command=CommandKind.SHELL,
            programs=[
                ["git", "-C", worktree, "add", "--", *files],
                ["git", "-C", worktree, "commit", "--allow-empty", "--no-verify", "-m", message],
            ],
            metadata={"branch_name": branch, "files": files},
        )

    @staticmethod
    def handle_result(scope: Scope, session: Session, result: Result, **opts: Any) -> StepOutcome:
        if result.status is ResultStatus.OK:
            state = {"completed_at": utcnow().isoformat()}
            return StepOutcome(SessionUpdate(status=SessionStatus.COMPLETE, state=state), result)
        state = {"error": f"could not commit the component: {result.error_message}"}
        return StepOutcome(SessionUpdate(status=SessionStatus.FAILED, state=state), result)
