"""The runner: executes the commands steps describe, where the code lives."""

from codemyspec.runner.children import dependency_graph
from codemyspec.runner.claims import RUNNER_NAME_ENV
from codemyspec.runner.config import RunnerConfig
from codemyspec.runner.driver import Observer, Runner
from codemyspec.runner.executor import CommandExecutor
from codemyspec.runner.preflight import PreflightReport, preflight
from codemyspec.runner.project_files import read_project_files
from codemyspec.runner.shell_commands import DEFAULT_PROGRAM_TIMEOUT, execute_shell_command
from codemyspec.runner.signals import stop_on_signals
from codemyspec.runner.validation_tests import baseline_runs, validation_tests
from codemyspec.runner.worktrees import GitWorktrees

__all__ = [
    "DEFAULT_PROGRAM_TIMEOUT",
    "RUNNER_NAME_ENV",
    "CommandExecutor",
    "GitWorktrees",
    "Observer",
    "PreflightReport",
    "Runner",
    "RunnerConfig",
    "baseline_runs",
    "dependency_graph",
    "execute_shell_command",
    "preflight",
    "read_project_files",
    "stop_on_signals",
    "validation_tests",
]
