"""The real Claude Code CLI (through the Python SDK) against the scripted model server.

No network and no key: the CLI talks to ``ScriptedModel`` on loopback and really runs its
tools in a temp directory.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from claude_agent_sdk import (
    AssistantMessage,
    ClaudeAgentOptions,
    ResultMessage,
    ToolUseBlock,
    query,
)

from codemyspec_testing import (
    ALLOWED_TOOLS,
    Reply,
    ScriptedModel,
    bash,
    by_prompt,
    calls,
    edit,
    read,
    say,
    write,
)

pytestmark = pytest.mark.slow

CLI_TIMEOUT = 90.0


def run_agent(
    model: ScriptedModel, cwd: Path, home: Path, prompt: str, **options: Any
) -> list[Any]:
    """Run one SDK query to completion and return every message it produced."""
    return asyncio.run(_run_agent(model, cwd, home, prompt, **options))


async def _run_agent(
    model: ScriptedModel, cwd: Path, home: Path, prompt: str, **options: Any
) -> list[Any]:
    stderr: list[str] = []
    defaults: dict[str, Any] = {
        "cwd": str(cwd),
        "permission_mode": "acceptEdits",
        "allowed_tools": list(ALLOWED_TOOLS),
        "env": model.env(home),
        "max_turns": 10,
        "stderr": stderr.append,
    }
    settings = ClaudeAgentOptions(**{**defaults, **options})

    async def collect() -> list[Any]:
        return [message async for message in query(prompt=prompt, options=settings)]

    try:
        return await asyncio.wait_for(collect(), CLI_TIMEOUT)
    except TimeoutError:
        pytest.fail(
            f"the Claude Code CLI did not finish within {CLI_TIMEOUT:g}s\n"
            f"server saw:\n  "
            + "\n  ".join(model.describe())
            + "\nstderr tail:\n"
            + "\n".join(stderr[-40:])
        )


def result_of(messages: list[Any]) -> ResultMessage:
    results = [m for m in messages if isinstance(m, ResultMessage)]
    assert results, f"no ResultMessage among {[type(m).__name__ for m in messages]}"
    return results[-1]


def assert_success(messages: list[Any]) -> ResultMessage:
    result = result_of(messages)
    assert result.subtype == "success", result
    assert not result.is_error, result
    assert result.session_id
    return result


def tool_uses(messages: list[Any]) -> list[ToolUseBlock]:
    return [
        block
        for message in messages
        if isinstance(message, AssistantMessage)
        for block in message.content
        if isinstance(block, ToolUseBlock)
    ]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    directory = tmp_path / "work"
    directory.mkdir()
    return directory


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_write_creates_a_file_and_the_run_succeeds(work: Path, home: Path) -> None:
    script = [
        write(work / "hello.py", "print('hello')\n"),
        "Created hello.py.",
    ]
    with ScriptedModel(script) as model:
        messages = run_agent(model, work, home, "Create hello.py that prints hello.")

    assert (work / "hello.py").read_text() == "print('hello')\n"
    result = assert_success(messages)
    assert result.result == "Created hello.py."
    assert result.num_turns == 2
    assert [call.name for call in tool_uses(messages)] == ["Write"]

    conversation = model.conversation_requests
    assert [request.turn for request in conversation] == [0, 1]
    assert {request.session_id for request in conversation} == {result.session_id}
    assert conversation[0].prompt == "Create hello.py that prints hello."
    assert conversation[0].cwd == str(work)
    assert {"Read", "Write", "Edit", "Bash"} <= set(conversation[0].tools)
    (written,) = conversation[1].tool_results
    assert not written["is_error"], written
    assert model.errors == []


def test_read_then_edit_changes_an_existing_file(work: Path, home: Path) -> None:
    (work / "money.py").write_text("def add(a, b):\n    return a - b\n")
    script = [
        read("money.py"),
        say("The sign is wrong.", edit("money.py", "return a - b", "return a + b")),
        "Fixed add().",
    ]
    with ScriptedModel(script) as model:
        messages = run_agent(model, work, home, "Fix add() in money.py.")

    assert (work / "money.py").read_text() == "def add(a, b):\n    return a + b\n"
    assert_success(messages)
    first, after_read, after_edit = (r.tool_results for r in model.conversation_requests)
    assert first == []
    assert "return a - b" in after_read[0]["text"]
    assert not after_edit[0]["is_error"], after_edit


def test_bash_runs_a_command(work: Path, home: Path) -> None:
    command = (
        f"{sys.executable} -c \"import pathlib; pathlib.Path('made_by_bash.txt')"
        f".write_text('from bash')\""
    )
    script = [bash(command), "Ran it."]
    with ScriptedModel(script) as model:
        messages = run_agent(model, work, home, "Run the generator.")

    assert (work / "made_by_bash.txt").read_text() == "from bash"
    assert_success(messages)
    (ran,) = model.conversation_requests[1].tool_results
    assert not ran["is_error"], ran


def test_bash_beyond_file_edits_needs_an_allow_rule(work: Path, home: Path) -> None:
    """acceptEdits alone lets ``touch`` through but asks (and, headless, denies) ``python``."""
    script = [bash("python3 -c \"open('denied.txt', 'w')\""), "Could not run it."]
    with ScriptedModel(script) as model:
        messages = run_agent(model, work, home, "Run it.", allowed_tools=["Read", "Write"])

    assert not (work / "denied.txt").exists()
    result = assert_success(messages)
    assert result.permission_denials
    (denied,) = model.conversation_requests[1].tool_results
    assert denied["is_error"], denied
    assert "requires approval" in denied["text"]


def test_several_tool_calls_in_one_turn_and_a_delay(work: Path, home: Path) -> None:
    script = [
        calls(write("a.txt", "A\n"), write("b.txt", "B\n"), text="Writing both."),
        Reply(text="Both written.", delay=0.3),
    ]
    with ScriptedModel(script) as model:
        messages = run_agent(model, work, home, "Write a.txt and b.txt.")

    assert (work / "a.txt").read_text() == "A\n"
    assert (work / "b.txt").read_text() == "B\n"
    result = assert_success(messages)
    assert result.result == "Both written."
    assert result.duration_ms >= 300
    assert len(model.conversation_requests[1].tool_results) == 2


def test_resume_continues_the_conversation(work: Path, home: Path) -> None:
    script = [
        write("step.txt", "one\n"),
        "Step one done.",
        # The resumed run: turns 0 and 1 are already in its messages.
        read("step.txt"),
        write("step.txt", "two\n"),
        "Step two done.",
    ]
    with ScriptedModel(script) as model:
        first = assert_success(run_agent(model, work, home, "Do step one."))
        assert (work / "step.txt").read_text() == "one\n"
        second = assert_success(
            run_agent(model, work, home, "Now do step two.", resume=first.session_id)
        )

    assert (work / "step.txt").read_text() == "two\n"
    assert second.result == "Step two done."
    resumed = [r for r in model.conversation_requests if "Now do step two." in r.user_texts]
    assert [r.turn for r in resumed] == [2, 3, 4]
    assert resumed[0].user_texts[:2] == ["Do step one.", "Now do step two."]
    assert "Step one done." in resumed[0].text
    assert model.errors == []


def test_parallel_conversations_each_follow_their_own_script(tmp_path: Path, home: Path) -> None:
    dirs = [tmp_path / f"worktree-{n}" for n in range(3)]
    for directory in dirs:
        directory.mkdir()
    script = by_prompt(
        {f"task {n}": [write("out.txt", f"result {n}\n"), f"Task {n} done."] for n in range(3)}
    )

    async def all_three(model: ScriptedModel) -> list[list[Any]]:
        return list(
            await asyncio.gather(
                *(_run_agent(model, d, home, f"Do task {n}.") for n, d in enumerate(dirs))
            )
        )

    with ScriptedModel(script) as model:
        runs = asyncio.run(all_three(model))

    for n, (directory, messages) in enumerate(zip(dirs, runs, strict=True)):
        assert (directory / "out.txt").read_text() == f"result {n}\n"
        assert assert_success(messages).result == f"Task {n} done."
    assert len(model.session_ids) == 3


def post(model: ScriptedModel, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - loopback http only
        model.base_url + path,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return dict(json.load(response))


USER = [{"role": "user", "content": "hi"}]
TOOLS = [{"name": "Read", "input_schema": {"type": "object"}}]


def test_side_requests_do_not_consume_the_script() -> None:
    """A request with no tools (titles, summaries) gets short text; the script stays put."""
    with ScriptedModel(["scripted answer"]) as model:
        side = post(model, "/v1/messages", {"model": "claude-haiku", "messages": USER})
        tokens = post(model, "/v1/messages/count_tokens", {"model": "m", "messages": USER})
        main = post(model, "/v1/messages", {"model": "m", "messages": USER, "tools": TOOLS})

    assert side["content"][0]["type"] == "text"
    assert side["stop_reason"] == "end_turn"
    assert tokens["input_tokens"] > 0
    assert main["content"] == [{"type": "text", "text": "scripted answer"}]
    assert main["stop_reason"] == "end_turn"
    assert [r.side for r in model.message_requests] == [True, False]


def test_a_request_beyond_the_script_fails_the_test_on_exit() -> None:
    model = ScriptedModel(["only answer"])
    with pytest.raises(AssertionError, match="script exhausted at turn 1"), model:
        history = [*USER, {"role": "assistant", "content": "only answer"}, *USER]
        reply = post(model, "/v1/messages", {"model": "m", "messages": history, "tools": TOOLS})
        assert reply["stop_reason"] == "end_turn"


def open_stream(model: ScriptedModel) -> Any:
    body = {"model": "m", "messages": USER, "tools": TOOLS, "stream": True}
    request = urllib.request.Request(  # noqa: S310 - loopback http only
        model.base_url + "/v1/messages",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
    )
    return urllib.request.urlopen(request, timeout=30)  # noqa: S310


def test_a_broken_off_answer_ends_its_stream_after_the_events_asked_for() -> None:
    broken = Reply(text="half an answer").broken_off(after_events=2)
    with ScriptedModel([broken]) as model, open_stream(model) as response:
        lines = response.read().splitlines()

    events = [line for line in lines if line.startswith(b"event:")]
    assert events == [b"event: message_start", b"event: ping"]


def test_a_stalled_answer_holds_its_connection_until_the_server_stops() -> None:
    model = ScriptedModel([Reply(text="never finished").stalled(after_events=1)]).start()
    with open_stream(model) as response:
        first = response.readline()
        stopping = time.monotonic()
        model.stop()
        rest = response.read()

    assert first == b"event: message_start\n"
    assert b"event:" not in rest
    assert time.monotonic() - stopping < 5
