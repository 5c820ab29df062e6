"""``[notify]`` at the end of a drive: send in the background, wait a bounded grace, record
the outcome on the session and say it in one line. A notification never fails the run."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from codemyspec.cli.git import Git
from codemyspec.cli.settings import NotifySettings
from codemyspec.context_coding_sessions import ContextState
from codemyspec.errors import CodeMySpecError
from codemyspec.notify import Delivered, Notifier, NotifyState, Sending, Targets, notification_for
from codemyspec.scope import Scope
from codemyspec.service_layer import SessionsApi
from codemyspec.sessions import Session, SessionStatus, SessionUpdate


def targets(settings: NotifySettings) -> Targets:
    return Targets(
        webhook=settings.webhook,
        command=settings.command,
        events=tuple(settings.events),
        tries=settings.tries,
        retry_seconds=settings.retry_seconds,
        timeout=settings.timeout,
    )


def start_notifying(
    settings: NotifySettings, git: Git, session: Session, server: str | None, console: Console
) -> Sending | None:
    """Start telling the configured targets how the drive ended; None when none wants it
    (or the record cannot be read for it: said, and the run's outcome stands)."""
    chosen = targets(settings)
    if not (chosen.webhook or chosen.command):
        return None
    try:
        commit = None
        branch = ContextState.of(session).branch_name
        if session.status is SessionStatus.COMPLETE and branch:
            commit = git.output("rev-parse", branch)
        url = f"{server.rstrip('/')}/sessions/{session.id}" if server else None
        notification = notification_for(session, commit=commit, session_url=url)
    except CodeMySpecError as exc:
        console.print(f"notification not sent: {exc}", highlight=False, markup=False)
        return None
    if not chosen.wants(notification.event):
        return None
    return Notifier(chosen, git.root).send(notification)


def finish_notifying(
    sending: Sending,
    grace: float,
    engine: SessionsApi,
    scope: Scope,
    session_id: int,
    console: Console,
) -> Delivered:
    """Wait up to ``grace`` for the delivery, record its outcome, print it in one line."""
    delivered = sending.wait(grace)
    try:
        engine.update_session(
            scope, session_id, SessionUpdate(state=NotifyState.patch(notification=delivered))
        )
    except CodeMySpecError as exc:  # the run is over: an unrecorded outcome is still said
        console.print(f"  (notification outcome not recorded: {exc})", markup=False)
    label = "notified" if delivered.ok else "[yellow]notification failed[/]"
    console.print(
        f"{label} ({delivered.event.value}): {escape(delivered.detail)}",
        highlight=False,
        soft_wrap=True,
    )
    return delivered
