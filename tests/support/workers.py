"""``codemyspec worker`` as a real subprocess, and a context session made for it to run.

Until ``implement --detach`` creates detached sessions, a test starts the context session
on the server as ``implement --server`` does (docs uploaded, session created) and sends
the drive itself with ``workers.Dispatcher``, as the server's dispatcher will.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from codemyspec.cli.local import open_local
from codemyspec.cli.remote import open_remote
from codemyspec.design_docs import design_doc_files
from codemyspec.runner import RUNNER_NAME_ENV
from codemyspec.service_layer import ContextStart
from codemyspec.workers import Dispatcher, celery_app
from tests.support.cli_project import CliProject
from tests.support.served import CLI


class WorkerProcess:
    """One ``codemyspec worker`` in its own folder and process group, output to a log."""

    def __init__(
        self,
        server: str,
        broker: str,
        workdir: Path,
        name: str,
        env: dict[str, str],
        *more: str,
    ) -> None:
        self.workdir = workdir
        self.log_path = workdir.with_suffix(".log")
        argv = [*CLI, "worker", "--server", server, "--broker", broker, "--queues", "python"]
        argv += ["--workdir", str(workdir), *more]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                argv,
                cwd=workdir.parent,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, RUNNER_NAME_ENV: name, "PYTHONUNBUFFERED": "1", **env},
                start_new_session=True,
            )

    @property
    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def session_logs(self) -> str:
        """What the session processes printed, every run."""
        logs = sorted((self.workdir / "logs").glob("*.log"))
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')}" for p in logs)

    def wait_for(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            assert self.proc.poll() is None, f"the worker ended:\n{self.output}"
            assert time.monotonic() < deadline, f"the worker never said {text!r}:\n{self.output}"
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM (Celery's warm shutdown), then SIGKILL of its group if it lingers."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def start_context_session(
    project: CliProject, server: str, context: str = "Billing", agent: str = "scripted"
) -> int:
    """Upload the docs and create the context session on the server, as ``implement`` does."""
    local = open_local(project.root)
    remote = open_remote(local, server)
    try:
        remote.catalog.sync(remote.project.id, design_doc_files(remote.project, local.root))
        session = remote.sessions.start_context_session(
            remote.scope, ContextStart(context=context, agent=agent)
        )
    finally:
        remote.close()
        local.app.close()
    return session.id


def dispatch_drive(broker: str, session_id: int, queue: str = "python") -> None:
    dispatcher = Dispatcher(celery_app(broker))
    try:
        dispatcher.drive(session_id, queue=queue)
    finally:
        dispatcher.close()


def dispatch_join(broker: str, session_id: int, queue: str = "python") -> None:
    dispatcher = Dispatcher(celery_app(broker))
    try:
        dispatcher.join(session_id, queue=queue, count=1)
    finally:
        dispatcher.close()


def get(server: str, token: str, path: str) -> Any:
    response = httpx.get(f"{server}{path}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


def wait_until(check: Callable[[], bool], what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.2)


def processes_in(folder: Path) -> list[int]:
    """Processes whose working directory is (or was, now deleted) under ``folder``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = str((entry / "cwd").readlink())
        except OSError:
            continue
        if cwd.removesuffix(" (deleted)").startswith(str(folder)):
            found.append(int(entry.name))
    return found
