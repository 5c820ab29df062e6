"""Telling the server a drive ended on its own, so it stops sending the session to workers.

Only a drive that ended by itself (complete, failed, waiting for a person) settles: one
interrupted (a cancel, the worker stopping) or cut off from the server leaves the session
queued, and the server sends it again once its claim is free. A drive that could not run at
all (a broken ``codemyspec.toml`` at the base commit, an agent no worker has) is recorded as
a failed delivery; after ``MAX_FAILED_DELIVERIES`` of them the session is cancelled with
the reason, instead of being sent again forever.
"""

from __future__ import annotations

import logging

from codemyspec.context_coding_sessions import ContextState
from codemyspec.errors import CodeMySpecError
from codemyspec.remote import RemoteSessions
from codemyspec.scope import Scope
from codemyspec.sessions import SessionUpdate

log = logging.getLogger(__name__)

#: ``Driven.exit_code`` of a drive that ended on its own: complete (0), or anything else (1).
SETTLING_EXITS = frozenset({0, 1})
#: The account comes from the token: the server scopes every read by it.
TOKEN_SCOPE = Scope(account_id=0)
#: Deliveries that could not run the session before it is cancelled (workers may differ:
#: one lacking an agent's program is not all of them).
MAX_FAILED_DELIVERIES = 3


def settle(sessions: RemoteSessions, session_id: int) -> None:
    """``POST /api/sessions/{id}/settle``; a server that refuses it is logged, not fatal."""
    try:
        sessions.settle_session(TOKEN_SCOPE, session_id)
    except CodeMySpecError as exc:
        log.warning("session %s: the server did not take the settle: %s", session_id, exc)


def record_failed_delivery(sessions: RemoteSessions, session_id: int, why: str) -> None:
    """Count a delivery that could not run the session, with why; cancel it at the limit."""
    try:
        session = sessions.get_session(TOKEN_SCOPE, session_id)
        failed = ContextState.of(session).failed_deliveries + 1
        if failed >= MAX_FAILED_DELIVERIES:
            reason = f"workers could not run it ({failed} times); the last said: {why}"
            sessions.cancel_session(TOKEN_SCOPE, session_id, reason)
            log.error("session %s cancelled: %s", session_id, reason)
            return
        sessions.update_session(
            TOKEN_SCOPE,
            session_id,
            SessionUpdate(state=ContextState.patch(failed_deliveries=failed, error=why)),
        )
    except CodeMySpecError as exc:
        log.warning("session %s: could not record the failed delivery: %s", session_id, exc)
