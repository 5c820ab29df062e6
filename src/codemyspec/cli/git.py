"""git as the command line calls it: through the shell port, as argv, with a timeout."""

from __future__ import annotations

from pathlib import Path

from codemyspec.shell import Completed, SubprocessShell

GIT_TIMEOUT = 60.0
_shell = SubprocessShell()


def git(root: Path, *args: str) -> Completed:
    """Run ``git args`` in ``root``; a missing git is a failed ``Completed``, not a crash."""
    return _shell.run(["git", *args], root, timeout=GIT_TIMEOUT)


def git_output(root: Path, *args: str) -> str | None:
    """git's stripped stdout when it succeeded and said something, else None."""
    done = git(root, *args)
    out = done.stdout.strip()
    return out if done.ok and out else None
