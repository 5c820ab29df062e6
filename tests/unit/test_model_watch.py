"""The stall rule and the failure wording, fed the messages Claude Code 2.1 was seen to send."""

from __future__ import annotations

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

from codemyspec.agents import ModelBusy, ModelWait
from codemyspec.agents.model_watch import ModelWatch


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def watching(stall_timeout: float = 10) -> tuple[ModelWatch, Clock]:
    clock = Clock()
    return ModelWatch(stall_timeout, clock=clock), clock


def init() -> SystemMessage:
    return SystemMessage("init", {"type": "system", "subtype": "init"})


def retry(status: int | None, error: str, delay_ms: int) -> SystemMessage:
    data: dict[str, Any] = {"error_status": status, "error": error, "retry_delay_ms": delay_ms}
    return SystemMessage("api_retry", {"type": "system", "subtype": "api_retry", **data})


def event(kind: str) -> StreamEvent:
    return StreamEvent(uuid="u", session_id="s", event={"type": kind})


def answer(message_id: str, *blocks: Any) -> AssistantMessage:
    return AssistantMessage(content=list(blocks), model="claude", message_id=message_id)


def given_up(text: str) -> AssistantMessage:
    return AssistantMessage(
        content=[TextBlock(text)], model="<synthetic>", error="server_error", message_id="x"
    )


def error_result(status: int | None, text: str) -> ResultMessage:
    return ResultMessage(
        subtype="success",
        duration_ms=1,
        duration_api_ms=0,
        is_error=True,
        num_turns=1,
        session_id="s",
        result=text,
        api_error_status=status,
        terminal_reason="api_error",
    )


def test_silence_before_claude_code_starts_is_not_a_stall() -> None:
    watch, clock = watching()
    clock.now += 60
    assert watch.stalled() is None
    watch.saw(init())
    clock.now += 10.5
    assert watch.stalled() == 10.5


def test_a_running_tool_is_never_a_stall_and_its_result_restarts_the_clock() -> None:
    watch, clock = watching()
    watch.saw(answer("m1", ToolUseBlock(id="t1", name="Bash", input={})))
    clock.now += 600
    assert watch.stalled() is None
    assert watch.describe_wait() == "while Bash ran"
    watch.saw(UserMessage(content=[ToolResultBlock(tool_use_id="t1", content="ok")]))
    clock.now += 9
    assert watch.stalled() is None
    clock.now += 2
    assert watch.stalled() == 11


def test_the_retry_delay_claude_code_announces_extends_the_bound() -> None:
    watch, clock = watching()
    watch.saw(retry(529, "overloaded", 30_000))
    clock.now += 35
    assert watch.stalled() is None
    clock.now += 6
    assert watch.stalled() == 41


def test_a_stall_after_the_answer_began_says_so_with_the_failures_before_it() -> None:
    watch, clock = watching()
    watch.saw(retry(529, "overloaded", 500))
    watch.saw(event("message_start"))
    clock.now += 12
    silence = watch.stalled()
    assert silence is not None
    assert watch.describe_stall(silence) == (
        "the model stopped answering: nothing for 12s after its answer began "
        "(the request was accepted); before that the model answered 529 overloaded to "
        "1 of 1 request"
    )


def test_failures_are_counted_by_status_among_all_requests_with_the_last_words() -> None:
    watch, _ = watching()
    watch.saw(retry(529, "overloaded", 500))
    watch.saw(answer("m1", TextBlock("Working.")))
    watch.saw(event("message_start"))
    watch.saw(retry(None, "unknown", 500))
    watch.saw(retry(500, "server_error", 500))
    watch.saw(given_up("API Error: 500 Internal server error."))
    watch.saw(error_result(500, "API Error: 500 Internal server error."))
    assert watch.model_failed()
    assert watch.describe_failures() == (
        "the model answered 529 overloaded to 1 and 500 server error to 2 of 5 requests; "
        "the model's stream broke off mid-answer in 1 of 5 requests "
        "(last: API Error: 500 Internal server error.)"
    )


def test_a_run_ended_by_a_busy_model_is_busy_with_the_wait_claude_code_announced() -> None:
    overloaded, _ = watching()
    for message in (init(), retry(529, "overloaded", 3400), error_result(529, "API Error: 529")):
        overloaded.saw(message)
    assert overloaded.busy() == ModelBusy(529, "overloaded", retry_after=3.4)
    assert overloaded.waits == [ModelWait(529, 3.4)]

    limited, _ = watching()
    for message in (init(), error_result(429, "API Error: Request rejected (429)")):
        limited.saw(message)
    busy = limited.busy()
    assert busy == ModelBusy(429, "rate limited")
    assert busy.describe() == "model rate limited (429)"

    broken, _ = watching()
    for message in (init(), retry(500, "server_error", 500), error_result(500, "API Error: 500")):
        broken.saw(message)
    assert broken.busy() is None  # a server error is not a busy model: the child fails
