"""The claude_code agent's failures are clear reasons, never a hang or an exception."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from codemyspec.agents import AgentRequest, ClaudeCodeAgent
from codemyspec_testing import Reply, ScriptedModel, write

pytestmark = pytest.mark.slow


def request(cwd: Path, prompt: str = "write hello.py", timeout: float = 90) -> AgentRequest:
    return AgentRequest(prompt=prompt, cwd=cwd, timeout=timeout, max_turns=5)


def test_a_successful_run_reports_its_conversation_and_usage(tmp_path: Path) -> None:
    with ScriptedModel([write("hello.py", "print('hi')\n"), "Done."]) as model:
        run = ClaudeCodeAgent(env=model.env(tmp_path / "home")).run(
            request(tmp_path), threading.Event()
        )
    assert run.ok, run.error
    assert (tmp_path / "hello.py").read_text() == "print('hi')\n"
    assert run.conversation_id
    assert run.usage["turns"] >= 2


def test_a_model_error_fails_the_run_with_the_reason(tmp_path: Path) -> None:
    with ScriptedModel([Reply.error(400, "prompt is too long")], strict=False) as model:
        run = ClaudeCodeAgent(env=model.env(tmp_path / "home")).run(
            request(tmp_path), threading.Event()
        )
    assert not run.ok
    assert run.error is not None and "claude_code" in run.error
    assert "prompt is too long" in (run.error + run.output + run.stderr).lower()


def test_a_hanging_model_times_out_and_does_not_hang_the_caller(tmp_path: Path) -> None:
    with ScriptedModel([Reply(text="slow", delay=120)], strict=False) as model:
        started = time.monotonic()
        run = ClaudeCodeAgent(env=model.env(tmp_path / "home")).run(
            request(tmp_path, timeout=5), threading.Event()
        )
    assert not run.ok
    assert run.error is not None
    assert run.error.startswith("claude_code timed out after 5s waiting for the model"), run.error
    assert time.monotonic() - started < 30


def test_a_cancelled_run_stops_promptly(tmp_path: Path) -> None:
    cancel = threading.Event()
    threading.Timer(3, cancel.set).start()
    with ScriptedModel([Reply(text="slow", delay=120)], strict=False) as model:
        started = time.monotonic()
        run = ClaudeCodeAgent(env=model.env(tmp_path / "home")).run(request(tmp_path), cancel)
    assert run.error == "claude_code was cancelled"
    assert time.monotonic() - started < 30


def test_a_missing_cli_is_reported_as_not_installed(tmp_path: Path) -> None:
    agent = ClaudeCodeAgent(cli_path=str(tmp_path / "no-such-claude"))
    run = agent.run(request(tmp_path), threading.Event())
    assert not run.ok
    assert run.error is not None and "not installed" in run.error


#: A fresh interpreter: the SDK's import starts in the background, and the run begins at
#: once, so its own import of the SDK meets the one under way.
RUN_RIGHT_AFTER_WARM_UP = """
import json, sys, threading
from pathlib import Path
from codemyspec.agents import AgentRequest, ClaudeCodeAgent
agent = ClaudeCodeAgent(env=json.loads(sys.argv[1]))
loading = agent.warm_up()
print("sdk loaded before the run:", "claude_agent_sdk" in sys.modules and not loading.is_alive())
request = AgentRequest(prompt="write hello.py", cwd=Path(sys.argv[2]), timeout=90, max_turns=5)
run = agent.run(request, threading.Event())
print("ok" if run.ok else f"failed: {run.error}")
"""


def test_a_run_started_while_the_sdk_is_still_loading_waits_for_it_and_succeeds(
    tmp_path: Path,
) -> None:
    with ScriptedModel([write("hello.py", "print('hi')\n"), "Done."]) as model:
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                RUN_RIGHT_AFTER_WARM_UP,
                json.dumps(model.env(tmp_path / "home")),
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["sdk loaded before the run: False", "ok"]
    assert (tmp_path / "hello.py").read_text() == "print('hi')\n"
