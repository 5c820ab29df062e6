"""How many agent runs may ask the model at once: fewer while it is busy, more once it is not.

Additive increase, multiplicative decrease: a busy answer (429, 529, ...) halves the limit
(down to 1); after a quiet spell (``quiet_runs`` runs done without one, or
``quiet_seconds`` without one) it goes up by one, back to the configured concurrency.
Runs that started before the latest lowering do not lower it again: a burst of busy
answers to runs started together halves the limit once, not once per run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

QUIET_RUNS = 2
QUIET_SECONDS = 60.0
#: How often a run waiting at the gate looks at the clock (and at its cancel).
GATE_POLL_SECONDS = 0.5

Said = Callable[[str], None]
"""Where the throttle tells what it did (``concurrency lowered to 2 (rate limited)``)."""


@dataclass(frozen=True, slots=True)
class Ticket:
    """A run's place at the gate: the lowering it started after."""

    epoch: int


class Throttle:
    """A gate with an adjustable limit; ``ceiling`` None means no limit when all is quiet."""

    def __init__(
        self,
        ceiling: int | None,
        *,
        quiet_runs: int = QUIET_RUNS,
        quiet_seconds: float = QUIET_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        said: Said | None = None,
    ) -> None:
        self.ceiling = ceiling
        self.quiet_runs = quiet_runs
        self.quiet_seconds = quiet_seconds
        self.clock = clock
        self.said = said or (lambda _: None)
        #: The runs allowed at once now (None: no limit).
        self.limit: int | None = ceiling
        self.running = 0
        self._top = ceiling
        self._epoch = 0
        self._good = 0
        self._quiet_since = clock()
        self._changed = threading.Condition()

    @contextmanager
    def slot(self, cancel: threading.Event) -> Iterator[Ticket | None]:
        """Hold a place while the run asks the model; None when cancelled while waiting."""
        with self._changed:
            while not cancel.is_set():
                self._raise_when_quiet()
                if self.limit is None or self.running < self.limit:
                    break
                self._changed.wait(GATE_POLL_SECONDS)
            if cancel.is_set():
                ticket = None
            else:
                self.running += 1
                ticket = Ticket(self._epoch)
        try:
            yield ticket
        finally:
            if ticket is not None:
                with self._changed:
                    self.running -= 1
                    self._changed.notify_all()

    def busy(self, ticket: Ticket) -> None:
        """The model answered the run holding ``ticket`` (still held) that it is too busy."""
        with self._changed:
            self._good = 0
            self._quiet_since = self.clock()
            if ticket.epoch != self._epoch:
                return  # started before the latest lowering, which already counted it
            current = self.limit if self.limit is not None else max(self.running, 1)
            if self._top is None:  # no ceiling: back to no limit above what ran at once
                self._top = max(current, 2)
            self._epoch += 1
            lowered = max(1, current // 2)
            if lowered != self.limit:
                self.limit = lowered
                self.said(f"concurrency lowered to {lowered} (rate limited)")

    def answered(self) -> None:
        """A run got its answers: a step towards raising the limit again."""
        with self._changed:
            self._good += 1
            self._raise_when_quiet()

    def _raise_when_quiet(self) -> None:
        if self.limit is None or self._top is None or self.limit >= self._top:
            return
        quiet = self.clock() - self._quiet_since >= self.quiet_seconds
        if self._good < self.quiet_runs and not quiet:
            return
        self.limit += 1
        self._good = 0
        self._quiet_since = self.clock()
        self.said(f"concurrency raised to {self.limit}")
        if self.limit >= self._top and self.ceiling is None:
            self.limit = self._top = None  # back to every ready child at once
        self._changed.notify_all()
