"""The command that prepares a working directory on a session's branch."""

from __future__ import annotations

from enum import StrEnum

from codemyspec.commands import ShellCommand
from codemyspec.errors import ValidationError


class EnvironmentType(StrEnum):
    """Where a session's code lives: the existing checkout, or a fresh clone of the remote."""

    LOCAL = "local"
    CLONE = "clone"


def _branch_from_head(working_dir: str, branch_name: str) -> list[list[str]]:
    """Fast-forward (or create) ``branch_name`` to HEAD, then switch to it.

    A fetch from the repository itself into the branch refuses a non-fast-forward update
    (its refspec has no ``+``) and runs no hooks; ``--update-head-ok`` lets it name the
    checked-out branch, which then stays where it is.
    """
    fetch = ["git", "-C", working_dir, "fetch", "--no-tags", "--no-write-fetch-head"]
    fetch += ["--no-recurse-submodules", "--update-head-ok", ".", f"HEAD:refs/heads/{branch_name}"]
    return [fetch, ["git", "-C", working_dir, "switch", branch_name]]


def environment_setup_command(
    environment_type: EnvironmentType | str,
    *,
    module: str,
    branch_name: str,
    repo_url: str | None,
    working_dir: str = ".",
) -> ShellCommand:
    """``local`` puts the checkout on the branch, made from HEAD; ``clone`` clones first.

    The branch is created at HEAD when missing and moved forward when HEAD is ahead of it;
    a branch holding commits HEAD lacks is never reset: the command fails with git's
    ``! [rejected] … (non-fast-forward)`` line. On the branch already (a re-run after a
    crash) it is a no-op.
    """
    try:
        kind = EnvironmentType(environment_type)
    except ValueError:
        known = ", ".join(t.value for t in EnvironmentType)
        raise ValidationError(
            f"unknown environment type {environment_type!r} (known: {known})"
        ) from None
    on_branch = _branch_from_head(working_dir, branch_name)
    if kind is EnvironmentType.LOCAL:
        programs = on_branch
    else:
        if not repo_url:
            raise ValidationError("the clone environment needs the project's code_repo url")
        programs = [["git", "clone", "--", repo_url, working_dir], *on_branch]
    return ShellCommand(
        module=module,
        programs=programs,
        branch_name=branch_name,
        repo_url=repo_url,
        working_dir=working_dir,
    )
