"""Initialize: put the working tree on the session's branch, through its environment."""

from __future__ import annotations

from typing import Any, ClassVar

from codemyspec.clock import utcnow
from codemyspec.context_coding_sessions.state import ContextState
from codemyspec.context_coding_sessions.utils import branch_name
from codemyspec.environments import environment_setup_command
from codemyspec.errors import StepError
from codemyspec.scope import Scope
from codemyspec.sessions import Command, Result, Session, SessionUpdate, StepOutcome


class Initialize:
    """Puts the checkout on ``code-context-coding-session-for-<slug>``, never resetting it."""

    name: ClassVar[str] = "ContextCodingSessions.Steps.Initialize"

    @staticmethod
    def get_command(scope: Scope, session: Session, **opts: Any) -> Command:
        if session.project is None:
            raise StepError("Project not found in session")
        return environment_setup_command(
            session.environment_type,
            module=Initialize.name,
            branch_name=branch_name(session),
            repo_url=session.project.code_repo,
            working_dir=".",
        )

    @staticmethod
    def handle_result(scope: Scope, session: Session, result: Result, **opts: Any) -> StepOutcome:
        state = ContextState.patch(branch_name=branch_name(session), initialized_at=utcnow())
        return StepOutcome(updates=SessionUpdate(state=state), result=result)
