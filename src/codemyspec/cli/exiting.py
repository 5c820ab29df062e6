"""Leaving the process without the interpreter's teardown, once everything is said and done.

Freeing every object of a process that has loaded SQLAlchemy, pydantic and claude-agent-sdk
takes about half a second after the last line is printed (measured on a 2-core machine:
0.5-0.6 s between the last ``atexit`` handler and the process's end), a wait that saves
nothing: the database is committed, files are closed by the kernel. So the command line does
what the interpreter's own exit does first (waits for other threads, runs the ``atexit``
handlers, flushes the output) and then ends the process. While another thread still runs,
or a profiler or tracer watches (cProfile and coverage write their data at exit), it leaves
the ordinary way.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from typing import NoReturn


def exit_now(code: object = 0) -> NoReturn:
    """End the process with ``code`` as ``sys.exit(code)`` would, without the teardown."""
    if _others_running() or sys.getprofile() is not None or sys.gettrace() is not None:
        raise SystemExit(code)
    status = _status(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: the ordinary exit ignores it too
            stream.flush()
    os._exit(status)


def _others_running() -> bool:
    """A thread the interpreter would wait for (not a daemon) is still running."""
    main = threading.main_thread()
    return any(t is not main and not t.daemon and t.is_alive() for t in threading.enumerate())


def _status(code: object) -> int:
    """The exit status ``SystemExit(code)`` gives: None is 0, a message is printed and is 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
