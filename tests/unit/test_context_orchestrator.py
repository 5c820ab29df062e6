"""The ContextCodingSessions orchestrator as a pure routing table over hand-built sessions."""

from __future__ import annotations

import pytest

from codemyspec.context_coding_sessions import (
    Finalize,
    Initialize,
    OpenPullRequest,
    SpawnComponentCodingSessions,
    orchestrator,
)
from codemyspec.errors import InvalidInteractionError, SessionCompleteError
from codemyspec.sessions import ResultStatus, Session
from tests.support.recorded import Record, interaction, recorded_session

OK, ERROR, WARNING = ResultStatus.OK, ResultStatus.ERROR, ResultStatus.WARNING
PENDING = None


def session(*records: Record) -> Session:
    return recorded_session(*records)


INIT = Initialize.name
SPAWN = SpawnComponentCodingSessions.name
FINAL = Finalize.name


def test_steps_are_initialize_spawn_finalize_and_the_pull_request_in_that_order() -> None:
    assert orchestrator.steps() == [
        Initialize,
        SpawnComponentCodingSessions,
        Finalize,
        OpenPullRequest,
    ]


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        pytest.param((), Initialize, id="nothing-yet"),
        pytest.param(((INIT, PENDING),), Initialize, id="only-a-pending-initialize"),
        pytest.param(((INIT, OK),), SpawnComponentCodingSessions, id="initialize-ok"),
        pytest.param(((INIT, ERROR),), Initialize, id="initialize-error"),
        pytest.param(((INIT, WARNING),), Initialize, id="initialize-warning"),
        pytest.param(((INIT, OK), (SPAWN, OK)), Finalize, id="spawn-ok"),
        pytest.param(((INIT, OK), (SPAWN, ERROR)), SpawnComponentCodingSessions, id="spawn-error"),
        pytest.param(
            ((INIT, OK), (SPAWN, WARNING)), SpawnComponentCodingSessions, id="spawn-warning"
        ),
        pytest.param(((INIT, OK), (SPAWN, OK), (FINAL, ERROR)), Finalize, id="finalize-error"),
        pytest.param(((INIT, OK), (SPAWN, OK), (FINAL, WARNING)), Finalize, id="finalize-warning"),
        pytest.param(
            ((INIT, ERROR), (INIT, OK)), SpawnComponentCodingSessions, id="initialize-retried-ok"
        ),
        pytest.param(
            ((INIT, OK), (SPAWN, ERROR), (SPAWN, ERROR), (SPAWN, OK)),
            Finalize,
            id="validation-loop-then-ok",
        ),
        pytest.param(
            ((INIT, OK), (SPAWN, OK), (FINAL, ERROR), (FINAL, OK), (INIT, OK)),
            SpawnComponentCodingSessions,
            id="only-the-newest-completed-routes",
        ),
    ],
)
def test_the_next_step_follows_the_routing_table(
    history: tuple[Record, ...], expected: object
) -> None:
    assert orchestrator.get_next_interaction(session(*history)) is expected


def test_a_successful_finalize_means_the_session_is_complete() -> None:
    finished = session((INIT, OK), (SPAWN, OK), (FINAL, OK))
    with pytest.raises(SessionCompleteError, match="session 1 is complete"):
        orchestrator.get_next_interaction(finished)


def test_a_pending_interaction_newer_than_a_completed_one_does_not_route() -> None:
    # Spawn is pending: routing still looks at Initialize ok, so Spawn is the next step.
    assert (
        orchestrator.get_next_interaction(session((INIT, OK), (SPAWN, PENDING)))
        is SpawnComponentCodingSessions
    )
    # A stale pending Finalize does not hide that Spawn failed validation.
    assert (
        orchestrator.get_next_interaction(session((INIT, OK), (SPAWN, ERROR), (FINAL, PENDING)))
        is SpawnComponentCodingSessions
    )


def test_a_pending_finalize_after_a_successful_one_still_reports_complete() -> None:
    with pytest.raises(SessionCompleteError):
        orchestrator.get_next_interaction(
            session((INIT, OK), (SPAWN, OK), (FINAL, OK), (FINAL, PENDING))
        )


def test_a_step_that_is_not_part_of_the_workflow_is_an_invalid_interaction() -> None:
    foreign = "ComponentCodingSessions.Steps.RunTests"
    with pytest.raises(
        InvalidInteractionError, match=r"RunTests'? is not a step of ContextCodingSessions"
    ):
        orchestrator.get_next_interaction(session((INIT, OK), (foreign, OK)))


def test_an_unknown_step_is_invalid_even_when_it_failed() -> None:
    with pytest.raises(InvalidInteractionError, match="'Nope' is not a step"):
        orchestrator.get_next_interaction(session(("Nope", ERROR)))


def test_a_session_is_complete_only_when_its_newest_interaction_is_a_successful_finalize() -> None:
    assert orchestrator.complete(session((INIT, OK), (SPAWN, OK), (FINAL, OK)))
    assert not orchestrator.complete(session((INIT, OK), (SPAWN, OK), (FINAL, ERROR)))
    assert not orchestrator.complete(session((INIT, OK), (SPAWN, OK), (FINAL, WARNING)))
    assert not orchestrator.complete(session((INIT, OK), (SPAWN, OK), (FINAL, PENDING)))
    assert not orchestrator.complete(session((INIT, OK), (SPAWN, OK)))
    assert not orchestrator.complete(session((INIT, OK)))


def test_a_successful_finalize_that_is_not_the_newest_interaction_does_not_complete() -> None:
    assert not orchestrator.complete(session((INIT, OK), (SPAWN, OK), (FINAL, OK), (INIT, OK)))


def test_a_session_without_interactions_is_not_complete() -> None:
    assert not orchestrator.complete(session())


@pytest.mark.parametrize(
    ("step", "status", "expected"),
    [
        (FINAL, OK, True),
        (FINAL, ERROR, False),
        (FINAL, WARNING, False),
        (FINAL, PENDING, False),
        (INIT, OK, False),
        (SPAWN, OK, False),
        ("Nope", OK, False),
    ],
)
def test_an_interaction_is_complete_only_when_it_is_a_successful_finalize(
    step: str, status: ResultStatus | None, expected: bool
) -> None:
    assert orchestrator.complete(interaction(0, step, status)) is expected


def test_routing_never_changes_the_session_it_reads() -> None:
    before = session((INIT, OK), (SPAWN, ERROR), (SPAWN, PENDING))
    snapshot = before.model_dump()
    orchestrator.get_next_interaction(before)
    orchestrator.complete(before)
    assert before.model_dump() == snapshot


PR = OpenPullRequest.name
FORGE = {"pull_request": ["gh", "pr", "create", "--title", "{title}"]}


def with_state(finished: Session, **state: object) -> Session:
    return finished.model_copy(update={"state": state})


def test_a_configured_pull_request_follows_a_successful_finalize_then_completes() -> None:
    finalized = with_state(session((INIT, OK), (SPAWN, OK), (FINAL, OK)), **FORGE)
    assert orchestrator.get_next_interaction(finalized) is OpenPullRequest
    assert not orchestrator.complete(finalized)
    for status in (OK, WARNING):  # a failing forge CLI is a warning: the branch is pushed
        opened = with_state(session((INIT, OK), (SPAWN, OK), (FINAL, OK), (PR, status)), **FORGE)
        assert orchestrator.complete(opened)
        with pytest.raises(SessionCompleteError):
            orchestrator.get_next_interaction(opened)
    pending = with_state(session((INIT, OK), (SPAWN, OK), (FINAL, OK), (PR, PENDING)), **FORGE)
    assert not orchestrator.complete(pending)


def test_no_pull_request_follows_without_a_push_or_once_its_url_is_recorded() -> None:
    finalized = session((INIT, OK), (SPAWN, OK), (FINAL, OK))
    for state in ({**FORGE, "push": False}, {**FORGE, "pull_request_url": "https://x/pr/1"}):
        assert orchestrator.complete(with_state(finalized, **state))
        with pytest.raises(SessionCompleteError):
            orchestrator.get_next_interaction(with_state(finalized, **state))
