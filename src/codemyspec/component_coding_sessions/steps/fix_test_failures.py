"""FixTestFailures: the agent gets the failures, in the same conversation when it can."""

from __future__ import annotations

from typing import Any, ClassVar

from codemyspec.component_coding_sessions.prompts import fix_prompt, repair_prompt
from codemyspec.component_coding_sessions.state import ComponentState
from codemyspec.component_coding_sessions.steps._agent_outcome import agent_outcome
from codemyspec.component_coding_sessions.utils import (
    fix_rounds_done,
    last_test_run,
    max_fix_rounds,
    repair_begins,
    require_component,
    workspace_state,
)
from codemyspec.components import component_files
from codemyspec.context_coding_sessions import FIX_STEP_NAME
from codemyspec.scope import Scope
from codemyspec.sessions import AgentCommand, Command, Result, Session, StepOutcome


class FixTestFailures:
    """Asks the agent to make the failing tests pass without touching the test file; in a
    repair, first with what breaks which other component's tests."""

    name: ClassVar[str] = FIX_STEP_NAME

    @staticmethod
    def get_command(scope: Scope, session: Session, **opts: Any) -> Command:
        component, project = require_component(session)
        worktree, _ = workspace_state(session)
        paths = component_files(component, project)
        report = last_test_run(session) or {}
        rounds = (fix_rounds_done(session) + 1, max_fix_rounds(session))
        repair = ComponentState.of(session).repair
        if repair is not None and repair_begins(session):  # the round after PrepareRepair
            prompt = repair_prompt(str(paths.code), str(paths.test), repair, *rounds)
        else:
            prompt = fix_prompt(str(paths.code), str(paths.test), report, *rounds)
        return AgentCommand(
            module=FixTestFailures.name,
            agent=session.agent,
            prompt=prompt,
            cwd=worktree,
            resume_conversation_id=session.external_conversation_id,
            watch_files=[str(paths.test)],
        )

    @staticmethod
    def handle_result(scope: Scope, session: Session, result: Result, **opts: Any) -> StepOutcome:
        outcome = agent_outcome(session, result, "fixing test failures")
        # Counted in the state, so the context's progress reads it without the interactions.
        counted = {**outcome.updates.state, "fix_rounds": fix_rounds_done(session) + 1}
        updates = outcome.updates.model_copy(update={"state": counted})
        return StepOutcome(updates, outcome.result)
