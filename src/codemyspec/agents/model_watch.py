"""What Claude Code tells us about the model during a run: is it alive, and what went wrong.

Claude Code 2.1.x reports the model's troubles on its message stream (stderr stays empty):

- a request it will retry: a ``system`` message, subtype ``api_retry``, with
  ``error_status`` (529, 500, ...; null when the connection or the stream broke), ``error``
  (``overloaded``, ``server_error``, ``unknown``, ...) and ``retry_delay_ms``;
- when it gives up: an assistant message from model ``<synthetic>`` with ``error`` set and
  text ``API Error: ...``, then a result with ``is_error``, ``terminal_reason`` ``api_error``
  and ``api_error_status`` (null for a broken connection); then it exits 1 and the SDK
  raises ``ResultError``;
- with partial messages on, stream events (``message_start``, deltas, ``message_delta``
  with the model's ``stop_reason``) while an answer streams. A stream that breaks off gets a
  ``message_stop`` from the CLI itself, never a ``message_delta``.

:class:`ModelWatch` is fed those messages as they come (it does no I/O) and answers: has
the model stalled (:meth:`ModelWatch.stalled`), and what went wrong, in words.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from claude_agent_sdk import (
    AssistantMessage,
    ResultMessage,
    StreamEvent,
    SystemMessage,
    TextBlock,
    ToolResultBlock,
    ToolUseBlock,
    UserMessage,
)

from codemyspec.agents.base import BUSY_STATUSES, ModelBusy, ModelWait

SYNTHETIC_MODEL = "<synthetic>"
LAST_WORDS_LIMIT = 300
#: Our words for the statuses the API answers with; others show the CLI's own word.
STATUS_WORDS = {
    400: "bad request",
    401: "unauthorized",
    403: "forbidden",
    404: "not found",
    413: "request too large",
    429: "rate limited",
    500: "server error",
    502: "bad gateway",
    503: "unavailable",
    504: "gateway timeout",
    529: "overloaded",
}


@dataclass(frozen=True, slots=True)
class Failure:
    """One request the model did not answer: its HTTP status, or None for a broken link."""

    status: int | None
    word: str
    mid_answer: bool


@dataclass(slots=True)
class ModelWatch:
    """Follows one run; the stall rule is in :meth:`stalled`."""

    stall_timeout: float
    clock: Callable[[], float] = time.monotonic
    failures: list[Failure] = field(default_factory=list)
    result: ResultMessage | None = None
    last_words: str | None = None
    _last_sign: float | None = None
    _retry_wait: float = 0.0
    _open_tools: dict[str, str] = field(default_factory=dict)
    _answers: set[str] = field(default_factory=set)
    _answer_begun: bool = False
    _failing: bool = False
    #: The waits Claude Code announced before asking again (``api_retry``).
    waits: list[ModelWait] = field(default_factory=list)
    #: Told the run's tokens (input plus output) each time a streamed answer adds some.
    on_tokens: Callable[[int], None] | None = None
    _tokens_before: int = 0
    _tokens_now: int = 0

    @property
    def tokens(self) -> int:
        """Input plus output tokens of every answer so far, the current one as it streams."""
        return self._tokens_before + self._tokens_now

    def heard(self, _line: str = "") -> None:
        """A line on the CLI's stderr: it is alive."""
        self._last_sign = self.clock()

    def saw(self, message: object) -> None:
        """A message from the CLI (stream events included)."""
        self._last_sign = self.clock()
        self._retry_wait = 0.0
        if isinstance(message, StreamEvent):
            self._streamed(message.event)
        elif isinstance(message, SystemMessage) and message.subtype == "api_retry":
            self._retried(message.data)
        elif isinstance(message, AssistantMessage):
            self._answered(message)
        elif isinstance(message, UserMessage) and isinstance(message.content, list):
            for block in message.content:
                if isinstance(block, ToolResultBlock):
                    self._open_tools.pop(block.tool_use_id, None)
        elif isinstance(message, ResultMessage):
            self._ended(message)

    def stalled(self) -> float | None:
        """Seconds of silence when the model counts as stalled, else None.

        The run has stalled when Claude Code is waiting for the model and nothing at all (a
        message, a stream event, a stderr line) has come for ``stall_timeout`` seconds.
        It waits for the model from its first message to the result, except while a tool
        call is open (the model asked for it and its result has not come back): Claude
        Code says nothing while a tool runs, so a pytest run of many minutes is silent
        until its result, and a busy tool is never a stall (a tool that hangs is bounded by
        ``agent_timeout`` and the tool's own timeout). After an ``api_retry`` the CLI
        sleeps ``retry_delay_ms`` before asking again: that sleep is added to the bound.
        Before its first message the CLI is starting up, not waiting for the model.
        """
        if self._last_sign is None or self._open_tools or self.result is not None:
            return None
        silence = self.clock() - self._last_sign
        return silence if silence > self.stall_timeout + self._retry_wait else None

    # -- what a failed run says ------------------------------------------------------------

    @property
    def failing(self) -> bool:
        """Did the model's latest request fail (no good answer since)?"""
        return self._failing

    def model_failed(self) -> bool:
        """Did the run end because the model's answers failed (not the agent's work)?"""
        result = self.result
        if result is None or not result.is_error:
            return False
        return result.api_error_status is not None or result.terminal_reason == "api_error"

    def busy(self) -> ModelBusy | None:
        """How the model was too busy, when that is why the run ended (429, 503, 529, or
        a status-less failure Claude Code calls overloaded or unavailable)."""
        if not self.model_failed() or self.result is None:
            return None
        status = self.result.api_error_status
        last = self.waits[-1] if self.waits else None
        retry_after = last.seconds if last is not None and last.status == status else None
        if status in BUSY_STATUSES:
            return ModelBusy(status, BUSY_STATUSES[status], retry_after)
        said = (self.last_words or "").lower()
        word = next((w for w in ("overloaded", "unavailable") if w in said), None)
        return ModelBusy(None, word, retry_after) if status is None and word else None

    def describe_failures(self) -> str | None:
        """'the model answered 529 overloaded to 3 of 3 requests (last: ...)', or None."""
        if not self.failures:
            return None
        total = len(self.failures) + len(self._answers)
        statuses = Counter(f.status for f in self.failures if f.status is not None)
        words = {f.status: f.word for f in self.failures}
        clauses = []
        if statuses:
            answered = " and ".join(f"{s} {words[s]} to {n}" for s, n in statuses.items())
            clauses.append(f"the model answered {answered} of {_requests(total)}")
        broke = sum(1 for f in self.failures if f.status is None and f.mid_answer)
        if broke:
            clauses.append(
                f"the model's stream broke off mid-answer in {broke} of {_requests(total)}"
            )
        lost = sum(1 for f in self.failures if f.status is None and not f.mid_answer)
        if lost:
            clauses.append(f"no answer came from the model to {lost} of {_requests(total)}")
        text = "; ".join(clauses)
        return f"{text} (last: {self.last_words})" if self.last_words else text

    def describe_stall(self, silence: float) -> str:
        """'the model stopped answering: nothing for 300s ...', with earlier failures."""
        where = (
            "after its answer began (the request was accepted)"
            if self._answer_begun
            else "since the request was sent (no answer began)"
        )
        text = f"the model stopped answering: nothing for {silence:.0f}s {where}"
        earlier = self.describe_failures() if self._failing else None
        return f"{text}; before that {earlier}" if earlier else text

    def describe_wait(self) -> str:
        """What the run was doing when it was stopped: a tool running, or the model."""
        if self._open_tools:
            return f"while {', '.join(sorted(set(self._open_tools.values())))} ran"
        if self._last_sign is None:
            return "before Claude Code started"
        silence = self.clock() - self._last_sign
        return f"waiting for the model (nothing from it for {silence:.0f}s)"

    # -- feeding ---------------------------------------------------------------------------

    def _streamed(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "message_start":
            self._answer_begun = True
            message = event.get("message")
            self._tokens_before += self._tokens_now
            self._tokens_now = 0
            self._counted(message.get("usage") if isinstance(message, dict) else None)
        elif kind == "message_delta":
            self._answer_begun = False  # the model itself ended its answer
            self._counted(event.get("usage"))

    def _counted(self, usage: object) -> None:
        """The current answer's usage as the stream reports it (each report is a total)."""
        if not isinstance(usage, dict):
            return
        counts = [usage.get(k) for k in ("input_tokens", "output_tokens")]
        now = sum(int(c) for c in counts if isinstance(c, int | float))
        if now > self._tokens_now:
            self._tokens_now = now
            if self.on_tokens is not None:
                self.on_tokens(self.tokens)

    def _retried(self, data: dict[str, Any]) -> None:
        status = data.get("error_status")
        self._failed(status if isinstance(status, int) else None, str(data.get("error") or ""))
        delay = data.get("retry_delay_ms")
        self._retry_wait = delay / 1000 if isinstance(delay, int | float) else 0.0
        if self._retry_wait:
            self.waits.append(ModelWait(self.failures[-1].status, self._retry_wait))
        # The CLI asks the model again: whatever the failed answer opened is not running.
        self._open_tools.clear()

    def _answered(self, message: AssistantMessage) -> None:
        if message.error is not None:  # Claude Code's own words when it gives up
            text = " ".join(b.text for b in message.content if isinstance(b, TextBlock))
            self.last_words = _clip(text) or message.error
            return
        if message.model == SYNTHETIC_MODEL:
            return  # written by Claude Code, not an answer from the model
        self._failing = False
        if message.message_id:
            self._answers.add(message.message_id)
        for block in message.content:
            if isinstance(block, ToolUseBlock):
                self._open_tools[block.id] = block.name

    def _ended(self, result: ResultMessage) -> None:
        self.result = result
        if self.model_failed():
            self._failed(result.api_error_status, "")
            self.last_words = _clip(result.result or "") or self.last_words

    def _failed(self, status: int | None, word: str) -> None:
        readable = STATUS_WORDS.get(status or 0) or word.replace("_", " ") or "error"
        self.failures.append(Failure(status, readable, self._answer_begun))
        self._answer_begun = False
        self._failing = True


def _requests(count: int) -> str:
    return f"{count} request{'' if count == 1 else 's'}"


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LAST_WORDS_LIMIT else text[: LAST_WORDS_LIMIT - 1] + "…"
