"""git as the command line calls it: through the composition root's shell port, as argv.

There is no shell of its own here: a ``Git`` is made from the app's shell (``Local.git``),
or, before a repository is opened (``init``, the demo's setup), from
``bootstrap.default_shell()``, so the command line and the runner share one choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codemyspec.shell import Completed, Shell

GIT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Git:
    """git in one directory (a repository's root), run through the given shell."""

    shell: Shell
    root: Path

    def __call__(self, *args: str) -> Completed:
        """Run ``git args``; a missing git is a failed ``Completed``, not a crash."""
        return self.shell.run(["git", *args], self.root, timeout=GIT_TIMEOUT)

    def output(self, *args: str) -> str | None:
        """git's stripped stdout when it succeeded and said something, else None."""
        done = self(*args)
        out = done.stdout.strip()
        return out if done.ok and out else None
