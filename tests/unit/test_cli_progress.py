"""The live board and the plain log lines, fed the events the runner sends while it works."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.text import Text

from codemyspec.cli import progress
from codemyspec.cli.progress import LogLines, ProgressBoard, ServerWaits
from codemyspec.commands import Result, ShellCommand
from codemyspec.components import Component, ComponentType
from codemyspec.remote import ServerWait
from codemyspec.sessions import ExecutionMode, Interaction, Session, SessionStatus
from codemyspec.test_reports import FailedCase, SuiteReport

T0 = datetime(2025, 1, 1, tzinfo=UTC)
PARENT_ID = 1
SPAWN = "ContextCodingSessions.Steps.SpawnComponentCodingSessions"


def component(ident: int, module_name: str, kind: ComponentType) -> Component:
    return Component(
        id=ident,
        account_id=1,
        project_id=1,
        name=module_name.rsplit(".", 1)[-1],
        module_name=module_name,
        type=kind,
        parent_component_id=None if kind is ComponentType.CONTEXT else 1,
    )


def interaction(ident: int, session_id: int, step: str, result: Result | None) -> Interaction:
    return Interaction(
        id=ident,
        session_id=session_id,
        step=step,
        command=ShellCommand(module=step, programs=[["true"]]),
        result=result,
        started_at=T0 + timedelta(seconds=ident),
        completed_at=None if result is None else T0 + timedelta(seconds=ident + 1),
    )


def session(
    ident: int,
    module_name: str,
    interactions: list[Interaction],
    status: SessionStatus = SessionStatus.ACTIVE,
) -> Session:
    """A parent (``ident`` 1, the context) or a child of it, interactions newest first."""
    is_parent = ident == PARENT_ID
    return Session(
        id=ident,
        account_id=1,
        project_id=1,
        component_id=ident,
        session_id=None if is_parent else PARENT_ID,
        type="ContextCodingSessions" if is_parent else "ComponentCodingSessions",
        status=status,
        execution_mode=ExecutionMode.AGENTIC,
        environment_type="local",
        inserted_at=T0,
        updated_at=T0,
        component=component(
            ident, module_name, ComponentType.CONTEXT if is_parent else ComponentType.OTHER
        ),
        interactions=list(reversed(interactions)),
    )


def run_tests_result(tests: int, failures: int = 0) -> Result:
    """A RunTests result as the executor records it."""
    report = SuiteReport(
        tests=tests,
        failures=failures,
        failed_cases=[FailedCase(test_id=f"t::{i}", message="boom") for i in range(failures)],
    )
    data = {"test_run": {**report.model_dump(mode="json"), "summary": report.summary()}}
    if failures:
        return Result.error(f"unit tests failed: {report.summary()}", data=data)
    return Result.ok(data=data)


def step(name: str) -> str:
    return f"ComponentCodingSessions.Steps.{name}"


def rendered(board: ProgressBoard) -> list[str]:
    out = io.StringIO()
    Console(file=out, force_terminal=True, width=120).print(board)
    return Text.from_ansi(out.getvalue()).plain.splitlines()


def row(lines: list[str], name: str) -> list[str]:
    return next(line for line in lines if line.lstrip().startswith(name)).split()


def test_the_board_shows_the_parents_step_and_a_row_per_child() -> None:
    board = ProgressBoard("Billing · session 1")
    spawn = interaction(2, PARENT_ID, SPAWN, None)
    board.observe(session(PARENT_ID, "Billing", [spawn]), spawn, None)

    # Money: generated, tests failed once, fixed, tests passed, finalized.
    generate = interaction(3, 2, step("GenerateImplementation"), Result.ok())
    failing = interaction(4, 2, step("RunTests"), run_tests_result(1, failures=1))
    fix = interaction(5, 2, step("FixTestFailures"), Result.ok())
    passing = interaction(6, 2, step("RunTests"), run_tests_result(1))
    money = session(2, "Billing.Money", [generate, failing, fix, passing])
    board.observe(money, passing, passing.result)
    finalize = interaction(7, 2, step("Finalize"), Result.ok())
    done = session(2, "Billing.Money", [generate, failing, fix, passing, finalize])
    done = done.model_copy(update={"status": SessionStatus.COMPLETE})
    board.observe(done, finalize, finalize.result)

    # Tax: its agent is still writing.
    writing = interaction(8, 3, step("GenerateImplementation"), None)
    board.observe(session(3, "Billing.Tax", [writing]), writing, None)

    lines = rendered(board)

    assert lines[0].split()[:5] == ["Billing", "·", "session", "1", "SpawnComponentCodingSessions"]
    assert lines[1].split() == ["component", "step", "fix", "round", "tests", "time", "status"]
    assert row(lines, "Billing.Money") == [
        "Billing.Money",
        "Finalize",
        "1",
        "1",
        "passed",
        "0s",
        "complete",
    ]
    assert row(lines, "Billing.Tax") == ["Billing.Tax", "GenerateImplementation", "0s", "running"]
    assert len(lines) == 4


def test_the_board_shows_a_failed_child_and_the_parents_finished_step() -> None:
    board = ProgressBoard("Billing · session 1")
    failing = interaction(3, 2, step("RunTests"), run_tests_result(2, failures=1))
    tax = session(2, "Billing.Tax", [failing], status=SessionStatus.FAILED)
    board.observe(tax, failing, failing.result)
    spawned = interaction(4, PARENT_ID, SPAWN, Result.error("Child sessions failed: Tax"))
    board.observe(session(PARENT_ID, "Billing", [spawned]), spawned, spawned.result)

    lines = rendered(board)

    assert "SpawnComponentCodingSessions error" in lines[0]
    assert row(lines, "Billing.Tax") == [
        "Billing.Tax",
        "RunTests",
        "1",
        "passed,",
        "1",
        "failed",
        "0s",
        "failed",
    ]
    assert lines[-1] == "Billing.Tax: t::0: boom", "the first cause under the table"


def test_log_lines_say_when_each_step_starts_and_how_it_ended() -> None:
    out = io.StringIO()
    log = LogLines(Console(file=out, width=120))
    generate = interaction(3, 2, step("GenerateImplementation"), None)
    log.observe(session(2, "Billing.Money", [generate]), generate, None)
    generated = interaction(3, 2, step("GenerateImplementation"), Result.ok())
    log.observe(session(2, "Billing.Money", [generated]), generated, generated.result)
    tested = interaction(4, 2, step("RunTests"), run_tests_result(3))
    log.observe(session(2, "Billing.Money", [generated, tested]), tested, tested.result)
    crash = interaction(5, 3, step("GenerateImplementation"), None)
    log.observe(session(3, "Billing.Tax", [crash]), crash, None)
    crashed = Result.error("agent 'scripted' exited with 3: out of tokens\ntraceback...")
    failed = session(3, "Billing.Tax", [crash], status=SessionStatus.FAILED)
    log.observe(failed, crash, crashed)

    lines = out.getvalue().splitlines()

    assert lines[0] == "Billing.Money: GenerateImplementation started"
    assert lines[1].startswith("Billing.Money: GenerateImplementation ok (")
    assert lines[2].startswith("Billing.Money: RunTests ok (")
    assert lines[2].endswith(" tests: 3 passed")
    assert lines[3] == "Billing.Tax: GenerateImplementation started"
    assert lines[4].startswith("Billing.Tax: GenerateImplementation error (")
    assert lines[4].endswith(" — agent 'scripted' exited with 3: out of tokens; Billing.Tax failed")
    assert len(lines) == 5
    assert "\x1b[" not in out.getvalue()


def test_a_test_run_without_counts_shows_its_first_error_line() -> None:
    broken = Result.error(
        "no report", data={"test_run": {"error": "pytest exited with 4\nusage: ...", "tests": 0}}
    )

    assert progress.tests_summary(broken) == "pytest exited with 4"
    assert progress.tests_summary(Result.ok()) is None
    assert progress.tests_summary(None) is None


URL = "http://server:8000"


def test_plain_lines_say_the_server_is_waited_for_now_and_then_and_when_it_is_back() -> None:
    out = io.StringIO()
    waits = ServerWaits(Console(file=out, width=200), every=10)
    cause = "could not be reached: [Errno 111] Connection refused"
    for seconds in (0.0, 2.0, 4.0, 10.5, 12.0, 21.0):
        waits(ServerWait(URL, seconds, 300, cause))
    waits(ServerWait(URL, 23.4, 300, back=True))

    assert out.getvalue().splitlines() == [
        f"waiting for the server at {URL} (0s)… {cause}; the run stops if it is away for 300s",
        f"waiting for the server at {URL} (10s)…",
        f"waiting for the server at {URL} (21s)…",
        f"server back at {URL} after 23s; the run goes on",
    ]


def test_the_board_shows_the_wait_in_its_header_until_the_server_is_back() -> None:
    out = io.StringIO()
    board = ProgressBoard("Billing · session 1")
    waits = ServerWaits(Console(file=out, width=200), board)

    waits(ServerWait(URL, 3.0, 300, "could not be reached"))

    assert f"waiting for the server at {URL} (3s)…" in rendered(board)[0]
    assert out.getvalue() == ""
    waits(ServerWait(URL, 7.0, 300, back=True))
    assert "waiting" not in rendered(board)[0]
    assert out.getvalue() == f"server back at {URL} after 7s; the run goes on\n"


def test_waits_for_a_busy_model_show_under_the_table_and_concurrency_in_the_header() -> None:
    board = ProgressBoard("Billing · session 1")
    writing = interaction(3, 2, step("GenerateImplementation"), None)
    board.observe(session(2, "Billing.Money", [writing]), writing, None)
    board.notice("Billing.Money", "waiting: model overloaded (529), retry 2/6 in 8 s")
    board.notice(None, "concurrency lowered to 1 (rate limited)")

    lines = rendered(board)

    assert lines[0].endswith("concurrency lowered to 1 (rate limited)")
    assert lines[-1] == "Billing.Money: waiting: model overloaded (529), retry 2/6 in 8 s"
    generated = interaction(3, 2, step("GenerateImplementation"), Result.ok())
    board.observe(session(2, "Billing.Money", [generated]), generated, generated.result)
    assert len(rendered(board)) == 3, "the wait is over once its step ends"

    out = io.StringIO()
    log = LogLines(Console(file=out, width=120))
    log.notice("Billing.Money", "waiting: model rate limited (429), retry 1/6 in 30 s")
    log.notice(None, "concurrency raised to 2")
    assert out.getvalue().splitlines() == [
        "Billing.Money: waiting: model rate limited (429), retry 1/6 in 30 s",
        "concurrency raised to 2",
    ]


def test_the_board_shows_the_runs_spend_against_its_budget_as_agent_runs_end() -> None:
    board = ProgressBoard("Billing · session 1")
    spawn = interaction(2, PARENT_ID, SPAWN, None)
    parent = session(PARENT_ID, "Billing", [spawn]).model_copy(
        update={
            "state": {
                "limits": {"budget_usd": 5.0, "budget_tokens": 200_000},
                "spent": {"cost_usd": 1.25, "tokens": 40_000},  # an earlier attempt's
            }
        }
    )
    board.observe(parent, spawn, None)
    usage = {"cost_usd": 0.5, "input_tokens": 9_000.0, "output_tokens": 1_000.0}
    generated = interaction(3, 2, step("GenerateImplementation"), Result.ok(data={"usage": usage}))
    board.observe(session(2, "Billing.Money", [generated]), generated, generated.result)

    assert "spent $1.75 of $5.00 · 50,000 tokens of 200,000" in rendered(board)[0]
