"""A context session's progress, derived from its children whenever the session is read.

Derived, not stored: the children (status, state) come with every read of their parent, so
it costs no query and no write, cannot go stale, and cannot be lost to a concurrent update
of the parent's state; every reader (the command line, the API, the dashboard, a runner
through the server) gets it in ``state.progress``.
"""

from __future__ import annotations

from codemyspec.component_coding_sessions import ComponentState, total_agent_usage
from codemyspec.context_coding_sessions import ContextProgress, usage_tokens
from codemyspec.service_layer.context_sessions import is_context_root
from codemyspec.sessions import Session, SessionStatus

PROGRESS_KEY = "progress"


def context_progress(session: Session) -> ContextProgress:
    """Components by status, fix rounds and agent cost, summed over the session's children."""
    counts = dict.fromkeys(SessionStatus, 0)
    running = fix_rounds = 0
    for child in session.child_sessions:
        counts[child.status] += 1
        state = ComponentState.of(child)
        if child.status is SessionStatus.ACTIVE and _started(child, state):
            running += 1
        fix_rounds += state.fix_rounds
    usage = total_agent_usage(session.child_sessions)
    return ContextProgress(
        total=len(session.child_sessions),
        complete=counts[SessionStatus.COMPLETE],
        failed=counts[SessionStatus.FAILED],
        cancelled=counts[SessionStatus.CANCELLED],
        running=running,
        pending=counts[SessionStatus.ACTIVE] - running,
        fix_rounds=fix_rounds,
        cost_usd=round(usage.get("cost_usd", 0.0), 6),
        tokens=usage_tokens(usage),
    )


def _started(child: Session, state: ComponentState) -> bool:
    """A child some runner holds or has begun: from its row and state alone, since its
    interactions are not always loaded with it (and every read must say the same)."""
    return bool(child.claimed_by or state.initialized_at or state.worktree)


def with_progress(session: Session) -> Session:
    """A root context session that has children, with ``state.progress`` set; any other
    session as it is (before its spawn there is no progress to tell)."""
    if not is_context_root(session) or not session.child_sessions:
        return session
    progress = context_progress(session).model_dump(mode="json")
    return session.model_copy(update={"state": {**session.state, PROGRESS_KEY: progress}})


def progress_line(progress: ContextProgress) -> str:
    """``3 of 5 components complete · 1 running · 1 failed · 4 fix rounds · $1.23``."""
    parts = [f"{progress.complete} of {progress.total} components complete"]
    for count, what in (
        (progress.running, "running"),
        (progress.pending, "pending"),
        (progress.failed, "failed"),
        (progress.cancelled, "cancelled"),
    ):
        if count:
            parts.append(f"{count} {what}")
    rounds = progress.fix_rounds
    parts.append(f"{rounds} fix round{'' if rounds == 1 else 's'}")
    parts.append(f"${progress.cost_usd:.2f}")
    return " · ".join(parts)
