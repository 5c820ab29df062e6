"""Deliver a notification to a webhook (POST, JSON) and/or a command (JSON on stdin).

Delivery runs in a background thread, each target retried with exponential backoff, so it
never blocks the run; whoever started it waits a bounded grace at its end for its outcome.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from codemyspec.clock import utcnow
from codemyspec.notify.models import Delivered, Notification, NotifyEvent

Sleep = Callable[[float], None]


@dataclass(frozen=True)
class Targets:
    """Where notifications go and how hard delivery tries (``[notify]``)."""

    webhook: str | None = None
    command: list[str] | None = None
    events: tuple[NotifyEvent, ...] = (NotifyEvent.NEEDS_PERSON, NotifyEvent.COMPLETE)
    tries: int = 3
    retry_seconds: float = 2.0
    timeout: float = 10.0

    def wants(self, event: NotifyEvent) -> bool:
        return bool(self.webhook or self.command) and event in self.events


def post_webhook(url: str, body: str, timeout: float) -> str | None:
    """POST ``body``; None when the receiver took it (2xx), else why not."""
    import httpx  # only when a webhook is configured: the CLI starts without it

    try:
        response = httpx.post(
            url, content=body, headers={"Content-Type": "application/json"}, timeout=timeout
        )
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if response.is_success:
        return None
    return f"HTTP {response.status_code}"


def run_command(argv: list[str], body: str, cwd: Path, timeout: float) -> str | None:
    """Run ``argv`` (never a shell) with ``body`` on stdin; None when it exits 0."""
    try:
        done = subprocess.run(
            argv, input=body, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError:
        return f"program {argv[0]!r} was not found"
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if done.returncode == 0:
        return None
    last = (done.stderr.strip().splitlines() or [""])[-1]
    return f"exit code {done.returncode}" + (f": {last}" if last else "")


@dataclass
class Sending:
    """A delivery under way in its thread; ``wait`` gives its outcome, or says it is late."""

    event: NotifyEvent
    thread: threading.Thread
    outcome: list[Delivered] = field(default_factory=list)

    def wait(self, grace: float) -> Delivered:
        self.thread.join(grace)
        if self.outcome:
            return self.outcome[0]
        return Delivered(
            event=self.event,
            ok=False,
            detail=f"still trying after {grace:g}s; left to finish in the background",
            at=utcnow(),
        )


class Notifier:
    """Sends one notification to every target, retrying each with backoff."""

    def __init__(self, targets: Targets, cwd: Path, sleep: Sleep = time.sleep) -> None:
        self.targets = targets
        self.cwd = cwd
        self.sleep = sleep

    def send(self, notification: Notification) -> Sending:
        """Start delivering in a daemon thread (the process never waits on it at exit)."""
        outcome: list[Delivered] = []
        thread = threading.Thread(
            target=lambda: outcome.append(self.deliver(notification)),
            name="codemyspec-notify",
            daemon=True,
        )
        thread.start()
        return Sending(notification.event, thread, outcome)

    def deliver(self, notification: Notification) -> Delivered:
        """Every target, in turn; the outcome names each and how it went."""
        body = notification.model_dump_json()
        t = self.targets
        done: list[tuple[str, str | None]] = []
        if t.webhook:
            url = t.webhook
            done.append(
                (f"webhook {url}", self._retried(lambda: post_webhook(url, body, t.timeout)))
            )
        if t.command:
            argv = t.command
            sent = self._retried(lambda: run_command(argv, body, self.cwd, t.timeout))
            done.append((f"command {argv[0]}", sent))
        detail = "; ".join(
            f"{target}: {'delivered' if error is None else error}" for target, error in done
        )
        ok = all(error is None for _, error in done)
        return Delivered(event=notification.event, ok=ok, detail=detail, at=utcnow())

    def _retried(self, attempt: Callable[[], str | None]) -> str | None:
        """None once an attempt succeeds; else the last failure, after ``tries`` attempts
        ``retry_seconds``, twice that, four times that... apart."""
        error: str | None = None
        for index in range(self.targets.tries):
            if index:
                self.sleep(self.targets.retry_seconds * 2 ** (index - 1))
            try:
                error = attempt()
            except Exception as exc:  # a notification never fails the run
                error = f"{type(exc).__name__}: {exc}"
            if error is None:
                return None
        tries = self.targets.tries
        return f"{error} (after {tries} {'try' if tries == 1 else 'tries'})"
