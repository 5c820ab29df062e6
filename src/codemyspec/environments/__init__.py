"""Environments: where the code lives, how a session's workspace is set up and inspected."""

from codemyspec.environments.setup import EnvironmentType, environment_setup_command
from codemyspec.environments.workspace import LocalWorkspace, Workspace

__all__ = [
    "EnvironmentType",
    "LocalWorkspace",
    "Workspace",
    "environment_setup_command",
]
