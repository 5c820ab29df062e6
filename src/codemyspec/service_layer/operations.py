"""Every operation on sessions, declared once: its signature here, its HTTP route in ``ROUTES``.

``SessionsService`` (in process) and ``RemoteSessions`` (over HTTP) both subclass
``SessionsApi``, so mypy checks each method against this declaration; the API registers
each operation at its route, and a test checks that every operation has its route and its
client method with the same parameters. The runner needs only ``SessionsPort``, a part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from codemyspec.scope import Scope
from codemyspec.service_layer.context_sessions import ContextPlan, ContextStart
from codemyspec.sessions import Session, SessionAttrs, SessionsPort, SessionStatus

CANCELLED_BY_USER = "cancelled by user"


class SessionsApi(SessionsPort, Protocol):
    """The runner's calls plus what the command line and the API's users do with sessions."""

    def create_session(self, scope: Scope, attrs: SessionAttrs) -> Session: ...

    def list_sessions(
        self,
        scope: Scope,
        *,
        status: SessionStatus | None = None,
        type: str | None = None,
        parent_id: int | None = None,
        roots_only: bool = False,
    ) -> list[Session]: ...

    def cancel_session(
        self, scope: Scope, session_id: int, reason: str = CANCELLED_BY_USER
    ) -> Session: ...

    def plan_context_session(self, scope: Scope, context: str) -> ContextPlan:
        """The context by name, its components and its sessions; refuses an unknown context
        or one without components."""
        ...

    def start_context_session(self, scope: Scope, start: ContextStart) -> Session:
        """Create the context's session after the plan's checks; refuses a second one while
        an unfinished one exists."""
        ...

    def session_tree(self, scope: Scope, session_id: int) -> Session:
        """The session with its interactions and its children, each with theirs."""
        ...

    def session_trees(self, scope: Scope) -> list[Session]:
        """Every root session, newest first, with its interactions and its children."""
        ...

    def settle_session(self, scope: Scope, session_id: int) -> Session:
        """A worker's report that a detached session's drive ended on its own (complete,
        failed, waiting for a person): it is no longer queued for workers. Refuses a session
        that is not detached."""
        ...


@dataclass(frozen=True)
class Route:
    """Where an operation is served: HTTP method and path (``{session_id}`` and the like)."""

    method: str
    path: str


ROUTES: dict[str, Route] = {
    "create_session": Route("POST", "/api/sessions"),
    "get_session": Route("GET", "/api/sessions/{session_id}"),
    "list_sessions": Route("GET", "/api/sessions"),
    "next_command": Route("POST", "/api/sessions/{session_id}/next-command"),
    "handle_result": Route(
        "POST", "/api/sessions/{session_id}/interactions/{interaction_id}/result"
    ),
    "update_session": Route("PATCH", "/api/sessions/{session_id}"),
    "restart_session": Route("POST", "/api/sessions/{session_id}/restart"),
    "cancel_session": Route("POST", "/api/sessions/{session_id}/cancel"),
    "claim_session": Route("POST", "/api/sessions/{session_id}/claim"),
    "release_session": Route("POST", "/api/sessions/{session_id}/release"),
    "plan_context_session": Route("GET", "/api/context-sessions/plan"),
    "start_context_session": Route("POST", "/api/context-sessions"),
    "resume_session": Route("POST", "/api/sessions/{session_id}/resume"),
    "retry_session": Route("POST", "/api/sessions/{session_id}/retry"),
    "session_tree": Route("GET", "/api/sessions/{session_id}/tree"),
    "session_trees": Route("GET", "/api/session-trees"),
    "settle_session": Route("POST", "/api/sessions/{session_id}/settle"),
}
