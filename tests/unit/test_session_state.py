"""Each workflow reads its session state and results through typed models, never dict keys."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from codemyspec.component_coding_sessions import AgentRan, ComponentState, WorkspacePrepared
from codemyspec.context_coding_sessions import ContextState, SpawnChecked
from codemyspec.errors import ValidationError
from codemyspec.sessions import ExecutionMode, Result, Session, SessionStatus

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def session(**state: Any) -> Session:
    return Session(
        id=9,
        account_id=1,
        type="ComponentCodingSessions",
        status=SessionStatus.ACTIVE,
        execution_mode=ExecutionMode.AUTO,
        environment_type="local",
        state=state,
        inserted_at=T0,
        updated_at=T0,
    )


def test_a_component_state_reads_its_fields_typed_and_leaves_other_keys_alone() -> None:
    state = ComponentState.of(
        session(worktree="w", max_fix_rounds=2, agent_usage={"turns": 3}, note="a client's")
    )
    assert (state.worktree, state.max_fix_rounds, state.agent_usage) == ("w", 2, {"turns": 3.0})
    assert state.branch_tip is None and state.test_file_existed is False


def test_a_state_field_of_an_older_shape_is_an_error_naming_the_session_and_the_field() -> None:
    with pytest.raises(ValidationError) as refused:
        ComponentState.of(session(max_fix_rounds="many", branch_tip={"holder": "r1"}))

    message = str(refused.value)
    assert message.startswith("the state of session 9 has an unknown or older shape: ")
    assert "max_fix_rounds: Input should be a valid integer" in message
    assert "branch_tip.sha: Field required" in message


def test_a_context_state_that_says_push_in_another_shape_is_refused_naming_it() -> None:
    with pytest.raises(ValidationError, match=r"push: Input should be a valid boolean"):
        ContextState.of(session(push="sometimes"))


def test_a_patch_holds_only_the_fields_given_as_json_and_refuses_one_the_model_lacks() -> None:
    assert ComponentState.patch(error=None, initialized_at=T0) == {
        "error": None,
        "initialized_at": "2025-01-01T00:00:00Z",
    }
    with pytest.raises(ValidationError, match=r"^ComponentState has no field worktre$"):
        ComponentState.patch(worktre="w")


def test_result_data_of_an_older_shape_is_an_error_naming_the_field() -> None:
    with pytest.raises(ValidationError, match=r"^result data .*: files\.a\.md: Input should be"):
        WorkspacePrepared.of(Result.ok(data={"files": {"a.md": 3}}))
    with pytest.raises(ValidationError, match=r"validation\.missing_files: Input should be"):
        SpawnChecked.of(Result.error("x", data={"validation": {"missing_files": "a.py"}}))


def test_result_data_a_step_does_not_read_is_ignored() -> None:
    ran = AgentRan.of(Result.ok(data={"conversation_id": "c", "usage": {}, "extra": [1]}))
    assert ran.conversation_id == "c" and ran.watched_files == {}
    assert SpawnChecked.of(Result.ok()).validation is None
