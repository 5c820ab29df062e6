"""How the command line's process ends: its status, its output, its exit handlers, its
threads, and no interpreter teardown after them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: ``main()`` under a harness: an exit handler that prints, and an object whose finalizer
#: says when the interpreter tears the modules down (which the command line skips).
HARNESS = """
import atexit, sys, threading, time

class Teardown:
    def __del__(self):
        sys.stderr.write("torn down\\n")

kept = Teardown()
atexit.register(print, "exit handler ran")
from codemyspec.cli import main
if "--with-thread" in sys.argv:
    sys.argv.remove("--with-thread")
    def late():
        time.sleep(0.3)
        print("thread finished")
    threading.Thread(target=late).start()
sys.argv = ["codemyspec", *sys.argv[1:]]
main()
"""


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HARNESS, *args],
        capture_output=True,  # pipes: the output is block-buffered until the exit flushes it
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},
        check=False,
    )


def test_a_command_ends_with_its_output_and_exit_handlers_but_no_teardown(
    tmp_path: Path,
) -> None:
    done = _run(tmp_path, "version")

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["codemyspec 0.1.0", "exit handler ran"]
    assert "torn down" not in done.stderr


def test_a_failing_command_keeps_its_status_and_its_error(tmp_path: Path) -> None:
    done = _run(tmp_path, "implement", "Billing")  # no codemyspec.toml here

    assert done.returncode == 1
    assert "no codemyspec.toml" in done.stderr
    assert "exit handler ran" in done.stdout
    assert "torn down" not in done.stderr


def test_a_thread_still_running_is_waited_for_as_by_the_ordinary_exit(tmp_path: Path) -> None:
    done = _run(tmp_path, "version", "--with-thread")

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["codemyspec 0.1.0", "thread finished", "exit handler ran"]
