"""A session as its page shows it: a header, its children (``tree``), its own timeline, and
the validation report with what to do next. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from codemyspec.component_coding_sessions import ComponentState, total_agent_usage
from codemyspec.context_coding_sessions import ContextState, SpawnChecked, ValidationReport
from codemyspec.service_layer import is_context_root, progress_line
from codemyspec.sessions import Session, SessionState, SessionStatus
from codemyspec.web.steering import Action, Steering, stopped
from codemyspec.web.timeline import Entry, timeline
from codemyspec.web.tree import Wave, cost, current_step, elapsed, session_name, waves


@dataclass(frozen=True, slots=True)
class ActionView:
    """A button when the server can do it, else the command to run where the code is."""

    action: Action
    button: bool
    command: str


@dataclass(frozen=True, slots=True)
class Report:
    """The newest validation that found problems, and the runner's own failure if any."""

    validation: ValidationReport
    runner_error: str


@dataclass(frozen=True, slots=True)
class SessionView:
    id: int
    name: str
    project: str
    status: str
    terminal: bool
    step: str
    cost: str
    time: str
    started_at: datetime
    branch: str
    error: str
    outcome: str
    detached: str
    parent_id: int | None
    waves: list[Wave]
    timeline: list[Entry]
    report: Report | None
    next_steps: list[NextStep]
    actions: list[ActionView]
    #: A context session's ``3 of 5 components complete · …`` (empty for others).
    progress: str = ""


def report_of(session: Session) -> Report | None:
    """The newest recorded validation, when it found something."""
    for interaction in session.interactions:
        if interaction.result is None:
            continue
        checked = SpawnChecked.of(interaction.result)
        if checked.validation is not None:
            if checked.validation.ok and not checked.runner_error:
                return None
            return Report(checked.validation, checked.runner_error or "")
    return None


def cli_command(action: Action, session_id: int, server: str | None) -> str:
    where = f" --server {server}" if server else ""
    return f"codemyspec sessions {action.value} {session_id}{where}"


@dataclass(frozen=True, slots=True)
class NextStep:
    """Something a person can do, and the command that does it where there is one."""

    text: str
    command: str = ""


def next_steps(session: Session, server: str | None) -> list[NextStep]:
    """What a person can do about a run that stopped, as ``implement`` prints it."""
    if not stopped(session) or session.session_id is not None:
        return []  # a component session is taken up through its context session
    steps = [
        NextStep(
            "Retry runs the failed and cancelled components again from scratch, then "
            "validates the whole context:",
            cli_command(Action.RETRY, session.id, server),
        ),
        NextStep(
            "Resume continues from where it stopped, after an interruption or a fix outside "
            "codemyspec:",
            cli_command(Action.RESUME, session.id, server),
        ),
        NextStep(
            "Or fix it by hand where the code is: the completed components are in that "
            "working tree, uncommitted."
        ),
    ]
    for child in session.child_sessions:
        if child.status in (SessionStatus.FAILED, SessionStatus.CANCELLED) and (
            kept := ComponentState.of(child).worktree
        ):
            steps.append(NextStep(f"{session_name(child)} is kept for inspection in {kept}."))
    return steps


def actions(session: Session, steering: Steering, server: str | None) -> list[ActionView]:
    if session.session_id is not None:
        return []  # a component session is steered through its context session
    return [
        ActionView(a, steering.offers(session, a), cli_command(a, session.id, server))
        for a in Action
        if a.applies(session)
    ]


def outcome(session: Session) -> str:
    """How the run stands, in words: what the status alone does not say."""
    if session.status is SessionStatus.COMPLETE:
        return "implemented"
    if session.status is SessionStatus.ACTIVE and stopped(session):
        return f"not implemented: {current_step(session)} failed; waiting for you"
    if session.status is SessionStatus.ACTIVE and not session.interactions:
        return "waiting for a runner to start it"
    if session.status is SessionStatus.ACTIVE:
        return f"running {current_step(session)}"
    return f"not implemented ({session.status.value})"


def detached_line(session: Session) -> str:
    if not session.detached:
        return ""
    waiting = "queued for a worker" if session.queued_at else "not queued"
    return f"detached on {session.queue} · {waiting}"


def session_view(
    session: Session, steering: Steering, now: datetime, server: str | None = None
) -> SessionView:
    """The page of ``session`` (loaded with its children's interactions)."""
    state = SessionState.of(session)
    return SessionView(
        id=session.id,
        name=session_name(session),
        project=session.project.name if session.project else "",
        status=session.status.value,
        terminal=session.status.is_terminal,
        step=current_step(session),
        cost=cost(total_agent_usage(session.child_sessions)),
        time=elapsed(session, now),
        started_at=session.inserted_at,
        branch=state.branch_name or "",
        error=str(state.error or ""),
        outcome=outcome(session),
        detached=detached_line(session),
        parent_id=session.session_id,
        waves=waves(session, now),
        timeline=timeline(session.interactions),
        report=report_of(session),
        next_steps=next_steps(session, server),
        actions=actions(session, steering, server),
        progress=_progress(session),
    )


def _progress(session: Session) -> str:
    progress = ContextState.of(session).progress if is_context_root(session) else None
    return progress_line(progress) if progress is not None and progress.total else ""
