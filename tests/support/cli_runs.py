"""Running the command line in a test repository: invoke it, read its record and the agent's calls.

``Implementing`` runs ``implement`` in its own process, as a user would in a second terminal.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from codemyspec.cli import app
from tests.support.cli_project import BRANCH, CliProject
from tests.support.git_repos import git
from tests.support.sample_project import BILLING, code_path

NAMES = ["Money", "Ledger", "Tax"]
WRONG_TAX = BILLING["Tax"][0].replace("// 5", "// 4")
runner = CliRunner()


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


def flat(text: str) -> str:
    """The output with every run of whitespace as one space: Rich wraps long lines."""
    return " ".join(text.split())


def use(project: CliProject, monkeypatch: pytest.MonkeyPatch) -> None:
    """Work in the project as its user does: in its root, the venv's python first on PATH."""
    monkeypatch.chdir(project.root)
    monkeypatch.setenv("SCRIPTED_AGENT_SCRIPT", str(project.script_path))
    # The project's tests run with `python -m pytest`: the python of this venv, as if activated.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def calls(project: CliProject, name: str) -> list[dict[str, Any]]:
    """The scripted agent's calls about ``name``'s code file, oldest first."""
    log = project.script_path.with_suffix(".calls")
    if not log.exists():
        return []
    every = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    return [c for c in every if c["file"] == code_path(name)]


def record(session_id: int) -> dict[str, Any]:
    shown = invoke("sessions", "show", str(session_id), "--json")
    assert shown.exit_code == 0, shown.output
    parsed: dict[str, Any] = json.loads(shown.stdout)
    return parsed


def listed() -> list[dict[str, Any]]:
    result = invoke("sessions", "list", "--json")
    assert result.exit_code == 0, result.output
    parsed: list[dict[str, Any]] = json.loads(result.stdout)
    return parsed


def child_statuses(session: dict[str, Any]) -> dict[str, str]:
    return {c["component"]["name"]: c["status"] for c in session["child_sessions"]}


def steps(session: dict[str, Any]) -> list[str]:
    """Step names of a JSON record's interactions, oldest first."""
    return [i["step"].rsplit(".", 1)[-1] for i in reversed(session["interactions"])]


def main_head(project: CliProject) -> str:
    return git("rev-parse", "main", cwd=project.git.remote).strip()


def assert_one_commit_on_main_with_every_component(project: CliProject) -> None:
    assert BRANCH in project.git.remote_branches()
    parents = git("rev-list", "--parents", "-n", "1", BRANCH, cwd=project.git.remote).split()
    assert parents[1:] == [main_head(project)], "exactly one commit on top of main"
    assert project.git.remote_log(BRANCH)[0].startswith("Implement Billing context")
    assert {code_path(n) for n in NAMES} <= set(project.git.remote_files(BRANCH))


class Implementing:
    """``codemyspec implement`` (or another command) in its own process, as in a second terminal."""

    def __init__(
        self,
        project: CliProject,
        *args: str,
        command: str = "implement",
        root: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from codemyspec.cli import main; main()", command, *args],
            cwd=root or project.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            start_new_session=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        with self.proc.stdout:
            for line in self.proc.stdout:
                self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, *texts: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not all(t in self.output for t in texts):
            if self.proc.poll() is not None:
                self.reader.join(5)
                if all(t in self.output for t in texts):
                    return
                pytest.fail(f"implement ended before printing {texts}:\n{self.output}")
            assert time.monotonic() < deadline, f"never printed {texts}:\n{self.output}"
            time.sleep(0.05)

    def finish(self, timeout: float = 60) -> int:
        code = self.proc.wait(timeout)
        self.reader.join(5)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.reader.join(5)
