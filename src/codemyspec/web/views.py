"""A context session as its page shows it: a header, its children in dependency waves, each
child's timeline, and the validation report with what to do next. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from codemyspec.component_coding_sessions import ComponentState, fix_rounds_done, total_agent_usage
from codemyspec.context_coding_sessions import SpawnChecked, ValidationReport, child_work
from codemyspec.graphs import find_cycle
from codemyspec.runner import dependency_graph
from codemyspec.sessions import Session, SessionState, SessionStatus
from codemyspec.test_reports import SuiteReport
from codemyspec.web.steering import Action, Steering
from codemyspec.web.timeline import Entry, seconds, step_label, timeline


@dataclass(frozen=True, slots=True)
class ChildView:
    """One component session: a row of its wave, and its timeline."""

    id: int
    name: str
    dom_id: str
    step: str
    status: str
    attempt: int
    fix_rounds: int
    tests: str
    passed: int | None
    failed: int | None
    files: tuple[str, ...]
    cost: str
    time: str
    run_by: str
    error: str
    timeline: list[Entry]


@dataclass(frozen=True, slots=True)
class Wave:
    number: int
    children: list[ChildView]


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
    detached: str
    parent_id: int | None
    waves: list[Wave]
    timeline: list[Entry]
    report: Report | None
    next_steps: list[str]
    actions: list[ActionView]


def session_name(session: Session) -> str:
    return session.component.module_name if session.component else f"session {session.id}"


def dom_id(session: Session) -> str:
    """``child-Billing-Money``: the element id the browser tests find a child by."""
    return "child-" + session_name(session).replace(".", "-").replace(" ", "-")


def cost(usage: dict[str, float]) -> str:
    if not usage:
        return "-"
    tokens = usage.get("input_tokens", 0.0) + usage.get("output_tokens", 0.0)
    return f"${usage.get('cost_usd', 0.0):.2f} · {tokens:,.0f} tokens"


def elapsed(session: Session, now: datetime) -> str:
    """From its first command to its last result (to now while it runs)."""
    if not session.interactions:
        return "-"
    started = session.interactions[-1].started_at
    last = session.interactions[0].completed_at
    ended = now if not session.status.is_terminal or last is None else last
    return seconds(started, ended)


def current_step(session: Session) -> str:
    return step_label(session.interactions[0]) if session.interactions else "waiting"


def child_view(parent: Session, child: Session, now: datetime) -> ChildView:
    state = ComponentState.of(child)
    run = SuiteReport.model_validate(state.last_test_run) if state.last_test_run else None
    work = child_work(parent, child)
    held = child.claimed_by if child.claimed_by and not child.status.is_terminal else ""
    return ChildView(
        id=child.id,
        name=session_name(child),
        dom_id=dom_id(child),
        step=current_step(child),
        status=child.status.value,
        attempt=child.attempt,
        fix_rounds=fix_rounds_done(child),
        tests=run.summary() if run else "not run yet",
        passed=run.passed_count if run else None,
        failed=run.failures + run.errors if run else None,
        files=(*work.present, *(f"{path} (deleted)" for path in work.deleted)),
        cost=cost(state.agent_usage),
        time=elapsed(child, now),
        run_by=held,
        error=str(state.error or ""),
        timeline=timeline(child.interactions),
    )


def waves(parent: Session, now: datetime) -> list[Wave]:
    """The children in the order the runner starts them: a wave after the ones it needs."""
    children = parent.child_sessions
    graph = dependency_graph(children)
    if find_cycle({k: sorted(v) for k, v in graph.items()}) is not None:
        graph = {k: set() for k in graph}  # the run refuses it; show them side by side
    level: dict[int, int] = {}

    def depth(node: int) -> int:
        if node not in level:
            level[node] = 1 + max((depth(d) for d in graph[node]), default=0)
        return level[node]

    numbers = sorted({depth(c.id) for c in children})
    return [
        Wave(n, [child_view(parent, c, now) for c in children if level[c.id] == n]) for n in numbers
    ]


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


def next_steps(session: Session, server: str | None) -> list[str]:
    """What a person can do about a run that stopped, as ``implement`` prints it."""
    stopped = (SessionStatus.FAILED, SessionStatus.CANCELLED)
    if session.status not in stopped:
        return []
    steps = [
        "Retry runs the failed and cancelled components again from scratch, then validates "
        f"the whole context (`{cli_command(Action.RETRY, session.id, server)}`).",
        "Resume continues from where it stopped, after an interruption or a fix outside "
        f"codemyspec (`{cli_command(Action.RESUME, session.id, server)}`).",
        "Or fix it by hand: the completed components are in the working tree, uncommitted.",
    ]
    for child in session.child_sessions:
        if child.status in stopped and (kept := ComponentState.of(child).worktree):
            steps.append(f"{session_name(child)} is kept for inspection in {kept}.")
    return steps


def actions(session: Session, steering: Steering, server: str | None) -> list[ActionView]:
    if session.session_id is not None:
        return []  # a component session is steered through its context session
    return [
        ActionView(a, steering.offers(session, a), cli_command(a, session.id, server))
        for a in Action
        if session.status in a.applies
    ]


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
        detached=detached_line(session),
        parent_id=session.session_id,
        waves=waves(session, now),
        timeline=timeline(session.interactions),
        report=report_of(session),
        next_steps=next_steps(session, server),
        actions=actions(session, steering, server),
    )
