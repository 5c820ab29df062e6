"""The command that prepares a working directory on a session's branch."""

from __future__ import annotations

from enum import StrEnum

from codemyspec.commands import Command, CommandKind
from codemyspec.errors import ValidationError


class EnvironmentType(StrEnum):
    """Where a session's code lives: the existing checkout, or a fresh clone of the remote."""

    LOCAL = "local"
    CLONE = "clone"


def environment_setup_command(
    environment_type: EnvironmentType | str,
    *,
    module: str,
    branch_name: str,
    repo_url: str | None,
    working_dir: str = ".",
) -> Command:
    """``local`` switches the checkout to the branch (created from HEAD); ``clone`` clones first.

    ``git switch -C`` makes the command safe to run again after a crash: switching to the
    branch it already made is a no-op.
    """
    try:
        kind = EnvironmentType(environment_type)
    except ValueError:
        known = ", ".join(t.value for t in EnvironmentType)
        raise ValidationError(
            f"unknown environment type {environment_type!r} (known: {known})"
        ) from None
    switch = ["git", "-C", working_dir, "switch", "-C", branch_name]
    if kind is EnvironmentType.LOCAL:
        programs = [switch]
    else:
        if not repo_url:
            raise ValidationError("the clone environment needs the project's code_repo url")
        programs = [["git", "clone", "--", repo_url, working_dir], switch]
    return Command(
        module=module,
        command=CommandKind.SHELL,
        programs=programs,
        metadata={
            "branch_name": branch_name,
            "repo_url": repo_url,
            "working_dir": working_dir,
            "environment_type": kind.value,
        },
    )
