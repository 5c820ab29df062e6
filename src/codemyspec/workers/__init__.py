"""Workers: a pool of ``codemyspec worker`` processes that run detached sessions headless.

The server dispatches a detached context session to a queue (Celery on Redis); a worker
takes it, clones the project's remote into a fresh folder, and drives it there as
``implement --server`` would, with the same claims, leases and shared branches.
"""

from codemyspec.workers.broker import (
    BROKER_URL_ENV,
    DEFAULT_VISIBILITY_TIMEOUT,
    DRIVE_TASK,
    JOIN_TASK,
    Dispatcher,
    celery_app,
)

__all__ = [
    "BROKER_URL_ENV",
    "DEFAULT_VISIBILITY_TIMEOUT",
    "DRIVE_TASK",
    "JOIN_TASK",
    "Dispatcher",
    "celery_app",
]
