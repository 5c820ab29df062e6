"""The runner: executes the commands steps describe, where the code lives."""

from codemyspec.runner.shell_commands import DEFAULT_PROGRAM_TIMEOUT, execute_shell_command

__all__ = ["DEFAULT_PROGRAM_TIMEOUT", "execute_shell_command"]
