"""The commands that run a project's tests, per language profile, and what an agent may run.

An agent is told to run its component's tests, so it may run exactly the profile's test
commands and the project's own ``test_command``, and no other program.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from codemyspec.projects import Language, Project

DEFAULT_PYTHON_TEST_COMMAND = ("python", "-m", "pytest")
DEFAULT_ELIXIR_TEST_COMMAND = ("mix", "test")
#: The spellings of each profile's test command an agent may use (a prefix of what it runs).
AGENT_TEST_COMMANDS: dict[Language, tuple[str, ...]] = {
    Language.PYTHON: ("python -m pytest", "pytest", "python3 -m pytest"),
    Language.ELIXIR: ("mix test",),
}


def default_test_command(language: Language) -> tuple[str, ...]:
    """The profile's own test command, used when the project sets none."""
    if language is Language.ELIXIR:
        return DEFAULT_ELIXIR_TEST_COMMAND
    return DEFAULT_PYTHON_TEST_COMMAND


def command_for_test_file(project: Project, test_path: str) -> str:
    """What to type to run one test file: ``mix test test/shop/billing/ledger_test.exs``."""
    base = project.test_command or list(default_test_command(project.language))
    return shlex.join([*base, test_path])


def agent_test_commands(
    language: Language, test_command: Sequence[str] | None = None
) -> tuple[str, ...]:
    """The command prefixes an agent may run for a project: its profile's test commands and
    its own ``test_command``, as a shell would show them."""
    own = (shlex.join(test_command),) if test_command else ()
    return tuple(dict.fromkeys([*AGENT_TEST_COMMANDS[language], *own]))
