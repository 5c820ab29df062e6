"""Finalize: commit this component's files on the child's own branch, and record the commit.

The commit's sha and the runner holding the session's claim are recorded with the
completion (``branch_tip``): the only branch tip a runner may publish for this attempt.
"""

from __future__ import annotations

from typing import Any, ClassVar

from codemyspec.clock import utcnow
from codemyspec.component_coding_sessions.branch_tips import BranchTip, tip_in_output
from codemyspec.component_coding_sessions.state import ComponentState
from codemyspec.component_coding_sessions.utils import require_component, workspace_state
from codemyspec.components import JUNK_PATHSPECS, component_files
from codemyspec.scope import Scope
from codemyspec.sessions import (
    Command,
    CommitCommand,
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
        return CommitCommand(
            module=Finalize.name,
            # Every file the agent touched: its test runs vetted them (RunTests).
            stage=["git", "-C", worktree, "add", "-A", "--", ".", *JUNK_PATHSPECS],
            commit=["git", "-C", worktree, "commit", "--allow-empty", "--no-verify", "-m", message],
            then=[["git", "-C", worktree, "rev-parse", "HEAD"]],
            files=files,
            branch_name=branch,
        )

    @staticmethod
    def handle_result(scope: Scope, session: Session, result: Result, **opts: Any) -> StepOutcome:
        if result.status is ResultStatus.OK:
            done: dict[str, Any] = {"completed_at": utcnow()}
            if (sha := tip_in_output(result.stdout)) is not None:
                tip = BranchTip(sha=sha, holder=session.claimed_by, attempt=session.attempt)
                done["branch_tip"] = tip
            if (repair := ComponentState.of(session).repair) is not None:  # the repair is done
                done |= {"repair": None, "repaired": [*ComponentState.of(session).repaired, repair]}
            state = ComponentState.patch(**done)
            return StepOutcome(SessionUpdate(status=SessionStatus.COMPLETE, state=state), result)
        state = ComponentState.patch(
            error=f"could not commit the component: {result.error_message}"
        )
        return StepOutcome(SessionUpdate(status=SessionStatus.FAILED, state=state), result)
