"""Ask a busy model again, instead of failing the child: backoff with jitter, the API's
retry-after honoured, the conversation kept, every run through the shared ``Throttle``."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from codemyspec.agents import Agent, AgentRequest, AgentRun, ModelWait
from codemyspec.component_coding_sessions import duration
from codemyspec.runner.config import DEFAULT_RATE_LIMIT_RETRIES
from codemyspec.runner.throttle import Throttle

BACKOFF_FIRST = 2.0
BACKOFF_CAP = 300.0
BACKOFF_JITTER = 0.25
#: What a retried run is told, in the conversation that already holds the task.
CARRY_ON = (
    "The model was too busy to answer a moment ago and the run stopped. Carry on with the "
    "task where you left off."
)

Sleep = Callable[[float, threading.Event], bool]
"""Waits ``seconds`` unless cancelled first; True when the whole wait passed."""
Notice = Callable[[str], None]


def cancellable_sleep(seconds: float, cancel: threading.Event) -> bool:
    return not cancel.wait(seconds)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential from ``first`` (doubling, up to ``cap``), ± ``jitter`` so runs that
    were refused together do not ask again together; never less than the retry-after."""

    first: float = BACKOFF_FIRST
    cap: float = BACKOFF_CAP
    jitter: float = BACKOFF_JITTER
    #: A number in [0, 1) per delay: the jitter's draw.
    draw: Callable[[], float] = random.random

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        base = min(self.cap, self.first * 2.0 ** (retry - 1))
        jittered = base * (1 + self.jitter * (2 * self.draw() - 1))
        return max(jittered, retry_after or 0.0)


@dataclass(slots=True)
class ModelRetries:
    """Runs an agent until it is done, or fails for a reason other than a busy model, or
    ``retries`` retries (or the agent timeout) are used up.

    ``sleep`` and ``clock`` are the seams a test moves time through.
    """

    throttle: Throttle
    retries: int = DEFAULT_RATE_LIMIT_RETRIES
    backoff: Backoff = field(default_factory=Backoff)
    sleep: Sleep = cancellable_sleep
    clock: Callable[[], float] = time.monotonic

    def run(
        self, agent: Agent, request: AgentRequest, cancel: threading.Event, notice: Notice
    ) -> AgentRun:
        """The last run, with every run's usage summed and every wait for the model in
        ``waits`` (the agent's own and ours)."""
        started = self.clock()
        usage: dict[str, float] = {}
        waits: list[ModelWait] = []
        current, tries = request, 0
        while True:
            with self.throttle.slot(cancel) as ticket:
                if ticket is None:
                    return AgentRun(ok=False, error=f"{agent.name} was cancelled", usage=usage)
                run = agent.run(current, cancel)
                tries += 1
                if run.busy is not None:
                    self.throttle.busy(ticket)
            usage = {k: usage.get(k, 0.0) + run.usage.get(k, 0.0) for k in {*usage, *run.usage}}
            waits += run.waits
            done = replace(run, usage=usage, waits=tuple(waits))
            if run.busy is None or cancel.is_set():
                if run.ok:
                    self.throttle.answered()
                return done
            elapsed = self.clock() - started
            delay = self.backoff.delay(tries, run.busy.retry_after)
            if tries > self.retries or elapsed + delay >= request.timeout:
                spent = f"{tries} tr{'y' if tries == 1 else 'ies'} over {duration(elapsed)}"
                return replace(done, error=f"{run.busy.describe()} after {spent}")
            notice(f"waiting: {run.busy.describe()}, retry {tries}/{self.retries} in {delay:.0f} s")
            waits.append(ModelWait(run.busy.status, delay))
            if not self.sleep(delay, cancel):
                error = f"{agent.name} was cancelled while waiting for the model"
                return replace(done, error=error, busy=None, waits=tuple(waits))
            current = _again(request, run, request.timeout - (self.clock() - started))


def _again(request: AgentRequest, run: AgentRun, timeout: float) -> AgentRequest:
    """The next try: the same conversation when the agent started one (its work kept)."""
    if run.conversation_id is None:
        return replace(request, timeout=timeout)
    return replace(
        request, prompt=CARRY_ON, resume_conversation_id=run.conversation_id, timeout=timeout
    )
