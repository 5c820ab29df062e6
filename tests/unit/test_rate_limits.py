"""The throttle's limit goes down on busy answers and back up when quiet; the backoff grows."""

from __future__ import annotations

import threading

import pytest

from codemyspec.component_coding_sessions import ModelWaits
from codemyspec.runner.model_retries import Backoff
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
