"""The ComponentCodingSessions routing table, and the runner's dependency graph."""

from __future__ import annotations

import pytest

from codemyspec.component_coding_sessions import (
    Finalize,
    FixTestFailures,
    GenerateImplementation,
    Initialize,
    PrepareRepair,
    RunTests,
    orchestrator,
)
from codemyspec.components import Component, ComponentType
from codemyspec.errors import InvalidInteractionError, SessionCompleteError
from codemyspec.graphs import find_cycle
from codemyspec.runner import dependency_graph
from codemyspec.sessions import ResultStatus, Session, Step
from tests.support.recorded import Record, recorded_session


def session(*records: Record) -> Session:
    return recorded_session(*records, session_type="ComponentCodingSessions")


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
        (PrepareRepair, OK, FixTestFailures),
        (PrepareRepair, ERROR, PrepareRepair),
    ],
)
def test_the_next_step_follows_the_routing_table(
    last_step: Step, status: ResultStatus, expected: Step
) -> None:
    assert orchestrator.get_next_interaction(session((last_step.name, status))) is expected


def test_a_new_session_and_a_pending_one_start_with_initialize() -> None:
    assert orchestrator.get_next_interaction(session()) is Initialize
    assert orchestrator.get_next_interaction(session((Initialize.name, None))) is Initialize


def test_finalize_ok_completes_the_session_and_only_it_does() -> None:
    done = session((RunTests.name, OK), (Finalize.name, OK))
    with pytest.raises(SessionCompleteError):
        orchestrator.get_next_interaction(done)
    assert orchestrator.complete(done)
    assert not orchestrator.complete(session((RunTests.name, OK)))
    assert not orchestrator.complete(session())


def test_a_finished_session_reopened_for_a_repair_prepares_it() -> None:
    done = session((RunTests.name, OK), (Finalize.name, OK))
    reopened = done.model_copy(update={"state": {"repair": {"merge_branches": ["b--other"]}}})
    assert orchestrator.get_next_interaction(reopened) is PrepareRepair


def test_an_unknown_step_is_an_invalid_interaction() -> None:
    with pytest.raises(InvalidInteractionError, match="Nope"):
        orchestrator.get_next_interaction(session(("Nope", OK)))


def test_the_steps_are_in_workflow_order() -> None:
    assert orchestrator.steps() == [
        Initialize,
        GenerateImplementation,
        RunTests,
        FixTestFailures,
        Finalize,
        PrepareRepair,
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
