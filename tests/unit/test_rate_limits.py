"""The throttle's limit goes down on busy answers and back up when quiet; the backoff grows."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from codemyspec.agents import AgentRequest, AgentRun, ModelBusy
from codemyspec.component_coding_sessions import ModelWaits
from codemyspec.runner.model_retries import Backoff, ModelRetries
from codemyspec.runner.throttle import Throttle

TIMES = "\N{MULTIPLICATION SIGN}"


class Ticking:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_busy_answer_halves_the_limit_once_per_burst_and_quiet_raises_it_back() -> None:
    said: list[str] = []
    clock = Ticking()
    throttle = Throttle(4, quiet_runs=2, quiet_seconds=60, clock=clock, said=said.append)
    go = threading.Event()
    with throttle.slot(go) as first, throttle.slot(go) as second:
        assert first is not None and second is not None
        throttle.busy(first)
        throttle.busy(second)  # started with the first: the same burst
    assert throttle.limit == 2
    with throttle.slot(go) as third:
        assert third is not None
        throttle.busy(third)  # started after the lowering: a new one
    assert throttle.limit == 1
    throttle.answered()
    throttle.answered()
    assert throttle.limit == 2
    clock.now += 60  # a quiet minute without a run done
    with throttle.slot(go):
        pass
    throttle.answered()
    clock.now += 60
    throttle.answered()
    assert throttle.limit == 4
    assert said == [
        "concurrency lowered to 2 (rate limited)",
        "concurrency lowered to 1 (rate limited)",
        "concurrency raised to 2",
        "concurrency raised to 3",
        "concurrency raised to 4",
    ]


def test_without_a_ceiling_the_limit_returns_to_none_above_what_ran() -> None:
    said: list[str] = []
    throttle = Throttle(None, quiet_runs=1, clock=Ticking(), said=said.append)
    go = threading.Event()
    with throttle.slot(go) as a, throttle.slot(go), throttle.slot(go):
        assert a is not None
        throttle.busy(a)
    assert throttle.limit == 1
    throttle.answered()
    throttle.answered()
    assert throttle.limit is None
    assert said[-1] == "concurrency raised to 3"


def test_a_run_waits_at_a_full_gate_until_a_place_frees_or_it_is_cancelled() -> None:
    throttle = Throttle(1, clock=Ticking())
    go, stop = threading.Event(), threading.Event()
    entered: list[object] = []

    def second() -> None:
        with throttle.slot(go) as ticket:
            entered.append(ticket)

    with throttle.slot(go):
        waiter = threading.Thread(target=second)
        waiter.start()
        waiter.join(0.2)
        assert entered == []  # held at the gate while the first runs
    waiter.join(10)
    assert len(entered) == 1 and entered[0] is not None
    stop.set()
    with throttle.slot(go), throttle.slot(stop) as cancelled:
        assert cancelled is None


def test_the_backoff_doubles_with_jitter_up_to_its_cap_and_honours_retry_after() -> None:
    exact = Backoff(first=2, cap=30, jitter=0.25, draw=lambda: 0.5)
    assert [exact.delay(n) for n in range(1, 7)] == [2, 4, 8, 16, 30, 30]
    low = Backoff(first=2, jitter=0.25, draw=lambda: 0.0)
    high = Backoff(first=2, jitter=0.25, draw=lambda: 0.999999)
    assert low.delay(1) == 1.5
    assert high.delay(1) == pytest.approx(2.5)
    assert exact.delay(1, retry_after=12) == 12
    assert exact.delay(3, retry_after=1) == 8


def test_waits_are_summed_and_told_by_status() -> None:
    waits = ModelWaits.of([(529, 8.0), (429, 30.0)]).plus(ModelWaits.of([(429, 2.4), (None, 1)]))
    told = f"41 s for the model (429 {TIMES}2, 529 {TIMES}1, no status {TIMES}1)"
    assert waits.describe() == told
    assert ModelWaits.of([(529, 190)]).describe() == f"3m10s for the model (529 {TIMES}1)"


class BusyAgent:
    """An agent port whose every run the model refuses (what Claude Code reports then)."""

    name = "busy"

    def __init__(self) -> None:
        self.requests: list[AgentRequest] = []

    def run(self, request: AgentRequest, cancel: threading.Event) -> AgentRun:
        self.requests.append(request)
        return AgentRun(
            ok=False,
            conversation_id="c1",
            error="claude_code: the model answered 529 overloaded to 1 of 1 requests",
            usage={"cost_usd": 0.01},
            busy=ModelBusy(529, "overloaded"),
        )


def retrying(timeout: float = 600) -> tuple[ModelRetries, BusyAgent, AgentRequest]:
    retries = ModelRetries(Throttle(None, clock=Ticking()), 3, Backoff(first=10, jitter=0))
    return retries, BusyAgent(), AgentRequest(prompt="write it", cwd=Path(), timeout=timeout)


def test_a_wait_cut_short_by_a_cancel_ends_the_run_as_cancelled() -> None:
    retries, agent, request = retrying()
    cancel = threading.Event()

    def interrupted(seconds: float, cancelled: threading.Event) -> bool:
        cancelled.set()  # Ctrl-C during the wait
        return False

    retries.sleep = interrupted
    run = retries.run(agent, request, cancel, lambda _: None)

    assert run.error == "busy was cancelled while waiting for the model"
    assert len(agent.requests) == 1


def test_retries_continue_the_conversation_and_stop_within_the_agent_timeout() -> None:
    retries, agent, request = retrying(timeout=45)
    clock = Ticking()
    slept: list[float] = []

    def sleep(seconds: float, cancel: threading.Event) -> bool:
        slept.append(seconds)
        clock.now += seconds
        return True

    retries.sleep, retries.clock = sleep, clock
    run = retries.run(agent, request, threading.Event(), lambda _: None)

    assert slept == [10, 20]  # a third wait of 40 s would pass the 45 s timeout
    assert run.error == "model overloaded (529) after 3 tries over 30 s"
    assert [r.resume_conversation_id for r in agent.requests] == [None, "c1", "c1"]
    assert [r.timeout for r in agent.requests] == [45, 35, 15]
    assert run.usage == {"cost_usd": pytest.approx(0.03)}
    assert [(w.status, w.seconds) for w in run.waits] == [(529, 10), (529, 20)]
