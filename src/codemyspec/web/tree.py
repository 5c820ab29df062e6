"""A context session's children as its page shows them: dependency waves of rows, each
row with its step, fix rounds, tests, files, cost, time and status. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from codemyspec.component_coding_sessions import ComponentState, fix_rounds_done
from codemyspec.context_coding_sessions import child_work, usage_tokens
from codemyspec.graphs import find_cycle
from codemyspec.runner import dependency_graph
from codemyspec.sessions import Session
from codemyspec.test_reports import SuiteReport
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
    cause: str
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


def first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


def session_name(session: Session) -> str:
    return session.component.module_name if session.component else f"session {session.id}"


def dom_id(session: Session) -> str:
    """``child-Billing-Money``: the element id the browser tests find a child by."""
    return "child-" + session_name(session).replace(".", "-").replace(" ", "-")


def cost(usage: dict[str, float]) -> str:
    if not usage:
        return "-"
    tokens = usage_tokens(usage)
    turns = usage.get("turns", 0.0)
    return (
        f"${usage.get('cost_usd', 0.0):.2f} · {tokens:,.0f} tokens · "
        f"{turns:.0f} turn{'' if turns == 1 else 's'}"
    )


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
        cause=first_line(run.cause() or "") if run and not run.passed else "",
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
