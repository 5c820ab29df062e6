"""Any CLI agent from an argv template: the prompt on stdin, or in ``{prompt_file}``."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import BinaryIO

from codemyspec.agents.base import AgentRequest, AgentRun
from codemyspec.errors import ConfigurationError
from codemyspec.shell import truncate

POLL_SECONDS = 0.1


class CommandAgent:
    """Runs ``argv`` (placeholders ``{prompt_file}``, ``{cwd}``) as a subprocess, never a shell."""

    def __init__(self, name: str, argv: list[str]) -> None:
        if not argv:
            raise ConfigurationError(f"agent {name!r} has an empty command")
        self.name = name
        self.argv = argv

    def run(self, request: AgentRequest, cancel: threading.Event) -> AgentRun:
        with tempfile.TemporaryDirectory(prefix="codemyspec-prompt-") as tmp:
            prompt_file = Path(tmp) / "prompt.md"
            prompt_file.write_text(request.prompt, encoding="utf-8")
            uses_file = any("{prompt_file}" in arg for arg in self.argv)
            argv = [
                arg.replace("{prompt_file}", str(prompt_file)).replace("{cwd}", str(request.cwd))
                for arg in self.argv
            ]
            # The prompt goes on stdin as a file: a pipe could block on a large prompt.
            with prompt_file.open("rb") as prompt_stream:
                stdin = None if uses_file else prompt_stream
                return self._run(argv, request, stdin, cancel)

    def _run(
        self,
        argv: list[str],
        request: AgentRequest,
        stdin: BinaryIO | None,
        cancel: threading.Event,
    ) -> AgentRun:
        started = time.monotonic()
        try:
            proc = subprocess.Popen(
                argv,
                cwd=request.cwd,
                env={**os.environ, **request.env},
                stdin=stdin if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
        except FileNotFoundError:
            return AgentRun(ok=False, error=f"agent {self.name!r} is not installed: {argv[0]}")
        while True:
            try:
                out, err = proc.communicate(timeout=POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                elapsed = time.monotonic() - started
                # Its own spend is unknown: another agent's may reach the limit meanwhile.
                limit = request.meter.stop_reason() if request.meter else None
                if cancel.is_set() or elapsed > request.timeout or limit:
                    _kill_group(proc)
                    out, err = proc.communicate()
                    reason = (
                        "was cancelled"
                        if cancel.is_set()
                        else f"timed out after {request.timeout:g}s"
                    )
                    return AgentRun(
                        ok=False,
                        error=limit or f"agent {self.name!r} {reason}",
                        stderr=truncate(err),
                        limited=limit is not None,
                    )
        usage = {"duration_ms": (time.monotonic() - started) * 1000, "turns": 1.0}
        if proc.returncode != 0:
            last = (err.strip().splitlines() or ["no output"])[-1]
            return AgentRun(
                ok=False,
                error=f"agent {self.name!r} exited with {proc.returncode}: {last}",
                output=truncate(out),
                stderr=truncate(err),
                usage=usage,
            )
        return AgentRun(ok=True, output=truncate(out), stderr=truncate(err), usage=usage)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """Kill the agent and everything it started (it runs in its own session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
