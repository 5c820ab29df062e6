"""Claude Code through its official Python SDK (``claude-agent-sdk``, which bundles the CLI)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import os
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from codemyspec.agents.base import AgentRequest, AgentRun
from codemyspec.collector import loading
from codemyspec.shell import truncate

if TYPE_CHECKING:  # the SDK takes seconds to import: only a run pays for it
    from codemyspec.agents.model_watch import ModelWatch

DEFAULT_TOOLS = ("Read", "Write", "Edit", "MultiEdit", "Glob", "Grep", "Bash")
# Bash only for running tests: any other command is refused by the permission system. These
# are the python profile's; whoever builds the agent for a project passes that project's.
DEFAULT_BASH_ALLOWED = ("python -m pytest", "pytest", "python3 -m pytest")
CANCEL_POLL_SECONDS = 0.2
#: How often Claude Code itself asks a busy model again before the run fails (its default
#: is 10, minutes of waiting unseen): once, so it applies the API's retry-after, then the
#: runner's backoff, which sees every run, decides (``[runner] rate_limit_retries``).
#: ``CLAUDE_CODE_MAX_RETRIES`` in the environment or the agent's env wins.
CLI_MAX_RETRIES = "1"
MAX_RETRIES_ENV = "CLAUDE_CODE_MAX_RETRIES"
#: The result's subtype when the CLI stopped at its ``--max-budget-usd``.
MAX_BUDGET_SUBTYPE = "error_max_budget_usd"


@functools.cache
def _sdk_import() -> threading.Thread:
    """Start importing claude-agent-sdk (a second or more) in a background thread, once per
    process, so it overlaps what comes before the first run (pre-flight's test processes).

    A run that starts before the import is done waits for it on Python's import lock and
    then finds the module whole; a failed import is forgotten here and fails again, with
    the same error, in the run that needs the SDK.
    """
    thread = threading.Thread(target=_import_sdk, name="claude-agent-sdk import", daemon=True)
    thread.start()
    return thread


def _import_sdk() -> None:
    with contextlib.suppress(Exception), loading():  # no collector passes: a sixth of it
        importlib.import_module("codemyspec.agents.model_watch")  # it imports the SDK


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

    def warm_up(self) -> threading.Thread:
        """Start loading the SDK now, in the background, once per process (``_sdk_import``);
        the thread that loads it."""
        return _sdk_import()

    def run(self, request: AgentRequest, cancel: threading.Event) -> AgentRun:
        return asyncio.run(self._run(request, cancel))

    @staticmethod
    def _default_env() -> dict[str, str]:
        """What the CLI gets unless the user's environment says otherwise."""
        return {} if MAX_RETRIES_ENV in os.environ else {MAX_RETRIES_ENV: CLI_MAX_RETRIES}

    async def _run(self, request: AgentRequest, cancel: threading.Event) -> AgentRun:
        from codemyspec.agents.model_watch import ModelWatch

        started = time.monotonic()
        stderr: list[str] = []
        meter = request.meter
        watch = ModelWatch(request.stall_timeout, on_tokens=meter.tokens if meter else None)
        task = asyncio.create_task(self._query(request, stderr, watch))
        while not task.done():
            await asyncio.wait({task}, timeout=CANCEL_POLL_SECONDS)
            limit = None if task.done() or meter is None else meter.stop_reason()
            reason = limit or (None if task.done() else _why_stop(request, cancel, watch, started))
            if reason is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task  # the cancel itself is what we report
                # Killed before its result: the tokens streamed so far are what it spent.
                usage = {"input_tokens": float(watch.tokens)} if watch.tokens else {}
                return AgentRun(
                    ok=False,
                    error=reason,
                    stderr=_tail(stderr),
                    usage=usage,
                    limited=limit is not None,
                )
        try:
            return task.result()
        except Exception as exc:
            earlier = watch.describe_failures() if watch.failing else None
            error = f"{_describe(exc)}; before that {earlier}" if earlier else _describe(exc)
            return AgentRun(ok=False, error=error, stderr=_tail(stderr))

    async def _query(self, request: AgentRequest, stderr: list[str], watch: ModelWatch) -> AgentRun:
        from claude_agent_sdk import ClaudeAgentOptions, ProcessError, query

        def heard(line: str) -> None:
            stderr.append(line)
            watch.heard(line)

        options = ClaudeAgentOptions(
            cwd=str(request.cwd),
            permission_mode="acceptEdits",
            tools=list(self.tools),
            allowed_tools=list(self.allowed),
            max_turns=request.max_turns,
            max_budget_usd=request.max_budget_usd,
            resume=request.resume_conversation_id,
            model=self.model,
            env={**self._default_env(), **self.env, **request.env},
            stderr=heard,
            cli_path=self.cli_path,
            # Stream events keep a long answer from looking like a stalled model.
            include_partial_messages=True,
        )
        try:
            async for message in query(prompt=request.prompt, options=options):
                watch.saw(message)
        except ProcessError:
            if watch.result is None or not watch.result.is_error:
                raise  # after an error result the CLI exits 1: the result says why
        result = watch.result
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
        if result.subtype == MAX_BUDGET_SUBTYPE:
            return AgentRun(
                ok=False,
                conversation_id=result.session_id,
                error=f"claude_code spent the ${request.max_budget_usd or 0:,.2f} it was given",
                output=truncate(result.result or ""),
                stderr=_tail(stderr),
                usage=run_usage,
                limited=True,
            )
        if result.is_error:
            detail = "; ".join(result.errors or []) or result.result or result.subtype
            error = f"claude_code returned an error ({result.subtype}): {detail}"
            if watch.model_failed():
                error = f"claude_code: {watch.describe_failures()}"
            return AgentRun(
                ok=False,
                conversation_id=result.session_id,
                error=error,
                output=truncate(result.result or ""),
                stderr=_tail(stderr),
                usage=run_usage,
                busy=watch.busy(),
                waits=tuple(watch.waits),
            )
        return AgentRun(
            ok=True,
            conversation_id=result.session_id,
            output=truncate(result.result or ""),
            stderr=_tail(stderr),
            usage=run_usage,
            waits=tuple(watch.waits),
        )


def _why_stop(
    request: AgentRequest, cancel: threading.Event, watch: ModelWatch, started: float
) -> str | None:
    """Why the run must stop now (cancelled, the model stalled, out of time), or None."""
    if cancel.is_set():
        return "claude_code was cancelled"
    silence = watch.stalled()
    if silence is not None:
        return f"claude_code: {watch.describe_stall(silence)}"
    if time.monotonic() - started <= request.timeout:
        return None
    timed_out = f"timed out after {request.timeout:g}s"
    if watch.failing:
        return f"claude_code: {watch.describe_failures()}, then the run {timed_out}"
    return f"claude_code {timed_out} {watch.describe_wait()}"


def _tail(lines: list[str]) -> str:
    return truncate("\n".join(lines[-200:]))


def _describe(exc: Exception) -> str:
    from claude_agent_sdk import CLINotFoundError, ProcessError

    if isinstance(exc, CLINotFoundError):
        return f"claude_code is not installed: {exc}"
    if isinstance(exc, ProcessError):
        return f"claude_code exited with {exc.exit_code}: {exc.stderr or exc}"
    return f"claude_code failed: {type(exc).__name__}: {exc}"
