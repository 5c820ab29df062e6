"""Start a session process in a task's clone and watch it until it ends.

It runs in its own process group (so a SIGINT meant for it reaches it alone, and it can
take its own group down when its worker dies). While it runs the session is read every
``poll_seconds``: cancelled on the server, or the worker shutting down, it gets SIGINT and
stops its agents cleanly; still running ``grace_seconds`` later, SIGHUP ends it and
everything it started at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from codemyspec.remote import TOKEN_ENV
from codemyspec.runner import RUNNER_NAME_ENV
from codemyspec.workers.options import WorkerOptions
from codemyspec.workers.session_process import WORKER_PID_ENV

log = logging.getLogger(__name__)

Clock = Callable[[], float]


def start_session_process(
    options: WorkerOptions, how: str, session_id: int, folder: Path
) -> tuple[subprocess.Popen[bytes], Path]:
    """``session_process how ID`` in ``folder``; its output goes to a file under ``logs/``."""
    options.logs.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    log_path = options.logs / f"{session_id}-{how}-{stamp}-{folder.name}.log"
    env = {
        **os.environ,
        TOKEN_ENV: options.token,
        RUNNER_NAME_ENV: options.runner_name,
        WORKER_PID_ENV: str(os.getpid()),
        "PYTHONUNBUFFERED": "1",
    }
    argv = [sys.executable, "-m", "codemyspec.workers.session_process"]
    argv += [how, str(session_id), "--server", options.server]
    with log_path.open("ab") as out:
        proc = subprocess.Popen(
            argv,
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return proc, log_path


def watch(
    proc: subprocess.Popen[bytes],
    *,
    cancelled: Callable[[], bool],
    stopping: threading.Event,
    poll_seconds: float,
    grace_seconds: float,
    clock: Clock = time.monotonic,
) -> int:
    """Wait for the process; stop it when ``cancelled()`` or ``stopping``; its exit status."""
    asked_at: float | None = None
    killed = False
    while True:
        try:
            return proc.wait(timeout=poll_seconds)
        except subprocess.TimeoutExpired:
            pass
        if asked_at is None:
            if stopping.is_set() or cancelled():
                log.info("stopping session process %s (SIGINT)", proc.pid)
                _signal(proc, signal.SIGINT)
                asked_at = clock()
        elif not killed and clock() - asked_at > grace_seconds:
            log.warning("session process %s still runs: ended with its agents", proc.pid)
            _signal(proc, signal.SIGHUP)
            killed = True


def _signal(proc: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it has just ended
        proc.send_signal(signum)
