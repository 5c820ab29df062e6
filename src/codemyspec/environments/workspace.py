"""The workspace port: what validation may ask of the working tree (files and tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, Field

from codemyspec.components import resolve_inside
from codemyspec.environments.test_runs import run_tests
from codemyspec.projects import Project
from codemyspec.shell import Shell
from codemyspec.test_reports import SuiteReport

DEFAULT_TEST_TIMEOUT = 600.0


class Workspace(Protocol):
    """A project's working tree as a step sees it."""

    root: Path

    def exists(self, relative_path: str) -> bool: ...

    def read_text(self, relative_path: str) -> str | None: ...

    def run_tests(self, test_path: str) -> SuiteReport: ...


class LocalWorkspace:
    """The working tree on this machine; tests run through the shell port."""

    def __init__(
        self, project: Project, root: Path, shell: Shell, *, timeout: float = DEFAULT_TEST_TIMEOUT
    ) -> None:
        self.project = project
        self.root = root
        self._shell = shell
        self._timeout = timeout

    def exists(self, relative_path: str) -> bool:
        return resolve_inside(self.root, relative_path).is_file()

    def read_text(self, relative_path: str) -> str | None:
        """The file's text, or None when it does not exist."""
        path = resolve_inside(self.root, relative_path)
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def run_tests(self, test_path: str) -> SuiteReport:
        """Run one test file against this tree's own code (see ``test_runs``)."""
        resolve_inside(self.root, test_path)
        run = run_tests(self.project, self.root, self._shell, [test_path], timeout=self._timeout)
        return run.report


WORKSPACE_FACTS_KEY = "workspace"


class WorkspaceFacts(BaseModel):
    """What the runner found in its working tree: which files exist, how their tests ran."""

    files: dict[str, bool] = Field(default_factory=dict)
    tests: dict[str, SuiteReport] = Field(default_factory=dict)


class ReportedWorkspace:
    """The runner's working tree as it reported it, for a server that has no tree of its own.

    It answers only what was reported: an unreported file is missing, an unreported test
    run is an error, so validation fails safe.
    """

    def __init__(self, facts: WorkspaceFacts) -> None:
        self.root = Path()
        self.facts = facts

    def exists(self, relative_path: str) -> bool:
        return self.facts.files.get(relative_path, False)

    def read_text(self, relative_path: str) -> str | None:
        return None

    def run_tests(self, test_path: str) -> SuiteReport:
        reported = self.facts.tests.get(test_path)
        if reported is None:
            return SuiteReport(error=f"the runner reported no test run for {test_path}")
        return reported
