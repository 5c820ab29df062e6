"""Environments: where the code lives, how a session's workspace is set up and inspected."""

from codemyspec.environments.setup import EnvironmentType, environment_setup_command
from codemyspec.environments.test_commands import (
    agent_test_commands,
    command_for_test_file,
    default_test_command,
)
from codemyspec.environments.test_files import run_each
from codemyspec.environments.test_runs import TestRun, mix_env, run_tests
from codemyspec.environments.workspace import (
    WORKSPACE_FACTS_KEY,
    LocalWorkspace,
    ReportedWorkspace,
    Workspace,
    WorkspaceFacts,
)

__all__ = [
    "WORKSPACE_FACTS_KEY",
    "EnvironmentType",
    "LocalWorkspace",
    "ReportedWorkspace",
    "TestRun",
    "Workspace",
    "WorkspaceFacts",
    "agent_test_commands",
    "command_for_test_file",
    "default_test_command",
    "environment_setup_command",
    "mix_env",
    "run_each",
    "run_tests",
]
