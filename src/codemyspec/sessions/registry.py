"""Which orchestrator drives which session type."""

from __future__ import annotations

from codemyspec.errors import InvalidInteractionError, UnknownSessionTypeError
from codemyspec.sessions.workflow import Orchestrator, Step


class OrchestratorRegistry:
    """Maps a session ``type`` to its orchestrator; an unknown type is a clear error."""

    def __init__(self, orchestrators: dict[str, Orchestrator] | None = None) -> None:
        self._orchestrators: dict[str, Orchestrator] = dict(orchestrators or {})

    def register(self, session_type: str, orchestrator: Orchestrator) -> None:
        self._orchestrators[session_type] = orchestrator

    def types(self) -> list[str]:
        return sorted(self._orchestrators)

    def get(self, session_type: str) -> Orchestrator:
        try:
            return self._orchestrators[session_type]
        except KeyError:
            known = ", ".join(self.types()) or "none"
            raise UnknownSessionTypeError(
                f"unknown session type {session_type!r} (known: {known})"
            ) from None

    def step(self, session_type: str, step_name: str) -> Step:
        """The step of that workflow named ``step_name`` (the command's ``module``)."""
        for step in self.get(session_type).steps():
            if step.name == step_name:
                return step
        raise InvalidInteractionError(f"{step_name!r} is not a step of {session_type}")
