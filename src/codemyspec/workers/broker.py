"""The Celery app that carries session work from the server to the workers over Redis.

Two tasks, each naming one context session by id: ``drive`` runs the parent's steps (and
children, as any runner does), ``join`` runs children only. Neither carries more: the
worker reads everything else from the server with its own token, so a message redelivered
late, twice, or after the session moved on is harmless. The database claim of each session
(``runner.claims``) is the fence: two deliveries never run one session at once.

Messages are acknowledged late and rejected when the worker process is lost, so work a
dead worker held goes back to the queue; Redis gives an unacknowledged message to another
worker after ``visibility_timeout``, and the server re-dispatches a detached session whose
claim has lapsed (see ``service_layer``), whichever comes first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Celery's import costs ~0.3 s: only the server and the workers pay it
    from celery import Celery

BROKER_URL_ENV = "CODEMYSPEC_BROKER_URL"
DRIVE_TASK = "codemyspec.drive_session"
JOIN_TASK = "codemyspec.join_session"
#: Seconds after which Redis hands an unacknowledged message to another worker. A task
#: running longer is delivered again while it runs; the claim makes that second delivery
#: wait for the lease instead of running the session twice.
DEFAULT_VISIBILITY_TIMEOUT = 3600.0


def celery_app(
    broker_url: str, *, visibility_timeout: float = DEFAULT_VISIBILITY_TIMEOUT
) -> Celery:
    """A Celery app on ``broker_url`` (``redis://…``) with codemyspec's delivery rules."""
    from celery import Celery

    app = Celery("codemyspec", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_transport_options={"visibility_timeout": visibility_timeout},
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        worker_hijack_root_logger=False,
    )
    return app


class Dispatcher:
    """The server's side of the queue: sends a session's work to the workers of a queue."""

    def __init__(self, app: Celery) -> None:
        self.app = app

    def drive(self, session_id: int, *, queue: str) -> None:
        """One worker drives the session: its parent's steps, and children as it can."""
        self.app.send_task(DRIVE_TASK, args=[session_id], queue=queue)

    def join(self, session_id: int, *, queue: str, count: int) -> None:
        """Up to ``count`` more workers take the session's children beside its driver."""
        for _ in range(count):
            self.app.send_task(JOIN_TASK, args=[session_id], queue=queue)

    def close(self) -> None:
        self.app.close()
