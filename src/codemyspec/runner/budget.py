"""One context run's limits and spend, shared by the agents of all its children.

Each finished agent run adds what it spent (and the runner records the total on the
context session, so a retry counts earlier attempts); a running agent reports its tokens
as they stream, so concurrent agents stop as soon as the total crosses the budget, not
only after each run. Once a limit is reached the reason sticks: every agent stops.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping

from codemyspec.clock import Clock, utcnow
from codemyspec.context_coding_sessions import RunLimits, Spend, limit_reached, usage_tokens

Record = Callable[[Spend, dict[str, Spend]], None]
"""Stores the total and each spender's (component's) share on the context session."""


class Budget:
    """Thread-safe: children's agents run in parallel threads."""

    def __init__(
        self,
        limits: RunLimits,
        spent: Spend,
        record: Record,
        clock: Clock = utcnow,
        spent_by: dict[str, Spend] | None = None,
    ) -> None:
        self.limits = limits
        self._spent = spent
        self._spent_by = dict(spent_by or {})
        self._record = record
        self._clock = clock
        self._lock = threading.Lock()
        self._live: dict[int, int] = {}
        self._keys = itertools.count()
        self._usd_spent = False
        self._reason: str | None = None

    @property
    def spent(self) -> Spend:
        """Finished runs' spend plus the tokens of those still running."""
        with self._lock:
            return self._spent.plus(tokens=sum(self._live.values()))

    def reason(self) -> str | None:
        """Why every agent must stop (``budget: ...``, ``deadline: ...``), or None."""
        with self._lock:
            if self._reason is None:
                live = self._spent.plus(tokens=sum(self._live.values()))
                now = self._clock()
                self._reason = limit_reached(self.limits, live, now, usd_spent=self._usd_spent)
            return self._reason

    def remaining_usd(self) -> float | None:
        """The dollars an agent starting now may spend (None: no dollar budget)."""
        if self.limits.budget_usd is None:
            return None
        with self._lock:
            return max(self.limits.budget_usd - self._spent.cost_usd, 0.0)

    def seconds_left(self) -> float | None:
        """Seconds until the deadline (None: no deadline)."""
        if self.limits.deadline is None:
            return None
        return (self.limits.deadline - self._clock()).total_seconds()

    def meter(self, spender: str = "") -> RunMeter:
        """The meter of one agent run about to start, for ``spender`` (a component)."""
        return RunMeter(self, next(self._keys), spender)

    def ended(self, meter: RunMeter, usage: Mapping[str, float], *, usd_spent: bool) -> None:
        """A run ended: its usage replaces what it streamed; ``usd_spent``: it stopped at the
        dollars it was given. The new total is recorded on the context session."""
        with self._lock:
            streamed = self._live.pop(meter.key, 0)
            tokens = usage_tokens(usage) or streamed
            cost = float(usage.get("cost_usd", 0.0))
            self._spent = self._spent.plus(cost, tokens)
            share = self._spent_by.get(meter.spender, Spend())
            self._spent_by[meter.spender] = share.plus(cost, tokens)
            self._usd_spent = self._usd_spent or usd_spent
            self._record(self._spent, dict(self._spent_by))  # under the lock: in order

    def streamed(self, key: int, count: int) -> None:
        """A running agent's tokens so far."""
        with self._lock:
            self._live[key] = count


class RunMeter:
    """What one agent run sees of the budget (the agents' ``Meter``)."""

    def __init__(self, budget: Budget, key: int, spender: str) -> None:
        self.budget = budget
        self.key = key
        self.spender = spender

    def tokens(self, count: int) -> None:
        self.budget.streamed(self.key, count)

    def stop_reason(self) -> str | None:
        return self.budget.reason()
