"""Claude Code through its official Python SDK (``claude-agent-sdk``, which bundles the CLI)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Mapping
from typing import Any

from codemyspec.agents.base import AgentRequest, AgentRun
from codemyspec.shell import truncate

DEFAULT_TOOLS = ("Read", "Write", "Edit", "MultiEdit", "Glob", "Grep", "Bash")
# Bash only for running tests: any other command is refused by the permission system.
DEFAULT_BASH_ALLOWED = ("python -m pytest", "pytest", "python3 -m pytest")
CANCEL_POLL_SECONDS = 0.2


class ClaudeCodeAgent:
    """Edits files in ``cwd`` with acceptEdits permissions and a bounded set of tools."""

    name = "claude_code"

    def __init__(
        self,
        *,
        tools: tuple[str, ...] = DEFAULT_TOOLS,
        bash_allowed: tuple[str, ...] = DEFAULT_BASH_ALLOWED,
        model: str | None = None,
        env: Mapping[str, str] | None = None,
        cli_path: str | None = None,
    ) -> None:
        self.tools = tools
        self.allowed = [t for t in tools if t != "Bash"] + [f"Bash({c}:*)" for c in bash_allowed]
        self.model = model
        self.env = dict(env or {})
        self.cli_path = cli_path

    def run(self, request: AgentRequest, cancel: threading.Event) -> AgentRun:
        return asyncio.run(self._run(request, cancel))

    async def _run(self, request: AgentRequest, cancel: threading.Event) -> AgentRun:
        started = time.monotonic()
        stderr: list[str] = []
        task = asyncio.create_task(self._query(request, stderr))
        while not task.done():
            await asyncio.wait({task}, timeout=CANCEL_POLL_SECONDS)
            elapsed = time.monotonic() - started
            if not task.done() and (cancel.is_set() or elapsed > request.timeout):
                task.cancel()
                reason = (
                    "was cancelled" if cancel.is_set() else f"timed out after {request.timeout:g}s"
                )
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task  # the cancel itself is what we report
                return AgentRun(ok=False, error=f"claude_code {reason}", stderr=_tail(stderr))
        try:
            return task.result()
        except Exception as exc:
            return AgentRun(ok=False, error=_describe(exc), stderr=_tail(stderr))

    async def _query(self, request: AgentRequest, stderr: list[str]) -> AgentRun:
        from claude_agent_sdk import ClaudeAgentOptions, ResultMessage, query

        options = ClaudeAgentOptions(
            cwd=str(request.cwd),
            permission_mode="acceptEdits",
            tools=list(self.tools),
            allowed_tools=list(self.allowed),
            max_turns=request.max_turns,
            resume=request.resume_conversation_id,
            model=self.model,
            env={**self.env, **request.env},
            stderr=stderr.append,
            cli_path=self.cli_path,
        )
        result: Any = None
        async for message in query(prompt=request.prompt, options=options):
            if isinstance(message, ResultMessage):
                result = message
        if result is None:
            return AgentRun(
                ok=False, error="claude_code ended without a result", stderr=_tail(stderr)
            )
        usage = dict(result.usage or {})
        run_usage = {
            "cost_usd": float(result.total_cost_usd or 0.0),
            "input_tokens": float(usage.get("input_tokens") or 0),
            "output_tokens": float(usage.get("output_tokens") or 0),
            "turns": float(result.num_turns or 0),
            "duration_ms": float(result.duration_ms or 0),
        }
        if result.is_error:
            detail = "; ".join(result.errors or []) or result.result or result.subtype
            return AgentRun(
                ok=False,
                conversation_id=result.session_id,
                error=f"claude_code returned an error ({result.subtype}): {detail}",
                output=truncate(result.result or ""),
                stderr=_tail(stderr),
                usage=run_usage,
            )
        return AgentRun(
            ok=True,
            conversation_id=result.session_id,
            output=truncate(result.result or ""),
            stderr=_tail(stderr),
            usage=run_usage,
        )


def _tail(lines: list[str]) -> str:
    return truncate("\n".join(lines[-200:]))


def _describe(exc: Exception) -> str:
    from claude_agent_sdk import CLINotFoundError, ProcessError

    if isinstance(exc, CLINotFoundError):
        return f"claude_code is not installed: {exc}"
    if isinstance(exc, ProcessError):
        return f"claude_code exited with {exc.exit_code}: {exc.stderr or exc}"
    return f"claude_code failed: {type(exc).__name__}: {exc}"
