"""Workers: a pool of ``codemyspec worker`` processes that run detached sessions headless.

The server dispatches a detached context session to a queue (Celery on Redis); a worker
takes it, clones the project's remote into a fresh folder, and drives it there as
``implement --server`` would, with the same claims, leases and shared branches.

``broker`` is all the server imports; the rest (``run_worker``) loads with the worker.
"""

from typing import TYPE_CHECKING, Any

from codemyspec.workers.broker import (
    BROKER_URL_ENV,
    DEFAULT_VISIBILITY_TIMEOUT,
    DRIVE_TASK,
    JOIN_TASK,
    Dispatcher,
    celery_app,
)
from codemyspec.workers.options import (
    WorkerOptions,
    default_queues,
    default_runner_name,
    default_workdir,
    parse_queues,
)

if TYPE_CHECKING:
    from codemyspec.workers.tasks import register_tasks
    from codemyspec.workers.worker import run_worker

__all__ = [
    "BROKER_URL_ENV",
    "DEFAULT_VISIBILITY_TIMEOUT",
    "DRIVE_TASK",
    "JOIN_TASK",
    "Dispatcher",
    "WorkerOptions",
    "celery_app",
    "default_queues",
    "default_runner_name",
    "default_workdir",
    "parse_queues",
    "register_tasks",
    "run_worker",
]


def __getattr__(name: str) -> Any:
    """``run_worker`` and ``register_tasks`` load the worker's side (the command line's
    session code, the runner) only when asked for: the server imports this package too."""
    if name == "run_worker":
        from codemyspec.workers.worker import run_worker

        return run_worker
    if name == "register_tasks":
        from codemyspec.workers.tasks import register_tasks

        return register_tasks
    raise AttributeError(name)
