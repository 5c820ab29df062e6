"""The sessions engine over HTTP: what ``Runner`` and the command line call, remotely."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from codemyspec.commands import Result
from codemyspec.errors import ResultAlreadyRecordedError
from codemyspec.remote.client import ServerClient
from codemyspec.scope import Scope
from codemyspec.sessions import Interaction, Session, SessionAttrs, SessionStatus, SessionUpdate

_sessions = TypeAdapter(list[Session])


def _params(scope: Scope, **more: Any) -> dict[str, Any]:
    """The account comes from the token; the project, when the scope names one, is explicit."""
    return {"project_id": scope.project_id, **more}


class RemoteSessions:
    """``SessionsPort`` (and the listing calls) against a server's ``/api/sessions``."""

    def __init__(self, client: ServerClient) -> None:
        self.client = client

    def create_session(self, scope: Scope, attrs: SessionAttrs) -> Session:
        fields = {"type", "component_id", "agent", "execution_mode", "environment_type", "state"}
        body = attrs.model_dump(mode="json", include=fields) | {"project_id": scope.project_id}
        return Session.model_validate(self.client.call("POST", "/api/sessions", json=body))

    def get_session(self, scope: Scope, session_id: int) -> Session:
        data = self.client.call("GET", f"/api/sessions/{session_id}", params=_params(scope))
        return Session.model_validate(data)

    def list_sessions(
        self,
        scope: Scope,
        *,
        status: SessionStatus | None = None,
        type: str | None = None,
        parent_id: int | None = None,
    ) -> list[Session]:
        params = _params(
            scope, status=status.value if status else None, type=type, parent_id=parent_id
        )
        return _sessions.validate_python(self.client.call("GET", "/api/sessions", params=params))

    def next_command(self, scope: Scope, session_id: int) -> Interaction:
        data = self.client.call(
            "POST", f"/api/sessions/{session_id}/next-command", params=_params(scope)
        )
        return Interaction.model_validate(data)

    def handle_result(
        self, scope: Scope, session_id: int, interaction_id: int, result: Result
    ) -> Session:
        """Submit once; a retry finding the result recorded means the first one got through."""
        path = f"/api/sessions/{session_id}/interactions/{interaction_id}/result"
        retried: list[bool] = []
        try:
            data = self.client.call(
                "POST",
                path,
                json=result.model_dump(mode="json"),
                params=_params(scope),
                on_retry=lambda: retried.append(True),
            )
        except ResultAlreadyRecordedError:
            if not retried:
                raise
            return self.get_session(scope, session_id)
        return Session.model_validate(data)

    def update_session(self, scope: Scope, session_id: int, changes: SessionUpdate) -> Session:
        data = self.client.call(
            "PATCH",
            f"/api/sessions/{session_id}",
            json=changes.model_dump(mode="json", exclude_defaults=True),
            params=_params(scope),
        )
        return Session.model_validate(data)

    def restart_session(self, scope: Scope, session_id: int, state: dict[str, Any]) -> Session:
        data = self.client.call(
            "POST",
            f"/api/sessions/{session_id}/restart",
            json={"state": state},
            params=_params(scope),
        )
        return Session.model_validate(data)

    def cancel_session(
        self, scope: Scope, session_id: int, reason: str = "cancelled by user"
    ) -> Session:
        data = self.client.call("POST", f"/api/sessions/{session_id}/cancel", params=_params(scope))
        return Session.model_validate(data)

    def claim_session(
        self,
        scope: Scope,
        session_id: int,
        holder: str,
        lease_seconds: float,
        *,
        take_over_from: str | None = None,
    ) -> Session:
        body = {"holder": holder, "lease_seconds": lease_seconds, "take_over_from": take_over_from}
        data = self.client.call(
            "POST", f"/api/sessions/{session_id}/claim", json=body, params=_params(scope)
        )
        return Session.model_validate(data)

    def release_session(self, scope: Scope, session_id: int, holder: str) -> None:
        self.client.call(
            "POST",
            f"/api/sessions/{session_id}/release",
            json={"holder": holder},
            params=_params(scope),
        )
