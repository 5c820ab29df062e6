"""Telling the server a drive ended on its own, so it stops sending the session to workers.

Only a drive that ended by itself (complete, failed, waiting for a person) settles: one
interrupted (a cancel, the worker stopping) or cut off from the server leaves the session
queued, and the server sends it again once its claim is free.
"""

from __future__ import annotations

import logging

from codemyspec.errors import CodeMySpecError
from codemyspec.remote import RemoteSessions
from codemyspec.scope import Scope

log = logging.getLogger(__name__)

#: ``Driven.exit_code`` of a drive that ended on its own: complete (0), or anything else (1).
SETTLING_EXITS = frozenset({0, 1})
#: The account comes from the token: the server scopes every read by it.
TOKEN_SCOPE = Scope(account_id=0)


def settle(sessions: RemoteSessions, session_id: int) -> None:
    """``POST /api/sessions/{id}/settle``; a server that refuses it is logged, not fatal."""
    try:
        sessions.settle_session(TOKEN_SCOPE, session_id)
    except CodeMySpecError as exc:
        log.warning("session %s: the server did not take the settle: %s", session_id, exc)
