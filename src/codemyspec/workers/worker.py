"""``codemyspec worker``: a Celery worker on the broker that runs sessions headless.

The pool is ``threads``: a task only starts a session process and watches it, so a thread
per slot is all it needs, and one worker process means one process group to stop. A
SIGKILLed worker takes its session processes with it (``PR_SET_PDEATHSIG``, see
``session_process``), and they take their agents; its messages were not acknowledged, so
Redis gives them to another worker after the visibility timeout, and the server sends the
session again as soon as its claim lapses, whichever comes first. The claim is the fence.

Task length, visibility timeout and lease: a task lasts as long as its session (often far
longer than any sane visibility timeout), so Redis may deliver a message again while its
first delivery still runs; that delivery finds the session claimed (a lease renewed every
third of ``[runner] lease_seconds``) and ends without running anything. So the visibility
timeout (default an hour) only bounds how long a message of a dead worker waits in Redis
when the server's re-dispatch does not come first; the lease (a minute) is what decides
when a dead worker's session may be taken over.
"""

from __future__ import annotations

import logging
import socket
import threading
from typing import Any

from codemyspec.workers.broker import celery_app
from codemyspec.workers.options import WorkerOptions
from codemyspec.workers.tasks import register_tasks

log = logging.getLogger(__name__)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def node_name(options: WorkerOptions) -> str:
    """Celery's ``-n``: the runner name, at this host unless it names one."""
    name = options.runner_name
    return name if "@" in name else f"{name}@{socket.gethostname()}"


def run_worker(options: WorkerOptions) -> int:
    """Serve the queues until stopped (SIGTERM/SIGINT: running sessions are stopped cleanly
    and left for the server to send again); the worker's exit status."""
    from celery.signals import worker_shutting_down

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for folder in (options.mirrors, options.runs, options.logs):
        folder.mkdir(parents=True, exist_ok=True)
    app = celery_app(options.broker, visibility_timeout=options.visibility_timeout)
    stopping = threading.Event()

    def shutting_down(**_: Any) -> None:
        stopping.set()

    worker_shutting_down.connect(shutting_down, weak=False)
    register_tasks(app, options, stopping)
    worker = app.Worker(
        hostname=node_name(options),
        pool="threads",
        concurrency=options.concurrency,
        queues=list(options.queues),
        loglevel="INFO",
        without_gossip=True,
        without_mingle=True,
        quiet=True,
    )
    log.info(
        "worker %s: queues %s, %d slot(s), folder %s, server %s",
        node_name(options),
        ",".join(options.queues),
        options.concurrency,
        options.workdir,
        options.server,
    )
    worker.start()
    code = worker.exitcode
    return int(code) if isinstance(code, int) else 0
