"""How an agent step's result changes the session: usage, conversation, guarded test file."""

from __future__ import annotations

from codemyspec.component_coding_sessions.state import AgentRan, ComponentState
from codemyspec.sessions import (
    Result,
    ResultStatus,
    Session,
    SessionStatus,
    SessionUpdate,
    StepOutcome,
)

USAGE_KEYS = ("cost_usd", "input_tokens", "output_tokens", "turns", "duration_ms")


def summed_usage(before: dict[str, float], run: dict[str, float]) -> dict[str, float]:
    """The session's agent usage so far plus this run's."""
    return {key: before.get(key, 0.0) + run.get(key, 0.0) for key in USAGE_KEYS}


def _test_file_changed(state: ComponentState, ran: AgentRan) -> str | None:
    if not state.test_file_existed:
        return None
    for path, digest in ran.watched_files.items():
        if digest != state.test_file_sha256:
            return state.test_file or path
    return None


def agent_outcome(session: Session, result: Result, action: str) -> StepOutcome:
    """Ok keeps going; an agent failure or a changed pre-existing test file fails the session."""
    before, ran = ComponentState.of(session), AgentRan.of(result)
    usage = summed_usage(before.agent_usage, ran.usage)
    conversation = ran.conversation_id
    waits = ran.model_waits.plus(before.model_waits) if ran.model_waits else before.model_waits
    reason = None
    if result.status is ResultStatus.ERROR:
        reason = f"agent failed while {action}: {result.error_message or result.stderr}"
    elif (changed := _test_file_changed(before, ran)) is not None:
        reason = f"the agent changed the test file {changed}, which existed before the session"
        result = result.model_copy(update={"status": ResultStatus.ERROR, "error_message": reason})
    if reason is not None:
        update = SessionUpdate(
            status=SessionStatus.FAILED,
            state=ComponentState.patch(agent_usage=usage, error=reason, model_waits=waits),
            external_conversation_id=conversation,
        )
        return StepOutcome(update, result)
    state = ComponentState.patch(agent_usage=usage, model_waits=waits)
    return StepOutcome(SessionUpdate(state=state, external_conversation_id=conversation), result)
