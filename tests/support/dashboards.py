"""``codemyspec dashboard`` in its own process, in a test repository, as a user starts it."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from tests.support.browser import sign_in_link
from tests.support.cli_project import CliProject
from tests.support.cli_runs import Implementing


class Dashboarding:
    """The dashboard's process; ``link`` is the one-time sign-in link it printed, ``url``
    where it listens."""

    def __init__(self, project: CliProject, *args: str) -> None:
        self.run = Implementing(project, "--no-open", *args, command="dashboard")
        self.run.wait_for("?token=")
        self.link = sign_in_link(self.run.output)
        parts = urlsplit(self.link)
        self.url = f"{parts.scheme}://{parts.netloc}"

    @property
    def output(self) -> str:
        return self.run.output

    def stop(self, timeout: float = 60) -> int:
        """Ctrl-C, as its user stops it; its exit status."""
        if self.run.proc.poll() is None:
            os.killpg(self.run.proc.pid, signal.SIGINT)
        try:
            return self.run.finish(timeout)
        except subprocess.TimeoutExpired:
            self.run.kill()
            raise


@contextmanager
def dashboard(project: CliProject, *args: str) -> Iterator[Dashboarding]:
    """The dashboard of ``project`` until the block ends (then stopped, killed if need be)."""
    started = Dashboarding(project, *args)
    try:
        yield started
    finally:
        try:
            started.stop()
        finally:
            started.run.kill()
