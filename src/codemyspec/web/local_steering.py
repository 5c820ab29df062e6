"""``codemyspec dashboard``'s steering: retry and resume run the runner here, in a thread.

The dashboard serves one repository, so unlike ``serve`` it can run a session itself, the way
``codemyspec sessions retry|resume`` do in a terminal. What runs it (``LocalRun``) is given by
the command line, which owns the runner's pieces; this module only checks the request, keeps
one run per session and stops the runs when the dashboard stops.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from codemyspec.clock import Clock, utcnow
from codemyspec.errors import ValidationError
from codemyspec.scope import Scope
from codemyspec.service_layer import SessionsApi, is_context_root
from codemyspec.sessions import EventBus, EventKind, Session, SessionEvent, SessionStatus
from codemyspec.web.steering import Action

log = logging.getLogger(__name__)


class LocalRun(Protocol):
    """Retry or resume the session until it ends or ``cancel`` is set (blocks meanwhile)."""

    def __call__(self, session_id: int, action: Action, cancel: threading.Event) -> None: ...


#: How long a retry or resume waits for its run to reopen the session before the page shows it.
REOPEN_SECONDS = 30.0


class _Run:
    """One retry or resume in its thread: stopped by ``cancel``; ``reopened`` is set once
    the session is active again or the run ended (``error``: what stopped it)."""

    def __init__(self, session_id: int, action: Action, drive: LocalRun) -> None:
        self.session_id = session_id
        self.action = action
        self.cancel = threading.Event()
        self.reopened = threading.Event()
        self.error: BaseException | None = None
        self._drive = drive
        self.thread = threading.Thread(
            target=self._run, name=f"dashboard-{action.value}-{session_id}", daemon=True
        )

    def heard(self, event: SessionEvent) -> None:
        if (
            event.session_id == self.session_id
            and event.kind is EventKind.SESSION_UPDATED
            and event.status is not None
            and not SessionStatus(event.status).is_terminal
        ):
            self.reopened.set()

    def _run(self) -> None:
        try:
            self._drive(self.session_id, self.action, self.cancel)
        except Exception as exc:  # the thread's end: the page shows the session as recorded
            self.error = exc
            log.exception("the dashboard's %s of session %s stopped", self.action, self.session_id)
        finally:
            self.reopened.set()


class LocalSteering:
    """Every button is offered: cancel is the service layer's, retry and resume start
    ``drive`` in a background thread, one at a time per session.

    A retry or resume returns once its run has made the session active again, so the page
    it redirects to is live; what stops a run before that is raised to the page instead.
    """

    def __init__(
        self,
        sessions: SessionsApi,
        events: EventBus,
        drive: LocalRun,
        *,
        clock: Clock = utcnow,
        reopen_seconds: float = REOPEN_SECONDS,
    ) -> None:
        self.sessions = sessions
        self.events = events
        self._drive = drive
        self._clock = clock
        self._reopen_seconds = reopen_seconds
        self._runs: dict[int, _Run] = {}
        self._lock = threading.Lock()

    def offers(self, session: Session, action: Action) -> bool:
        return True

    def retry(self, scope: Scope, session_id: int) -> None:
        self._start(scope, session_id, Action.RETRY)

    def resume(self, scope: Scope, session_id: int) -> None:
        self._start(scope, session_id, Action.RESUME)

    def cancel(self, scope: Scope, session_id: int) -> None:
        """Cancelled in the record; a run of this dashboard also stops its agents now."""
        self.sessions.cancel_session(scope, session_id)
        with self._lock:
            run = self._runs.get(session_id)
        if run is not None:
            run.cancel.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop every run (each leaves its session as recorded, to resume) and wait for them."""
        with self._lock:
            runs = list(self._runs.values())
        for run in runs:
            run.cancel.set()
        for run in runs:
            run.thread.join(timeout)

    def _start(self, scope: Scope, session_id: int, action: Action) -> None:
        session = self.sessions.get_session(scope, session_id)  # another scope's: NotFoundError
        self._check(session, action)
        run = _Run(session_id, action, self._drive)
        with self._lock:
            earlier = self._runs.get(session_id)
            if earlier is not None and earlier.thread.is_alive():
                raise ValidationError(
                    f"session {session_id} is running from this dashboard already; "
                    "wait for it to end, or cancel it"
                )
            self._runs[session_id] = run
        unsubscribe = self.events.subscribe(run.heard)
        try:
            run.thread.start()
            if session.status.is_terminal:
                run.reopened.wait(self._reopen_seconds)
        finally:
            unsubscribe()
        if run.error is not None and not run.thread.is_alive():
            raise run.error

    def _check(self, session: Session, action: Action) -> None:
        """What ``sessions retry|resume`` would refuse, refused before a thread starts."""
        if not is_context_root(session):
            raise ValidationError(
                f"session {session.id} is a {session.type} session; "
                "resume and retry work on context sessions"
            )
        if session.status is SessionStatus.COMPLETE:
            raise ValidationError(
                f"session {session.id} is complete; there is nothing to {action.value}"
            )
        expires = session.claim_expires_at
        if session.claimed_by and expires is not None and expires > self._clock():
            raise ValidationError(
                f"session {session.id} is being run by {session.claimed_by}; "
                f"{action.value} it once that run has ended (or cancel it)"
            )
