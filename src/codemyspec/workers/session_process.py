"""The process a worker runs one session in: ``python -m codemyspec.workers.session_process
drive|join ID --server URL``, in the task's clone, the token in ``$CODEMYSPEC_TOKEN``.

It dies with its worker: the kernel sends it SIGHUP when the worker's thread that started
it is gone (``PR_SET_PDEATHSIG``, so a SIGKILLed worker leaves no agent behind), and on
SIGHUP it kills the process groups of its children (the agents run in their own) and its
own group, at once, recording nothing: the session is another worker's to take over.
SIGINT (a cancel on the server, the worker shutting down) stops the run cleanly instead.

Exit status: ``Driven.exit_code`` (0 complete, 1 ended otherwise, 130 interrupted, 75 the
server gone), ``CLAIMED_EXIT`` when another runner holds the session, 2 on an error.
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType

#: Another runner holds the session's claim: this delivery was a duplicate (sysexits' 69).
CLAIMED_EXIT = 69
#: The session could not be run at all (a broken clone, a bad codemyspec.toml, …).
ERROR_EXIT = 2
#: How the process says why it could not run the session: the last line so begun.
ERROR_PREFIX = "error: "
#: Set by the worker: its pid, so a process whose worker is already gone ends at once.
WORKER_PID_ENV = "CODEMYSPEC_WORKER_PID"
PR_SET_PDEATHSIG = 1

log = logging.getLogger(__name__)


def die_with_parent() -> None:
    """SIGHUP when the worker goes; ended now if it is already gone (Linux; elsewhere a no-op)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGHUP, 0, 0, 0)
    expected = os.environ.get(WORKER_PID_ENV)
    if expected and os.getppid() != int(expected):
        os._exit(ERROR_EXIT)


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and fields[1] == str(pid):
            found.append(int(entry.name))
    return found


def kill_everything(signum: int = signal.SIGHUP, _frame: FrameType | None = None) -> None:
    """Kill every child's process group, then this process's own group (itself included)
    when it leads one (the worker starts it so), else itself."""
    own = os.getpgrp()
    for child in _children(os.getpid()):
        try:
            group = os.getpgid(child)
            if group != own:
                os.killpg(group, signal.SIGKILL)
            else:
                os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            continue
    if own == os.getpid():
        os.killpg(own, signal.SIGKILL)
    os._exit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="codemyspec.workers.session_process")
    parser.add_argument("how", choices=["drive", "join"])
    parser.add_argument("session_id", type=int)
    parser.add_argument("--server", required=True)
    args = parser.parse_args(argv)
    die_with_parent()
    signal.signal(signal.SIGHUP, kill_everything)
    from codemyspec.cli import (
        SERVER_GONE_EXIT,
        drive_headless,  # the command line's code path, in this clone
    )
    from codemyspec.errors import CodeMySpecError, ServerUnavailableError, SessionClaimedError

    try:
        return drive_headless(
            Path.cwd(), args.session_id, join=args.how == "join", server=args.server
        )
    except SessionClaimedError as held:
        print(f"session {args.session_id} is held by another runner: {held}", flush=True)
        return CLAIMED_EXIT
    except ServerUnavailableError as gone:  # not the session's fault: sent again later
        print(f"session {args.session_id}: {gone}", flush=True)
        return SERVER_GONE_EXIT
    except CodeMySpecError as exc:
        print(f"{ERROR_PREFIX}{exc}", flush=True)
        return ERROR_EXIT


if __name__ == "__main__":
    sys.exit(main())
