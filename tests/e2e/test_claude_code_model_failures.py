"""A claude_code run the model fails says how, and a silent model stops the run early.

The real Claude Code CLI against the scripted model: the agent learns what happened only
from what the CLI reports (its retries, its error result), as it would in production.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from codemyspec.agents import AgentRequest, AgentRun, ClaudeCodeAgent
from codemyspec_testing import ModelRequest, Reply, ScriptedModel, ToolCall, bash, calls, write

pytestmark = pytest.mark.slow

AGENT_TIMEOUT = 120.0


def run_agent(
    model: ScriptedModel,
    cwd: Path,
    *,
    max_retries: int = 0,
    timeout: float = AGENT_TIMEOUT,
    stall_timeout: float = 300.0,
    bash_allowed: tuple[str, ...] = ("python -m pytest",),
) -> tuple[AgentRun, float]:
    """Run claude_code once; the run and how long it took."""
    agent = ClaudeCodeAgent(
        env=model.env(cwd.parent / "home", max_retries=max_retries), bash_allowed=bash_allowed
    )
    request = AgentRequest(
        prompt="write hello.py",
        cwd=cwd,
        timeout=timeout,
        stall_timeout=stall_timeout,
        max_turns=5,
    )
    started = time.monotonic()
    run = agent.run(request, threading.Event())
    return run, time.monotonic() - started


@pytest.fixture
def work(tmp_path: Path) -> Path:
    directory = tmp_path / "work"
    directory.mkdir()
    return directory


def test_a_model_overloaded_on_every_request_names_529_and_the_count(work: Path) -> None:
    with ScriptedModel(lambda _: Reply.error(529, "Overloaded"), strict=False) as model:
        run, _ = run_agent(model, work, max_retries=2)

    assert not run.ok
    assert run.error is not None
    assert run.error.startswith(
        "claude_code: the model answered 529 overloaded to 3 of 3 requests (last: API Error: 529"
    ), run.error
    assert len(model.conversation_requests) == 3


def test_a_server_error_on_every_request_until_the_timeout_says_both(work: Path) -> None:
    with ScriptedModel(lambda _: Reply.error(500, "Internal error"), strict=False) as model:
        run, _ = run_agent(model, work, max_retries=10, timeout=10)

    assert not run.ok
    assert run.error is not None
    found = re.fullmatch(
        r"claude_code: the model answered 500 server error to (\d+) of (\d+) requests?, "
        r"then the run timed out after 10s",
        run.error,
    )
    assert found, run.error
    failed, asked = map(int, found.groups())
    assert 1 <= failed == asked <= len(model.conversation_requests)


def test_failures_of_two_kinds_are_counted_among_all_the_requests(work: Path) -> None:
    """Overloaded once, then a good answer, then server errors until Claude Code gives up."""
    asked: Counter[int] = Counter()

    def respond(request: ModelRequest) -> Reply | ToolCall:
        asked[request.turn] += 1
        if request.turn == 0 and asked[0] > 1:
            return write("hello.py", "print('hi')\n")
        return Reply.error(529 if request.turn == 0 else 500, "Overloaded or broken")

    with ScriptedModel(respond, strict=False) as model:
        run, _ = run_agent(model, work, max_retries=1)

    assert not run.ok
    assert run.error is not None
    total = len(model.conversation_requests)
    assert run.error.startswith(
        f"claude_code: the model answered 529 overloaded to 1 and 500 server error to "
        f"{total - 2} of {total} requests (last: API Error: 500"
    ), run.error
    assert (work / "hello.py").exists()


def test_a_stream_that_breaks_off_mid_answer_is_named(work: Path) -> None:
    broken = Reply(text="The first half of an answer").broken_off(after_events=4)
    with ScriptedModel(lambda _: broken, strict=False) as model:
        run, _ = run_agent(model, work, max_retries=1)

    assert not run.ok
    assert run.error is not None
    assert run.error.startswith("claude_code: the model's stream broke off mid-answer in "), (
        run.error
    )
    assert "(last: API Error: " in run.error


@pytest.mark.parametrize(
    ("reply", "where"),
    [
        (Reply(text="An answer that stops").stalled(after_events=4), "after its answer began"),
        (Reply(text="An answer that never comes").after(600), "since the request was sent"),
    ],
    ids=["mid-answer", "before-answering"],
)
def test_a_model_that_stops_answering_is_stopped_at_the_stall_timeout(
    work: Path, reply: Reply, where: str
) -> None:
    with ScriptedModel(lambda _: reply, strict=False) as model:
        run, took = run_agent(model, work, stall_timeout=3)

    assert not run.ok
    assert run.error is not None
    assert re.match(r"claude_code: the model stopped answering: nothing for \d+s ", run.error)
    assert where in run.error
    assert took < AGENT_TIMEOUT / 2  # stopped by the stall rule, far from the agent timeout


def test_a_slow_but_steady_model_is_not_a_stall(work: Path) -> None:
    """Each gap stays under stall_timeout while the run as a whole takes longer."""
    script = [
        calls(write("hello.py", "print('hi')\n"), text="Writing it.").paced(1.0),
        Reply(text="Done.", delay=2.0),
    ]
    with ScriptedModel(script) as model:
        run, took = run_agent(model, work, stall_timeout=5)

    assert run.ok, run.error
    assert (work / "hello.py").read_text() == "print('hi')\n"
    assert took > 5


def test_a_tool_running_longer_than_the_stall_timeout_is_not_a_stall(work: Path) -> None:
    (work / "test_slow.py").write_text(
        "import time\n\n\ndef test_slow():\n    time.sleep(8)\n", encoding="utf-8"
    )
    pytest_command = f"{sys.executable} -m pytest"
    script = [bash(f"{pytest_command} -q -p no:cacheprovider test_slow.py"), "The test passes."]
    with ScriptedModel(script) as model:
        run, took = run_agent(model, work, stall_timeout=3, bash_allowed=(pytest_command,))

    assert run.ok, run.error
    (ran,) = model.conversation_requests[1].tool_results
    assert "1 passed" in ran["text"], ran
    assert took > 8
