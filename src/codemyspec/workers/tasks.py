"""The worker's two tasks, each naming one context session: drive it, or join it.

A task reads the session from the server, makes a fresh clone of its project's remote,
runs the session there in a session process and removes the clone. It never raises for
work that failed (that is recorded on the session) nor for broken machinery (logged with
the session id): the message is acknowledged either way, and the server sends the session
again while it still wants workers.
"""

from __future__ import annotations

import logging
import threading
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from codemyspec.commands import CommandKind
from codemyspec.context_coding_sessions import ContextState, branch_name
from codemyspec.remote import RemoteSessions, ServerClient
from codemyspec.sessions import Session, SessionStatus
from codemyspec.workers.broker import DRIVE_TASK, JOIN_TASK
from codemyspec.workers.checkouts import CheckoutError, run_folder
from codemyspec.workers.options import WorkerOptions
from codemyspec.workers.session_process import CLAIMED_EXIT, ERROR_EXIT, ERROR_PREFIX
from codemyspec.workers.settling import (
    SETTLING_EXITS,
    TOKEN_SCOPE,
    record_failed_delivery,
    settle,
)
from codemyspec.workers.supervision import start_session_process, watch

if TYPE_CHECKING:
    from celery import Celery, Task

log = logging.getLogger(__name__)

DRIVE = "drive"
JOIN = "join"


def register_tasks(app: Celery, options: WorkerOptions, stopping: threading.Event) -> None:
    """``drive_session`` and ``join_session`` on ``app``, run with ``options``; ``stopping``
    set (the worker shutting down) stops the session processes cleanly."""

    def drive_session(session_id: int) -> None:
        run_task(options, DRIVE, session_id, stopping)

    def join_session(task: Task[[int], None], session_id: int) -> None:
        if run_task(options, JOIN, session_id, stopping) is Outcome.TOO_EARLY:
            # Back to the end of its queue a moment later, for whichever worker has a free
            # slot then: a retry with a countdown would stay reserved by this worker, busy
            # or not, and its joins would pile up here while another worker sits idle.
            stopping.wait(options.poll_seconds)
            queue = (task.request.delivery_info or {}).get("routing_key")
            app.send_task(JOIN_TASK, args=[session_id], queue=queue)

    app.task(name=DRIVE_TASK)(drive_session)
    app.task(name=JOIN_TASK, bind=True)(join_session)


class Outcome(Enum):
    """How a delivery ended, for the task to decide whether it comes back."""

    DONE = "done"
    #: A join before its parent reached the spawn: it is sent again instead of holding a
    #: slot, so waiting joins never keep the drive they wait for from a slot.
    TOO_EARLY = "too early"


def run_task(
    options: WorkerOptions, how: str, session_id: int, stopping: threading.Event
) -> Outcome:
    """One delivery of a task; whatever goes wrong is logged with the session id."""
    client = ServerClient(options.server, options.token, wait_seconds=options.grace_seconds)
    sessions = RemoteSessions(client)
    try:
        if how == JOIN and not _spawning(sessions.get_session(TOKEN_SCOPE, session_id)):
            log.info("session %s has no children to join yet: sent again", session_id)
            return Outcome.TOO_EARLY
        run_session(sessions, options, how, session_id, stopping)
    except Exception:
        log.exception("session %s: %s failed", session_id, how)
    finally:
        client.close()
    return Outcome.DONE


def _spawning(session: Session) -> bool:
    """Whether the session runs its children now, or wants no more work (ended, or settled
    for a person: a join then has nothing to wait for, and ends)."""
    pending = session.pending_interaction()
    spawning = pending is not None and pending.command.command is CommandKind.SPAWN_SESSIONS
    settled = session.detached and session.queued_at is None
    return spawning or session.status.is_terminal or settled


def run_session(
    sessions: RemoteSessions,
    options: WorkerOptions,
    how: str,
    session_id: int,
    stopping: threading.Event,
) -> int | None:
    """Clone, run, clean up; the session process's exit status (None when not run)."""
    session = sessions.get_session(TOKEN_SCOPE, session_id)
    if session.status.is_terminal:
        log.info("session %s is %s: nothing to %s", session_id, session.status.value, how)
        return None
    url = session.project.code_repo if session.project else None
    if not url:
        log.error("session %s: its project has no remote (code_repo) to clone", session_id)
        return None
    try:
        with run_folder(options, session_id, url, _branch(session), _base(session)) as folder:
            proc, log_path = start_session_process(options, how, session_id, folder)
            log.info("session %s: %s in %s (log %s)", session_id, how, folder, log_path)
            code = watch(
                proc,
                cancelled=lambda: _cancelled(sessions, session_id),
                stopping=stopping,
                poll_seconds=options.poll_seconds,
                grace_seconds=options.grace_seconds,
            )
    except CheckoutError as exc:
        log.error("session %s: no clone to run it in: %s", session_id, exc)
        return None
    log.info("session %s: %s ended with exit status %s", session_id, how, code)
    if code == CLAIMED_EXIT:
        log.info("session %s is held by another runner: this delivery ends here", session_id)
    elif how == DRIVE and code in SETTLING_EXITS and not stopping.is_set():
        settle(sessions, session_id)
    elif how == DRIVE and code == ERROR_EXIT:
        record_failed_delivery(sessions, session_id, _why_not_run(log_path))
    return code


def _why_not_run(log_path: Path) -> str:
    """The session process's own words for why it could not run the session."""
    lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    said = [line.removeprefix(ERROR_PREFIX) for line in lines if line.startswith(ERROR_PREFIX)]
    return said[-1] if said else f"its process exited with {ERROR_EXIT} (log {log_path})"


def _cancelled(sessions: RemoteSessions, session_id: int) -> bool:
    """Whether the session was cancelled on the server; unknown (unreachable) counts as no."""
    try:
        status = sessions.get_session(TOKEN_SCOPE, session_id).status
    except Exception as exc:  # the next poll asks again
        log.warning("session %s: could not read it from the server: %s", session_id, exc)
        return False
    return status is SessionStatus.CANCELLED


def _branch(session: Session) -> str | None:
    """The parent's branch: recorded once Initialize ran, else the one it will use."""
    recorded = ContextState.of(session).branch_name
    if recorded or session.component is None:
        return recorded
    return branch_name(session)


def _base(session: Session) -> str | None:
    """The commit ``implement --detach`` recorded as the base; None: origin's default HEAD."""
    return ContextState.of(session).base_commit
