"""The ComponentCodingSessions routing table, and the runner's dependency graph."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from codemyspec.component_coding_sessions import (
    Finalize,
    FixTestFailures,
    GenerateImplementation,
    Initialize,
    RunTests,
    orchestrator,
)
from codemyspec.components import Component, ComponentType
from codemyspec.errors import InvalidInteractionError, SessionCompleteError
from codemyspec.runner import dependency_graph, find_cycle
from codemyspec.sessions import (
    Command,
    CommandKind,
    ExecutionMode,
    Interaction,
    Result,
    ResultStatus,
    Session,
    SessionStatus,
    Step,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def interaction(step: str, status: ResultStatus | None, number: int = 1) -> Interaction:
    return Interaction(
        id=number,
        session_id=1,
        step=step,
        command=Command(module=step, command=CommandKind.SHELL, programs=[["true"]]),
        result=Result(status=status) if status is not None else None,
        started_at=NOW,
    )


def session(*interactions: Interaction, children: list[Session] | None = None) -> Session:
    return Session(
        id=1,
        account_id=1,
        type="ComponentCodingSessions",
        status=SessionStatus.ACTIVE,
        execution_mode=ExecutionMode.AGENTIC,
        environment_type="local",
        inserted_at=NOW,
        updated_at=NOW,
        interactions=list(interactions),
        child_sessions=children or [],
    )


OK, ERROR, WARNING = ResultStatus.OK, ResultStatus.ERROR, ResultStatus.WARNING


@pytest.mark.parametrize(
    ("last_step", "status", "expected"),
    [
        (Initialize, OK, GenerateImplementation),
        (Initialize, ERROR, Initialize),
        (GenerateImplementation, OK, RunTests),
        (GenerateImplementation, ERROR, GenerateImplementation),
        (RunTests, OK, Finalize),
        (RunTests, ERROR, FixTestFailures),
        (RunTests, WARNING, RunTests),
        (FixTestFailures, OK, RunTests),
        (FixTestFailures, ERROR, FixTestFailures),
        (Finalize, ERROR, Finalize),
    ],
)
def test_the_next_step_follows_the_routing_table(
    last_step: Step, status: ResultStatus, expected: Step
) -> None:
    assert (
        orchestrator.get_next_interaction(session(interaction(last_step.name, status))) is expected
    )


def test_a_new_session_and_a_pending_one_start_with_initialize() -> None:
    assert orchestrator.get_next_interaction(session()) is Initialize
    pending = interaction(Initialize.name, None)
    assert orchestrator.get_next_interaction(session(pending)) is Initialize


def test_finalize_ok_completes_the_session_and_only_it_does() -> None:
    done = session(interaction(Finalize.name, OK, 2), interaction(RunTests.name, OK, 1))
    with pytest.raises(SessionCompleteError):
        orchestrator.get_next_interaction(done)
    assert orchestrator.complete(done)
    assert not orchestrator.complete(session(interaction(RunTests.name, OK)))
    assert not orchestrator.complete(session())


def test_an_unknown_step_is_an_invalid_interaction() -> None:
    with pytest.raises(InvalidInteractionError, match="Nope"):
        orchestrator.get_next_interaction(session(interaction("Nope", OK)))


def test_the_steps_are_in_workflow_order() -> None:
    assert orchestrator.steps() == [
        Initialize,
        GenerateImplementation,
        RunTests,
        FixTestFailures,
        Finalize,
    ]


def child(number: int, name: str, uses: list[str]) -> Session:
    component = Component(
        id=number,
        account_id=1,
        project_id=1,
        name=name,
        module_name=f"Billing.{name}",
        type=ComponentType.OTHER,
        dependencies=[f"Billing.{u}" for u in uses],
    )
    return session().model_copy(update={"id": number, "component": component})


def test_dependencies_become_a_graph_of_sibling_sessions() -> None:
    children = [child(1, "A", []), child(2, "B", ["A"]), child(3, "C", ["B", "Elsewhere"])]
    assert dependency_graph(children) == {1: set(), 2: {1}, 3: {2}}
    assert find_cycle(dependency_graph(children)) is None


def test_a_dependency_cycle_is_found_and_named() -> None:
    children = [child(1, "A", ["C"]), child(2, "B", ["A"]), child(3, "C", ["B"])]
    assert find_cycle(dependency_graph(children)) == [1, 3, 2, 1]
