"""How an agent step's result changes the session: usage, conversation, guarded test file."""

from __future__ import annotations

from typing import Any

from codemyspec.sessions import (
    Result,
    ResultStatus,
    Session,
    SessionStatus,
    SessionUpdate,
    StepOutcome,
)

USAGE_KEYS = ("cost_usd", "input_tokens", "output_tokens", "turns", "duration_ms")


def summed_usage(before: dict[str, Any] | None, run: dict[str, Any] | None) -> dict[str, float]:
    """The session's agent usage so far plus this run's."""
    before, run = before or {}, run or {}
    return {key: float(before.get(key) or 0) + float(run.get(key) or 0) for key in USAGE_KEYS}


def _test_file_changed(session: Session, result: Result) -> str | None:
    if not session.state.get("test_file_existed"):
        return None
    test_file = session.state.get("test_file")
    watched = result.data.get("watched_files") or {}
    for path, digest in watched.items():
        if digest != session.state.get("test_file_sha256"):
            return str(test_file or path)
    return None


def agent_outcome(session: Session, result: Result, action: str) -> StepOutcome:
    """Ok keeps going; an agent failure or a changed pre-existing test file fails the session."""
    state: dict[str, Any] = {
        "agent_usage": summed_usage(session.state.get("agent_usage"), result.data.get("usage"))
    }
    conversation = result.data.get("conversation_id")
    reason = None
    if result.status is ResultStatus.ERROR:
        reason = f"agent failed while {action}: {result.error_message or result.stderr}"
    elif (changed := _test_file_changed(session, result)) is not None:
        reason = f"the agent changed the test file {changed}, which existed before the session"
        result = result.model_copy(update={"status": ResultStatus.ERROR, "error_message": reason})
    if reason is not None:
        state["error"] = reason
        update = SessionUpdate(
            status=SessionStatus.FAILED, state=state, external_conversation_id=conversation
        )
        return StepOutcome(update, result)
    return StepOutcome(SessionUpdate(state=state, external_conversation_id=conversation), result)
