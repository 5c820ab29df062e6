"""``sessions list|show|retry|resume|cancel``: inspect and steer recorded sessions."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console

from codemyspec.cli.budgets import BudgetOption, DeadlineOption, given_limits
from codemyspec.cli.local import Local, open_here
from codemyspec.cli.progress import session_label, step_label, tests_summary
from codemyspec.cli.remote import Remote, ServerOption, remote_or_local
from codemyspec.cli.reported import reported
from codemyspec.cli.reports import (
    baseline_lines,
    flaky_lines,
    own_tests_lines,
    pull_request_lines,
    wait_lines,
)
from codemyspec.cli.running import Drive, drive, target
from codemyspec.clock import utcnow
from codemyspec.commands import Command, CommitCommand, ResultStatus, ShellCommand
from codemyspec.context_coding_sessions import SESSION_TYPE as CONTEXT_SESSION_TYPE
from codemyspec.context_coding_sessions import ContextState, RunLimits, refuse_when_spent
from codemyspec.notify import NotifyState
from codemyspec.scope import Scope
from codemyspec.service_layer import SessionsApi, is_context_root, progress_line
from codemyspec.sessions import Interaction, Session, SessionState, SessionUpdate

sessions_app = typer.Typer(
    name="sessions", help="Inspect and steer sessions.", no_args_is_help=True
)
console = Console()

JsonOption = Annotated[bool, typer.Option("--json", help="machine-readable output")]
SessionId = Annotated[int, typer.Argument(help="the session id (see `sessions list`)")]


@dataclass(frozen=True)
class Here:
    """The repository, and where its sessions live: its own database or a server."""

    local: Local
    remote: Remote | None
    engine: SessionsApi
    scope: Scope


@contextmanager
def opened(server: str | None) -> Iterator[Here]:
    local = open_here()
    with remote_or_local(local, server) as remote:
        engine, scope = target(local, remote)
        yield Here(local, remote, engine, scope)


def full_record(here: Here, session_id: int) -> Session:
    """The session with every child's own interactions loaded too."""
    return here.engine.session_tree(here.scope, session_id)


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, default=str))


def command_summary(command: Command) -> str:
    """One line saying what a command does."""
    if isinstance(command, ShellCommand | CommitCommand):
        text = " && ".join(shlex.join(p) for p in command.programs)
    else:
        text = command.describe()
    first = text.splitlines()[0] if text else ""
    return first if len(first) <= 90 else first[:87] + "..."


def _duration(interaction: Interaction) -> str:
    if interaction.completed_at is None:
        return "pending"
    return f"{(interaction.completed_at - interaction.started_at).total_seconds():.1f}s"


def _status(interaction: Interaction) -> str:
    return interaction.result.status.value if interaction.result else "pending"


def _error(interaction: Interaction) -> str:
    result = interaction.result
    if result is None or result.status is ResultStatus.OK:
        return ""
    message = result.error_message or ""
    return message.splitlines()[0][:300] if message else ""


def _children_summary(session: Session) -> str:
    counts: dict[str, int] = {}
    for child in session.child_sessions:
        counts[child.status.value] = counts.get(child.status.value, 0) + 1
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "-"


@sessions_app.command("list")
@reported
def list_sessions(as_json: JsonOption = False, server: ServerOption = None) -> None:
    """Every context session of this repository, newest first."""
    with opened(server) as here:
        records = here.engine.session_trees(here.scope)
    if as_json:
        _echo_json(
            [
                {
                    **r.model_dump(mode="json", exclude={"interactions", "child_sessions"}),
                    "children": [
                        {"id": c.id, "component": session_label(c), "status": c.status.value}
                        for c in r.child_sessions
                    ],
                }
                for r in records
            ]
        )
        return
    if not records:
        console.print("no sessions yet: `codemyspec implement CONTEXT` starts one")
        return
    console.print(
        f"{'id':>4}  {'context':<24} {'status':<10} {'step':<40} components",
        highlight=False,
        soft_wrap=True,
    )
    for record in records:
        last = record.interactions[0] if record.interactions else None
        step = f"{step_label(last)} {_status(last)}" if last else "-"
        console.print(
            f"{record.id:>4}  {session_label(record):<24} {record.status.value:<10} "
            f"{step:<40} {_children_summary(record)}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


def timeline(session: Session, indent: str = "  ") -> list[str]:
    """One line per interaction, oldest first: step, status, time, command; then the error."""
    lines: list[str] = []
    for interaction in reversed(session.interactions):
        lines.append(
            f"{indent}#{interaction.id:<4} {step_label(interaction):<30} {_status(interaction):<8}"
            f"{_duration(interaction):>8}  {command_summary(interaction.command)}"
        )
        if error := _error(interaction):
            lines.append(f"{indent}      error: {error}")
    return lines


@sessions_app.command()
@reported
def show(session_id: SessionId, as_json: JsonOption = False, server: ServerOption = None) -> None:
    """A session's interaction timeline and its child tree."""
    with opened(server) as here:
        record = full_record(here, session_id)
    if as_json:
        _echo_json(record.model_dump(mode="json"))
        return
    branch = SessionState.of(record).branch_name or "-"
    console.print(
        f"[bold]session {record.id}[/] {record.type} · {session_label(record)} · "
        f"{record.status.value} · agent {record.agent or '-'} · branch {branch}",
        highlight=False,
    )
    _print_lines(run_by_lines(record))
    _print_lines(progress_lines(record))
    if error := SessionState.of(record).error:
        console.print(f"error: {error}", highlight=False, markup=False)
    _print_lines([*pull_request_lines(record), *notification_lines(record)])
    _print_lines(baseline_lines(record))
    _print_lines(own_tests_lines(record))
    _print_lines(flaky_lines(record))
    _print_lines(wait_lines(record))
    _print_lines(timeline(record))
    if not record.child_sessions:
        return
    console.print(f"components ({_children_summary(record)}):", highlight=False)
    for child in record.child_sessions:
        last_tests = next(
            (t for i in child.interactions if i.result and (t := tests_summary(i.result))), None
        )
        label = f"{session_label(child)} · session {child.id} · {child.status.value}"
        if child.attempt > 1:
            label += f" · attempt {child.attempt}"
        if child.claimed_by and not child.status.is_terminal:
            label += f" · run by {child.claimed_by}"
        if last_tests:
            label += f" · tests {last_tests}"
        _print_lines([f"  {label}"])
        if error := SessionState.of(child).error:
            _print_lines([f"    error: {str(error).splitlines()[0]}"])
        _print_lines(timeline(child, indent="    "))


def notification_lines(session: Session) -> list[str]:
    """How the ``[notify]`` of its last drive went."""
    delivered = NotifyState.of(session).notification
    if delivered is None:
        return []
    how = "notified" if delivered.ok else "notification failed"
    return [f"{how} ({delivered.event.value}, {_clock(delivered.at)}): {delivered.detail}"]


def progress_lines(session: Session) -> list[str]:
    """A context session's progress (``only`` when it implements some components)."""
    if not is_context_root(session):
        return []
    state = ContextState.of(session)
    lines = [f"only {', '.join(state.only)}"] if state.only else []
    if state.progress is not None and state.progress.total:
        lines.append(progress_line(state.progress))
    return lines


def run_by_lines(session: Session) -> list[str]:
    """Who runs the session: detached on its queue (queued or not), and its claim's holder."""
    lines = []
    if session.detached:
        waiting = "queued for a worker" if session.queued_at else "not queued"
        sent = f", last sent {_clock(session.dispatched_at)}" if session.dispatched_at else ""
        lines.append(f"detached on {session.queue} · {waiting}{sent}")
    if session.claimed_by and not session.status.is_terminal:
        until = f" (lease until {_clock(session.claim_expires_at)})"
        lines.append(f"run by {session.claimed_by}{until if session.claim_expires_at else ''}")
    return lines


def _clock(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S UTC") if at else "-"


def _print_lines(lines: list[str]) -> None:
    for line in lines:
        console.print(line, highlight=False, markup=False, soft_wrap=True)


def _steer(
    session_id: int,
    how: Drive,
    as_json: bool,
    server: str | None,
    raised: RunLimits | None = None,
) -> None:
    with opened(server) as here:
        session = _with_limits(here, session_id, raised or RunLimits())
        if here.remote is not None and session.detached:
            _requeue(here, session_id, how, as_json)
            return
        out = Console(stderr=True) if as_json else console
        driven = drive(here.local, session_id, how, console=out, remote=here.remote)
        if as_json and not driven.server_gone:
            _echo_json(full_record(here, session_id).model_dump(mode="json"))
    if driven.exit_code:
        raise typer.Exit(driven.exit_code)


def _with_limits(here: Here, session_id: int, raised: RunLimits) -> Session:
    """The context session, its limits raised first; refused while a limit is still reached
    (its budget spent, its deadline passed): nothing would run."""
    session = here.engine.get_session(here.scope, session_id)
    if session.type != CONTEXT_SESSION_TYPE:
        return session  # `drive` names what steering works on
    state = ContextState.of(session)
    limits = state.limits.raised(raised)
    if not raised.unlimited:
        dumped = limits.model_dump(mode="json", exclude_none=True)
        update = SessionUpdate(state={"limits": dumped})
        session = here.engine.update_session(here.scope, session_id, update)
    refuse_when_spent(session_id, limits, state.spent, utcnow())
    return session


def _requeue(here: Here, session_id: int, how: Drive, as_json: bool) -> None:
    """A detached session is resumed or retried on the server; its workers run it."""
    steer = here.engine.retry_session if how is Drive.RETRY else here.engine.resume_session
    session = steer(here.scope, session_id)
    if as_json:
        _echo_json(full_record(here, session_id).model_dump(mode="json"))
        return
    url = here.remote.sessions.client.url if here.remote else ""
    console.print(
        f"session {session_id} queued again on {session.queue} ({how.value}); follow it: "
        f"codemyspec sessions show {session_id} --server {url}",
        highlight=False,
        markup=False,
    )


@sessions_app.command()
@reported
def retry(
    session_id: SessionId,
    as_json: JsonOption = False,
    server: ServerOption = None,
    budget: BudgetOption = None,
    deadline: DeadlineOption = None,
) -> None:
    """Run the failed and cancelled components again, then validate and finish."""
    raised = given_limits(budget, deadline, utcnow())
    _steer(session_id, Drive.RETRY, as_json, server, raised)


@sessions_app.command()
@reported
def resume(
    session_id: SessionId,
    as_json: JsonOption = False,
    server: ServerOption = None,
    budget: BudgetOption = None,
    deadline: DeadlineOption = None,
) -> None:
    """Continue a session from its record; a pending step runs again, finished ones never."""
    raised = given_limits(budget, deadline, utcnow())
    _steer(session_id, Drive.RESUME, as_json, server, raised)


@sessions_app.command()
@reported
def cancel(session_id: SessionId, as_json: JsonOption = False, server: ServerOption = None) -> None:
    """Abandon a session: it and its unfinished components become cancelled."""
    with opened(server) as here:
        here.engine.cancel_session(here.scope, session_id)
        record = full_record(here, session_id)
    if as_json:
        _echo_json(record.model_dump(mode="json"))
        return
    if record.detached:
        url = here.remote.sessions.client.url if here.remote else ""
        console.print(
            f"session {session_id} cancelled; its workers stop its agents. "
            f"`codemyspec sessions resume {session_id} --server {url}` would queue it again.",
            highlight=False,
            markup=False,
        )
        return
    console.print(
        f"session {session_id} cancelled; a running `implement` stops at its next step. "
        f"`codemyspec sessions resume {session_id}` would continue it.",
        highlight=False,
    )
