"""Read a finished context session for its notification: which event, and why a person is
needed (validation failed, the budget spent, a dependency cancelled children, Finalize
failed), from the record alone."""

from __future__ import annotations

from codemyspec.component_coding_sessions import total_agent_usage
from codemyspec.context_coding_sessions import ContextState, SpawnChecked
from codemyspec.notify.models import Notification, NotifyEvent, Reason, ReasonKind
from codemyspec.sessions import Interaction, ResultStatus, Session, SessionState, SessionStatus

#: How the runner words a child it stopped (see runner/children.py and the budget).
BUDGET_PREFIXES = ("budget: ", "deadline: ")
DEPENDENCY_PREFIX = "dependency "
SPAWN_STEP = "SpawnComponentCodingSessions"


def _last_error(session: Session) -> Interaction | None:
    return next(
        (i for i in session.interactions if i.result and i.result.status is ResultStatus.ERROR),
        None,
    )


def _child_reasons(session: Session) -> list[Reason]:
    """The children the budget or a dependency stopped, one reason per kind."""
    budget: list[str] = []
    dependency: list[str] = []
    for child in session.child_sessions:
        error = SessionState.of(child).error or ""
        name = child.component.name if child.component else f"session {child.id}"
        if child.status is SessionStatus.CANCELLED and error.startswith(BUDGET_PREFIXES):
            budget.append(f"{name} ({error})")
        elif error.startswith(DEPENDENCY_PREFIX) and child.status.is_terminal:
            dependency.append(f"{name} ({error})")
    reasons = []
    if budget:
        reasons.append(Reason(kind=ReasonKind.BUDGET_SPENT, message=", ".join(budget)))
    if dependency:
        message = ", ".join(dependency)
        reasons.append(Reason(kind=ReasonKind.DEPENDENCY_CANCELLED, message=message))
    return reasons


def needs_person_reasons(session: Session) -> list[Reason]:
    """Why the session did not complete; empty when it did."""
    if session.status is SessionStatus.COMPLETE:
        return []
    reasons = _child_reasons(session)
    failed = _last_error(session)
    if failed is not None and failed.result is not None:
        if failed.step.endswith(SPAWN_STEP):
            checked = SpawnChecked.of(failed.result)
            message = failed.result.error_message or (
                checked.validation.message() if checked.validation else "validation failed"
            )
            reasons.insert(0, Reason(kind=ReasonKind.VALIDATION_FAILED, message=message))
        else:
            step = failed.step.rsplit(".", 1)[-1]
            why = failed.result.error_message or "no reason recorded"
            kind = ReasonKind.FINALIZE_FAILED if step == "Finalize" else ReasonKind.STOPPED
            reasons.insert(0, Reason(kind=kind, message=f"{step} failed: {why}"))
    if not reasons:
        error = SessionState.of(session).error or "no reason recorded"
        reasons.append(Reason(kind=ReasonKind.STOPPED, message=f"{session.status}: {error}"))
    return reasons


def notification_for(
    session: Session, *, commit: str | None = None, session_url: str | None = None
) -> Notification:
    """The notification of a finished drive: ``complete``, or ``needs_person`` with why."""
    state = ContextState.of(session)
    cost = total_agent_usage(session.child_sessions).get("cost_usd")
    complete = session.status is SessionStatus.COMPLETE
    return Notification(
        event=NotifyEvent.COMPLETE if complete else NotifyEvent.NEEDS_PERSON,
        session_id=session.id,
        context=session.component.name if session.component else f"session {session.id}",
        project=session.project.name if session.project else None,
        status=session.status.value,
        reasons=needs_person_reasons(session),
        branch=state.branch_name,
        commit=commit if complete else None,
        cost_usd=cost,
        session_url=session_url,
        pull_request_url=state.pull_request_url,
        pull_request_error=state.pull_request_error,
    )
