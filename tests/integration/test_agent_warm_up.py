"""Loading Claude Code's SDK ahead of the first run changes nothing a run reports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

#: A run in an interpreter where the SDK cannot be imported, after a warm-up or without one.
RUN_WITHOUT_THE_SDK = """
import sys, threading
from pathlib import Path
sys.modules["claude_agent_sdk"] = None  # importing it fails, as when it is not installed
from codemyspec.agents import AgentRequest, ClaudeCodeAgent
agent = ClaudeCodeAgent()
if sys.argv[1] == "warm":
    agent.warm_up().join()
try:
    agent.run(AgentRequest(prompt="p", cwd=Path.cwd()), threading.Event())
except ImportError as exc:
    print(f"{type(exc).__name__}: {exc}")
"""


def _run(tmp_path: Path, how: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", RUN_WITHOUT_THE_SDK, how],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_a_failed_warm_up_leaves_the_run_its_own_import_error(tmp_path: Path) -> None:
    cold = _run(tmp_path, "cold")
    warmed = _run(tmp_path, "warm")

    assert "claude_agent_sdk" in cold
    assert warmed == cold
