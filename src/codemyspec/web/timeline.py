"""One session's interactions as the page lists them: step, status, time, command, output."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import datetime

from codemyspec.commands import Command, CommitCommand, Result, ShellCommand
from codemyspec.sessions import Interaction
from codemyspec.test_reports import FailedCase, SuiteReport

#: The end of an agent's or a program's output a timeline shows: where it said what it did.
TAIL_LINES = 40
TAIL_CHARS = 4000


@dataclass(frozen=True, slots=True)
class Entry:
    """One interaction: what ran, how it went, and what it printed."""

    id: int
    step: str
    status: str
    started_at: datetime
    duration: str
    command: str
    error: str
    output_tail: str
    tests: str
    failures: tuple[FailedCase, ...]


def step_label(interaction: Interaction) -> str:
    """``ComponentCodingSessions.Steps.RunTests`` → ``RunTests``."""
    return interaction.step.rsplit(".", 1)[-1]


def test_run_of(result: Result | None) -> SuiteReport | None:
    """The test run a RunTests result carries, None for any other result."""
    run = result.data.get("test_run") if result is not None else None
    return SuiteReport.model_validate(run) if isinstance(run, dict) else None


def command_text(command: Command) -> str:
    """The programs a shell or commit command runs, one per line; a summary for the others."""
    if isinstance(command, ShellCommand | CommitCommand):
        return "\n".join(shlex.join(argv) for argv in command.programs)
    return command.describe()


def tail(text: str) -> str:
    """The last lines of ``text``, bounded in size."""
    lines = text.rstrip().splitlines()[-TAIL_LINES:]
    return "\n".join(lines)[-TAIL_CHARS:]


def seconds(started: datetime, ended: datetime) -> str:
    return f"{max((ended - started).total_seconds(), 0.0):.1f}s"


def entry(interaction: Interaction) -> Entry:
    result = interaction.result
    run = test_run_of(result)
    output = "" if result is None else "\n".join(p for p in (result.stdout, result.stderr) if p)
    done = interaction.completed_at
    return Entry(
        id=interaction.id,
        step=step_label(interaction),
        status=result.status.value if result else "running",
        started_at=interaction.started_at,
        duration=seconds(interaction.started_at, done) if done else "running",
        command=command_text(interaction.command),
        error=(result.error_message or "") if result else "",
        output_tail=tail(output),
        tests=run.summary() if run else "",
        failures=tuple(run.failed_cases) if run else (),
    )


def timeline(interactions: list[Interaction]) -> list[Entry]:
    """Oldest first (the engine loads them newest first)."""
    return [entry(i) for i in reversed(interactions)]
