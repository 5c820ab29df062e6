"""What a user watches while a context is implemented: a live table, or plain log lines.

The runner calls ``observe`` from its worker threads before and after every command;
the board keeps one row per child and renders it when Rich asks (a few times a second).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from codemyspec.cli.spend import LiveSpend
from codemyspec.commands import Result, ResultStatus
from codemyspec.component_coding_sessions import fix_rounds_done
from codemyspec.sessions import Interaction, Session
from codemyspec.test_reports import SuiteReport

if TYPE_CHECKING:  # the HTTP client (httpx) loads only when a server is used
    from codemyspec.remote import ServerWait

#: A test summary's length in a table cell or a log line: enough for the first cause.
SUMMARY_LIMIT = 160


def step_label(interaction: Interaction) -> str:
    """``ComponentCodingSessions.Steps.RunTests`` → ``RunTests``."""
    return interaction.step.rsplit(".", 1)[-1]


def session_label(session: Session) -> str:
    return session.component.module_name if session.component else f"session {session.id}"


def test_run_of(result: Result | None) -> SuiteReport | None:
    """The test run a RunTests result carries, None for any other result."""
    run = result.data.get("test_run") if result is not None else None
    return SuiteReport.model_validate(run) if isinstance(run, dict) else None


def _line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0][:SUMMARY_LIMIT] if lines else ""


def tests_summary(result: Result | None) -> str | None:
    """``3 passed, 1 xfailed``, and the first cause when the run did not pass."""
    run = test_run_of(result)
    return _line(run.summary()) if run is not None else None


@dataclass
class ChildRow:
    """One child as the board shows it."""

    name: str
    started: float
    step: str = "waiting"
    status: str = "running"
    fix_round: int = 0
    tests: str = ""
    cause: str = ""
    #: ``waiting: model overloaded (529), retry 2/6 in 8 s`` until its step ends.
    waiting: str = ""
    finished: float | None = None

    def elapsed(self, now: float) -> float:
        return (self.finished or now) - self.started


@dataclass
class ProgressBoard:
    """The live view's state: the parent's step and a row per child session."""

    title: str
    started: float = field(default_factory=time.monotonic)
    parent_step: str = "starting"
    rows: dict[int, ChildRow] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server_away: tuple[str, float] | None = None
    """The server being waited for, and since when (``time.monotonic``)."""
    throttled: str | None = None
    """The latest change of how many agents may ask the model at once."""
    spend: LiveSpend = field(default_factory=LiveSpend)
    """What the run's agents spent so far (against its budget)."""

    def observe(self, session: Session, interaction: Interaction, result: Result | None) -> None:
        """Record that ``interaction`` of ``session`` started (no result) or finished."""
        step = step_label(interaction)
        now = time.monotonic()
        with self.lock:
            self.spend.observe(session, result)
            if session.session_id is None:
                self.parent_step = step if result is None else f"{step} {result.status.value}"
                return
            row = self.rows.setdefault(session.id, ChildRow(session_label(session), now))
            row.step = step
            row.waiting = ""
            row.fix_round = fix_rounds_done(session)
            if (run := test_run_of(result)) is not None:
                row.tests = _line(run.error or run.counts())
                row.cause = "" if run.passed else _line(run.cause() or "")
            terminal = session.status.is_terminal
            row.status = session.status.value if terminal else "running"
            row.finished = now if terminal else None

    def notice(self, who: str | None, text: str) -> None:
        """A child waits for a busy model, or the run's concurrency changed."""
        with self.lock:
            if who is None:
                self.throttled = text
                return
            for row in self.rows.values():
                if row.name == who:
                    row.waiting = text

    def __rich__(self) -> RenderableType:
        now = time.monotonic()
        table = Table(expand=False, box=None, padding=(0, 2))
        for column in ("component", "step", "fix round", "tests", "time", "status"):
            table.add_column(column, no_wrap=True)
        with self.lock:
            header = Text.assemble(
                (self.title, "bold"),
                f"  {self.parent_step}  ",
                (f"{now - self.started:.0f}s", "dim"),
            )
            if spent := self.spend.text():
                header.append(f"  spent {spent}", style="dim")
            if self.server_away is not None:
                url, since = self.server_away
                header.append(f"  {waiting_line(url, now - since)}", style="yellow")
            if self.throttled is not None:
                header.append(f"  {self.throttled}", style="yellow")
            for row in sorted(self.rows.values(), key=lambda r: r.name):
                colour = {"complete": "green", "failed": "red", "cancelled": "yellow"}
                table.add_row(
                    row.name,
                    row.step,
                    str(row.fix_round) if row.fix_round else "",
                    row.tests,
                    f"{row.elapsed(now):.0f}s",
                    Text(row.status, style=colour.get(row.status, "cyan")),
                )
            causes = [
                Text(f"{row.name}: {note}", style="dim", no_wrap=True, overflow="ellipsis")
                for row in sorted(self.rows.values(), key=lambda r: r.name)
                if (note := row.waiting or row.cause)
            ]
        return Group(header, table, *causes)


class LogLines:
    """The same events as one plain line each, for logs and pipes (stdout not a terminal)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.started: dict[int, float] = {}
        self.lock = threading.Lock()

    def observe(self, session: Session, interaction: Interaction, result: Result | None) -> None:
        name, step = session_label(session), step_label(interaction)
        with self.lock:
            if result is None:
                self.started[interaction.id] = time.monotonic()
                line = f"{name}: {step} started"
            else:
                took = time.monotonic() - self.started.pop(interaction.id, time.monotonic())
                line = f"{name}: {step} {result.status.value} ({took:.1f}s)"
                if tests := tests_summary(result):
                    line += f" tests: {tests}"
                elif result.status is ResultStatus.ERROR and result.error_message:
                    line += f" — {result.error_message.splitlines()[0][:300]}"
                if session.status.is_terminal and session.session_id is not None:
                    line += f"; {name} {session.status.value}"
            self.console.print(line, highlight=False, markup=False, soft_wrap=True)

    def notice(self, who: str | None, text: str) -> None:
        """``Ledger: waiting: model overloaded (529), retry 2/6 in 8 s``."""
        line = text if who is None else f"{who}: {text}"
        with self.lock:
            self.console.print(line, highlight=False, markup=False, soft_wrap=True)


def waiting_line(url: str, seconds: float) -> str:
    return f"waiting for the server at {url} ({seconds:.0f}s)…"


class ServerWaits:
    """What the user sees while the server is away: the live view's header, or a plain line
    when it starts and every ``every`` seconds; then one line when it is back."""

    def __init__(
        self, console: Console, board: ProgressBoard | None = None, every: float = 10.0
    ) -> None:
        self.console = console
        self.board = board
        self.every = every
        self.said: float | None = None
        self.lock = threading.Lock()

    def __call__(self, wait: ServerWait) -> None:
        with self.lock:
            line = self._line(wait)
        if line is not None:
            self.console.print(line, highlight=False, markup=False, soft_wrap=True)

    def _line(self, wait: ServerWait) -> str | None:
        if wait.back:
            self.said = None
            if self.board is not None:
                self.board.server_away = None
            return f"server back at {wait.url} after {wait.seconds:.0f}s; the run goes on"
        if self.board is not None:
            self.board.server_away = (wait.url, time.monotonic() - wait.seconds)
            return None
        if self.said is not None and wait.seconds - self.said < self.every:
            return None
        first, self.said = self.said is None, wait.seconds
        line = waiting_line(wait.url, wait.seconds)
        if first:
            line += f" {wait.cause}; the run stops if it is away for {wait.limit:.0f}s"
        return line
