"""Time a test moves by hand: a clock for the engine, a wait for the claims renewer."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from codemyspec.clock import utcnow

STEP_TIMEOUT = 30.0


class FakeClock:
    """Stands still until ``advance`` moves it; starts at the real time."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class SteppedWait:
    """A wait that returns only when the test calls ``step`` (or ``finish``).

    ``waited`` lists the seconds each call asked for, so a test sees the interval too.
    """

    def __init__(self) -> None:
        self.waited: list[float] = []
        self._released = 0
        self._changed = threading.Condition()

    def __call__(self, seconds: float) -> None:
        with self._changed:
            self.waited.append(seconds)
            ticket = len(self.waited)
            self._changed.notify_all()
            self._changed.wait_for(lambda: self._released >= ticket)

    def step(self) -> None:
        """Let the waiting thread go, and return once it waits again: its round is done."""
        with self._changed:
            self._await(lambda: len(self.waited) > self._released, "nothing waits to be stepped")
            self._released = len(self.waited)
            self._changed.notify_all()
            self._await(lambda: len(self.waited) > self._released, "the waiter did not wait again")

    def finish(self) -> None:
        """Stop holding anyone back: every wait, now or later, returns at once."""
        with self._changed:
            self._released = 1 << 62
            self._changed.notify_all()

    def _await(self, condition: Callable[[], bool], failure: str) -> None:
        if not self._changed.wait_for(condition, STEP_TIMEOUT):
            raise AssertionError(failure)


class SkippedTime:
    """A sleep that returns at once and a monotonic clock that counts what was slept, so
    a run's waits are real to the code that reads the clock but cost the test nothing."""

    def __init__(self) -> None:
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def sleep(self, seconds: float, cancel: threading.Event) -> bool:
        with self._lock:
            self.slept.append(seconds)
        return not cancel.is_set()

    def clock(self) -> float:
        with self._lock:
            return time.monotonic() + sum(self.slept)
