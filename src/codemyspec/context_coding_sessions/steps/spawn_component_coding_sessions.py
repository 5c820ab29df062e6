"""Spawn one ComponentCodingSession per component, then validate all of their work.

``get_command`` creates the children (or reuses them on a retry) and asks the runner to
start them in parallel; ``handle_result`` re-reads every child's status and judges the
files and unit tests as the runner reported them from its tree (the engine has none).
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from pydantic import ValidationError as PydanticValidationError

from codemyspec.context_coding_sessions.state import ContextState
from codemyspec.context_coding_sessions.utils import CHILD_SESSION_TYPE, CONTEXT_MODULE_KEY
from codemyspec.context_coding_sessions.validation import validate_children, validate_statuses
from codemyspec.environments import WORKSPACE_FACTS_KEY, WorkspaceFacts
from codemyspec.errors import CodeMySpecError, NotFoundError, StepError, ValidationError
from codemyspec.scope import Scope
from codemyspec.sessions import (
    Command,
    ExecutionMode,
    Result,
    ResultStatus,
    Session,
    SessionAttrs,
    SessionUpdate,
    SpawnSessionsCommand,
    StepContext,
    StepOutcome,
    step_context,
)

log = logging.getLogger(__name__)


def _existing_children(session: Session) -> list[int]:
    wrong = [child for child in session.child_sessions if child.type != CHILD_SESSION_TYPE]
    if wrong:
        raise StepError(f"Invalid child session type: {wrong[0].type}")
    return [child.id for child in session.child_sessions]


def _child_state(session: Session) -> dict[str, Any]:
    """What a child starts with: the parent's branch, and the fix-round bound if one was set."""
    given = ContextState.of(session)
    state: dict[str, Any] = {"parent_branch_name": given.branch_name}
    if given.max_fix_rounds is not None:
        state["max_fix_rounds"] = given.max_fix_rounds
    return state


def _spawn_children(
    scope: Scope, session: Session, context_id: int, context: StepContext
) -> list[int]:
    components = context.components.list_child_components(scope, context_id)
    if not components:
        raise StepError("No child components found for context")
    writers = [(component, _child_state(session)) for component in components]
    if ContextState.of(session).write_context_module:  # its own module is missing: last
        own = context.components.get(scope, context_id)
        writers.append((own, {**_child_state(session), CONTEXT_MODULE_KEY: True}))
    child_ids: list[int] = []
    for component, state in writers:
        attrs = SessionAttrs(
            type=CHILD_SESSION_TYPE,
            component_id=component.id,
            session_id=session.id,
            project_id=session.project_id,
            execution_mode=ExecutionMode.AGENTIC,
            agent=session.agent,
            environment_type=session.environment_type,
            state=state,
        )
        try:
            with context.sessions.savepoint():
                child_ids.append(context.sessions.create(scope, attrs).id)
        except CodeMySpecError as exc:
            log.warning("could not spawn a coding session for %s: %s", component.name, exc)
    if not child_ids:
        raise StepError("Failed to spawn any child sessions")
    return child_ids


def _reported_facts(result: Result) -> WorkspaceFacts | None:
    """The tree as the runner reported it (``data.workspace``), None when it reported none."""
    facts = result.data.get(WORKSPACE_FACTS_KEY)
    if facts is None:
        return None
    try:
        return WorkspaceFacts.model_validate(facts)
    except PydanticValidationError as exc:
        raise ValidationError(f"result data.{WORKSPACE_FACTS_KEY} is malformed: {exc}") from None


class SpawnComponentCodingSessions:
    """Creates the child sessions and validates their combined work."""

    name: ClassVar[str] = "ContextCodingSessions.Steps.SpawnComponentCodingSessions"

    @staticmethod
    def get_command(scope: Scope, session: Session, **opts: Any) -> Command:
        if session.component is None:
            raise StepError("Context component not found")
        if session.child_sessions:
            child_ids = _existing_children(session)
        else:
            child_ids = _spawn_children(scope, session, session.component.id, step_context(opts))
        return SpawnSessionsCommand(
            module=SpawnComponentCodingSessions.name, child_session_ids=child_ids
        )

    @staticmethod
    def handle_result(scope: Scope, session: Session, result: Result, **opts: Any) -> StepOutcome:
        context = step_context(opts)
        try:
            fresh = context.sessions.get(scope, session.id)
        except NotFoundError:
            raise NotFoundError("Session not found") from None
        # The runner's own failure (a dependency cycle, an integration conflict) is kept.
        runner_error = result.error_message if result.status is ResultStatus.ERROR else None
        facts = _reported_facts(result)
        if runner_error and facts is None:
            # The runner failed before it could report its tree (an integration conflict, a
            # push refused): its failure is recorded with the statuses, which are known.
            report = validate_statuses(fresh)
        else:
            report = validate_children(fresh, facts)
        data = {**result.data, "validation": report.model_dump(mode="json")}
        if runner_error:
            data["runner_error"] = runner_error
        problems = [p for p in (runner_error, None if report.ok else report.message()) if p]
        status = ResultStatus.ERROR if problems else ResultStatus.OK
        checked = result.model_copy(
            update={"status": status, "data": data, "error_message": "; ".join(problems) or None}
        )
        return StepOutcome(updates=SessionUpdate(), result=checked)
