"""What the session page says about a run, from its record alone."""

from __future__ import annotations

import pytest

from codemyspec.sessions import ResultStatus, SessionStatus
from codemyspec.web import Action
from codemyspec.web.views import outcome
from tests.support.recorded import recorded_session

INIT = "ContextCodingSessions.Steps.Initialize"
SPAWN = "ContextCodingSessions.Steps.SpawnComponentCodingSessions"


@pytest.mark.parametrize(
    ("status", "records", "said", "takes_up"),
    [
        (SessionStatus.ACTIVE, [], "waiting for a runner", False),
        (SessionStatus.ACTIVE, [(INIT, ResultStatus.OK), (SPAWN, None)], "running Spawn", False),
        (
            SessionStatus.ACTIVE,
            [(INIT, ResultStatus.OK), (SPAWN, ResultStatus.ERROR)],
            "not implemented: SpawnComponentCodingSessions failed; waiting for you",
            True,
        ),
        (SessionStatus.FAILED, [(INIT, ResultStatus.ERROR)], "not implemented (failed)", True),
        (SessionStatus.CANCELLED, [], "not implemented (cancelled)", True),
        (SessionStatus.COMPLETE, [(INIT, ResultStatus.OK)], "implemented", False),
    ],
    ids=["new", "running", "validation-failed", "failed", "cancelled", "complete"],
)
def test_a_run_that_stopped_is_told_apart_from_one_that_runs(
    status: SessionStatus,
    records: list[tuple[str, ResultStatus | None]],
    said: str,
    takes_up: bool,
) -> None:
    session = recorded_session(*records).model_copy(update={"status": status})

    assert outcome(session).startswith(said)
    assert Action.RETRY.applies(session) is takes_up
    assert Action.RESUME.applies(session) is takes_up
    assert Action.CANCEL.applies(session) is (status is SessionStatus.ACTIVE)
