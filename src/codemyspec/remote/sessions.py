"""The sessions engine over HTTP: what ``Runner`` and the command line call, remotely.

Each method calls its operation's route from ``ROUTES``; mypy checks the methods against
``SessionsApi``, the one declaration.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from codemyspec.commands import Result, problems
from codemyspec.errors import ResultAlreadyRecordedError, ValidationError
from codemyspec.remote.client import ServerClient
from codemyspec.scope import Scope
from codemyspec.service_layer import (
    CANCELLED_BY_USER,
    ROUTES,
    ContextPlan,
    ContextStart,
    SessionsApi,
)
from codemyspec.sessions import Interaction, Session, SessionAttrs, SessionStatus, SessionUpdate

T = TypeVar("T")
_session = TypeAdapter(Session)
_sessions = TypeAdapter(list[Session])
_interaction = TypeAdapter(Interaction)
_plan = TypeAdapter(ContextPlan)


def _read(adapter: TypeAdapter[T], data: object, what: str) -> T:
    """The server's answer; one this codemyspec cannot read (a server of another version)
    is a ``ValidationError`` naming the fields, not Pydantic's own."""
    try:
        return adapter.validate_python(data)
    except PydanticValidationError as exc:
        raise ValidationError(
            f"the server answered {what} of an unknown or older shape (is it another "
            f"codemyspec version?): {problems(exc)}"
        ) from None


def _path(operation: str, **ids: int) -> tuple[str, str]:
    """The operation's HTTP method and its path with the ids filled in."""
    route = ROUTES[operation]
    return route.method, route.path.format(**ids)


def _params(scope: Scope, **more: Any) -> dict[str, Any]:
    """The account comes from the token; the project, when the scope names one, is explicit."""
    return {"project_id": scope.project_id, **more}


class RemoteSessions(SessionsApi):
    """``SessionsApi`` against a server's API."""

    def __init__(self, client: ServerClient) -> None:
        self.client = client

    def create_session(self, scope: Scope, attrs: SessionAttrs) -> Session:
        body = attrs.model_dump(mode="json")
        body["project_id"] = attrs.project_id or scope.project_id
        return _read(_session, self.client.call(*_path("create_session"), json=body), "a session")

    def get_session(self, scope: Scope, session_id: int) -> Session:
        data = self.client.call(*_path("get_session", session_id=session_id), params=_params(scope))
        return _read(_session, data, "a session")

    def list_sessions(
        self,
        scope: Scope,
        *,
        status: SessionStatus | None = None,
        type: str | None = None,
        parent_id: int | None = None,
        roots_only: bool = False,
    ) -> list[Session]:
        params = _params(
            scope,
            status=status.value if status else None,
            type=type,
            parent_id=parent_id,
            roots_only=roots_only or None,
        )
        data = self.client.call(*_path("list_sessions"), params=params)
        return _read(_sessions, data, "a session list")

    def next_command(self, scope: Scope, session_id: int) -> Interaction:
        data = self.client.call(
            *_path("next_command", session_id=session_id), params=_params(scope)
        )
        return _read(_interaction, data, "an interaction")

    def handle_result(
        self, scope: Scope, session_id: int, interaction_id: int, result: Result
    ) -> Session:
        """Submit once; a retry finding the result recorded means the first one got through."""
        route = _path("handle_result", session_id=session_id, interaction_id=interaction_id)
        retried: list[bool] = []
        try:
            data = self.client.call(
                *route,
                json=result.model_dump(mode="json"),
                params=_params(scope),
                on_retry=lambda: retried.append(True),
            )
        except ResultAlreadyRecordedError:
            if not retried:
                raise
            return self.get_session(scope, session_id)
        return _read(_session, data, "a session")

    def update_session(self, scope: Scope, session_id: int, changes: SessionUpdate) -> Session:
        data = self.client.call(
            *_path("update_session", session_id=session_id),
            json=changes.model_dump(mode="json", exclude_defaults=True),
            params=_params(scope),
        )
        return _read(_session, data, "a session")

    def restart_session(self, scope: Scope, session_id: int, state: dict[str, Any]) -> Session:
        data = self.client.call(
            *_path("restart_session", session_id=session_id),
            json={"state": state},
            params=_params(scope),
        )
        return _read(_session, data, "a session")

    def cancel_session(
        self, scope: Scope, session_id: int, reason: str = CANCELLED_BY_USER
    ) -> Session:
        data = self.client.call(
            *_path("cancel_session", session_id=session_id),
            json={"reason": reason},
            params=_params(scope),
        )
        return _read(_session, data, "a session")

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
            *_path("claim_session", session_id=session_id), json=body, params=_params(scope)
        )
        return _read(_session, data, "a session")

    def release_session(self, scope: Scope, session_id: int, holder: str) -> None:
        self.client.call(
            *_path("release_session", session_id=session_id),
            json={"holder": holder},
            params=_params(scope),
        )

    def plan_context_session(self, scope: Scope, context: str) -> ContextPlan:
        data = self.client.call(
            *_path("plan_context_session"), params=_params(scope, context=context)
        )
        return _read(_plan, data, "a context plan")

    def start_context_session(self, scope: Scope, start: ContextStart) -> Session:
        data = self.client.call(
            *_path("start_context_session"),
            json=start.model_dump(mode="json"),
            params=_params(scope),
        )
        return _read(_session, data, "a session")

    def session_tree(self, scope: Scope, session_id: int) -> Session:
        data = self.client.call(
            *_path("session_tree", session_id=session_id), params=_params(scope)
        )
        return _read(_session, data, "a session")

    def session_trees(self, scope: Scope) -> list[Session]:
        return _sessions.validate_python(
            self.client.call(*_path("session_trees"), params=_params(scope))
        )

    def resume_session(self, scope: Scope, session_id: int) -> Session:
        data = self.client.call(
            *_path("resume_session", session_id=session_id), params=_params(scope)
        )
        return _read(_session, data, "a session")

    def retry_session(self, scope: Scope, session_id: int) -> Session:
        data = self.client.call(
            *_path("retry_session", session_id=session_id), params=_params(scope)
        )
        return _read(_session, data, "a session")

    def settle_session(self, scope: Scope, session_id: int) -> Session:
        data = self.client.call(
            *_path("settle_session", session_id=session_id), params=_params(scope)
        )
        return _read(_session, data, "a session")
