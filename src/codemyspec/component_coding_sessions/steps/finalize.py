"""Finalize: commit this component's files on the child's own branch, and record the commit.

The commit's sha and the runner holding the session's claim are recorded with the
completion (``branch_tip``): the only branch tip a runner may publish for this attempt.
"""

from __future__ import annotations

from typing import Any, ClassVar

from codemyspec.clock import utcnow
from codemyspec.component_coding_sessions.branch_tips import (
    BRANCH_TIP_KEY,
    BranchTip,
    tip_in_output,
)
from codemyspec.component_coding_sessions.utils import require_component, workspace_state
from codemyspec.components import JUNK_PATHSPECS, component_files
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
                # Every file the agent touched: its test runs vetted them (RunTests).
                ["git", "-C", worktree, "add", "-A", "--", ".", *JUNK_PATHSPECS],
                ["git", "-C", worktree, "commit", "--allow-empty", "--no-verify", "-m", message],
                ["git", "-C", worktree, "rev-parse", "HEAD"],
            ],
            metadata={"branch_name": branch, "files": files},
        )

    @staticmethod
    def handle_result(scope: Scope, session: Session, result: Result, **opts: Any) -> StepOutcome:
        if result.status is ResultStatus.OK:
            state: dict[str, Any] = {"completed_at": utcnow().isoformat()}
            if (sha := tip_in_output(result.stdout)) is not None:
                made = BranchTip(sha=sha, holder=session.claimed_by, attempt=session.attempt)
                state[BRANCH_TIP_KEY] = made.model_dump(mode="json")
            return StepOutcome(SessionUpdate(status=SessionStatus.COMPLETE, state=state), result)
        state = {"error": f"could not commit the component: {result.error_message}"}
        return StepOutcome(SessionUpdate(status=SessionStatus.FAILED, state=state), result)
