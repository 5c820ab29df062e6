"""What a runner needs from the sessions engine: the in-process engine or its HTTP client."""

from __future__ import annotations

from typing import Any, Protocol

from codemyspec.commands import Result
from codemyspec.scope import Scope
from codemyspec.sessions.models import Interaction, Session, SessionUpdate


class SessionsPort(Protocol):
    """The engine's calls a runner makes; the service layer's ``SessionsApi`` includes them."""

    def get_session(self, scope: Scope, session_id: int) -> Session: ...

    def next_command(self, scope: Scope, session_id: int) -> Interaction: ...

    def handle_result(
        self, scope: Scope, session_id: int, interaction_id: int, result: Result
    ) -> Session: ...

    def update_session(self, scope: Scope, session_id: int, changes: SessionUpdate) -> Session: ...

    def restart_session(self, scope: Scope, session_id: int, state: dict[str, Any]) -> Session: ...

    def claim_session(
        self,
        scope: Scope,
        session_id: int,
        holder: str,
        lease_seconds: float,
        *,
        take_over_from: str | None = None,
    ) -> Session: ...

    def release_session(self, scope: Scope, session_id: int, holder: str) -> None: ...

    def resume_session(self, scope: Scope, session_id: int) -> Session:
        """Reopen a root context session to continue it: it (when it failed or was cancelled)
        and its cancelled children become active; failed children stay failed."""
        ...

    def retry_session(self, scope: Scope, session_id: int) -> Session:
        """Reopen a root context session to re-run its failed and cancelled children: each
        starts a new attempt from what its parent gave it; the session becomes active."""
        ...
