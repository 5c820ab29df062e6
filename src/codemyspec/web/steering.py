"""What the pages' retry, resume and cancel buttons call, whoever runs the sessions.

Under ``codemyspec serve`` (``ServerSteering``) the server runs nothing itself: cancel is the
service layer's, and retry or resume of a *detached* session re-queue it for the workers;
a session a runner drives where the code is gets the command to run there instead of a
button. ``codemyspec dashboard`` brings its own ``Steering`` that runs the runner locally.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from codemyspec.scope import Scope
from codemyspec.service_layer import SessionsApi
from codemyspec.sessions import ResultStatus, Session, SessionStatus


class Action(StrEnum):
    """A button of the session page; its value is the path segment and the button's id."""

    RETRY = "retry"
    RESUME = "resume"
    CANCEL = "cancel"

    def applies(self, session: Session) -> bool:
        """Cancel stops a session that is active; retry and resume take up a stopped one."""
        if self is Action.CANCEL:
            return session.status is SessionStatus.ACTIVE
        return stopped(session)


def stopped(session: Session) -> bool:
    """Failed or cancelled, or active with nothing more to run until someone decides: its
    newest step failed and no other was asked for (what a runner leaves after a failed
    validation, or a step that failed twice)."""
    if session.status in (SessionStatus.FAILED, SessionStatus.CANCELLED):
        return True
    newest = session.interactions[0] if session.interactions else None
    return (
        session.status is SessionStatus.ACTIVE
        and newest is not None
        and newest.result is not None
        and newest.result.status is ResultStatus.ERROR
    )


class Steering(Protocol):
    """Retry, resume and cancel a root session of ``scope``; ``offers`` says which of them
    this server can do itself (otherwise the page shows the command line that does it)."""

    def offers(self, session: Session, action: Action) -> bool: ...

    def retry(self, scope: Scope, session_id: int) -> None: ...

    def resume(self, scope: Scope, session_id: int) -> None: ...

    def cancel(self, scope: Scope, session_id: int) -> None: ...


class ServerSteering:
    """``codemyspec serve``'s: the service layer's cancel, and re-queueing of detached runs."""

    def __init__(self, sessions: SessionsApi) -> None:
        self.sessions = sessions

    def offers(self, session: Session, action: Action) -> bool:
        return action is Action.CANCEL or session.detached

    def retry(self, scope: Scope, session_id: int) -> None:
        self.sessions.retry_session(scope, session_id)

    def resume(self, scope: Scope, session_id: int) -> None:
        self.sessions.resume_session(scope, session_id)

    def cancel(self, scope: Scope, session_id: int) -> None:
        self.sessions.cancel_session(scope, session_id)


def steer(steering: Steering, action: Action, scope: Scope, session_id: int) -> None:
    """Do ``action`` through ``steering``."""
    match action:
        case Action.RETRY:
            steering.retry(scope, session_id)
        case Action.RESUME:
            steering.resume(scope, session_id)
        case Action.CANCEL:
            steering.cancel(scope, session_id)
