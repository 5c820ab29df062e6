"""Spawn one ComponentCodingSession per component, then validate all of their work.

``get_command`` lists the children for the engine to create (or reuses them on a retry)
and asks the runner to start them in parallel; ``handle_result`` re-reads every child's
status and judges the files and unit tests as the runner reported them from its tree (the
engine has none). When only tests fail and the runner named a culprit child with fix rounds
left, that child alone is reopened for a repair and the result is a warning: Spawn runs
again (the reopened child, then validation), without waiting for a person.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from pydantic import ValidationError as PydanticValidationError

from codemyspec.components import Component, component_files
from codemyspec.context_coding_sessions.repairs import judge_culprits
from codemyspec.context_coding_sessions.state import ContextState
from codemyspec.context_coding_sessions.utils import CHILD_SESSION_TYPE, CONTEXT_MODULE_KEY
from codemyspec.context_coding_sessions.validation import validate_children, validate_statuses
from codemyspec.environments import WORKSPACE_FACTS_KEY, WorkspaceFacts
from codemyspec.errors import NotFoundError, StepError, ValidationError
from codemyspec.scope import Scope
from codemyspec.sessions import (
    ChildToSpawn,
    Command,
    Result,
    ResultStatus,
    Session,
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


def _red_proof(session: Session, component: Component) -> dict[str, Any]:
    """Pre-flight's proof that the component's test file fails without its code, if any."""
    if session.project is None:
        return {}
    test = str(component_files(component, session.project).test)
    proven = ContextState.of(session).red_proven.get(test)
    return {"red_proven_sha256": proven} if proven else {}


def _children_to_spawn(
    scope: Scope, session: Session, context_id: int, context: StepContext
) -> list[ChildToSpawn]:
    """One child per component (and the context's own module last, when it is missing)."""
    components = context.components.list_child_components(scope, context_id)
    if only := ContextState.of(session).only:  # implement --only: that subset
        known = {c.module_name for c in components}
        if missing := [name for name in only if name not in known]:
            raise StepError(f"--only names components the context no longer has: {missing}")
        components = [c for c in components if c.module_name in only]
    if not components:
        raise StepError("No child components found for context")
    writers = [(component, _child_state(session)) for component in components]
    if ContextState.of(session).write_context_module:  # its own module is missing: last
        own = context.components.get(scope, context_id)
        writers.append((own, {**_child_state(session), CONTEXT_MODULE_KEY: True}))
    return [
        ChildToSpawn(
            type=CHILD_SESSION_TYPE,
            component_id=component.id,
            name=component.name,
            state={**state, **_red_proof(session, component)},
        )
        for component, state in writers
    ]


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
        name = SpawnComponentCodingSessions.name
        if session.child_sessions:
            return SpawnSessionsCommand(module=name, child_session_ids=_existing_children(session))
        spawn = _children_to_spawn(scope, session, session.component.id, step_context(opts))
        return SpawnSessionsCommand(module=name, spawn=spawn)

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
            state = ContextState.of(fresh)
            report = validate_children(fresh, facts, state.validation_plan, state.flaky_tests)
        # Every child passed alone, the whole fails: the culprits, and those reopened.
        reopened = {} if runner_error else judge_culprits(fresh, report, result)
        data = {**result.data, "validation": report.model_dump(mode="json")}
        if runner_error:
            data["runner_error"] = runner_error
        problems = [p for p in (runner_error, None if report.ok else report.message()) if p]
        status = ResultStatus.ERROR if problems else ResultStatus.OK
        if reopened:
            status = ResultStatus.WARNING
        checked = result.model_copy(
            update={"status": status, "data": data, "error_message": "; ".join(problems) or None}
        )
        return StepOutcome(updates=SessionUpdate(), result=checked, children=reopened)
