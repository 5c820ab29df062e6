"""Child branches shared through ``origin``: published and integrated by their recorded tip.

A finished child's work is the commit its Finalize recorded (``branch_tip``: sha, holder,
attempt). A runner publishes a child's branch only when its own branch is at that commit
and a runner of its name made it (``made_here``), so a stale branch of an abandoned
attempt (a runner killed mid-agent keeps it) never reaches ``origin``; and it replaces
what ``origin`` holds only while ``origin`` still holds what it saw there
(``--force-with-lease``). Integration checks out exactly the recorded commit, fetched
from ``origin`` when another runner made it.
"""

from __future__ import annotations

import logging

from codemyspec.component_coding_sessions import ComponentState, branch_tip
from codemyspec.runner.claims import made_here
from codemyspec.runner.worktrees import GitWorktrees
from codemyspec.sessions import Session
from codemyspec.shell import Completed

log = logging.getLogger(__name__)


class SharedBranches:
    """What a runner pushes to and takes from ``origin`` for a context's branches."""

    def __init__(self, git: GitWorktrees) -> None:
        self.git = git

    def publish_parent(self, branch: str) -> str | None:
        """Push the parent's branch, a fast-forward only; why it failed, or None."""
        return self._pushed(branch, self.git.publish(branch))

    def publish_child(self, child: Session) -> str | None:
        """Push a finished child's branch when this runner made its recorded tip; why that
        failed, or None (pushed, nothing to push, or not this runner's to push)."""
        branch = ComponentState.of(child).branch_name
        local = self.git.tip(branch) if branch else None
        if not branch or local is None:
            return None  # another runner finished it: that runner publishes it
        tip = branch_tip(child)
        if tip is None:  # recorded before tips were: never replace what origin holds
            return self._pushed(branch, self.git.publish(branch))
        if local != tip.sha or not made_here(tip.holder):
            log.info(
                "not publishing %s: it is at %s here, the finished commit is %s by %s",
                branch,
                local[:12],
                tip.sha[:12],
                tip.holder,
            )
            return None
        remote, asked = self.git.remote_tip(branch)
        if not asked.ok:
            return f"could not read {branch} on origin: {asked.failure_reason()}"
        if remote == tip.sha:
            return None
        # Origin has no such branch, or one no finished attempt made: replace only that.
        return self._pushed(branch, self.git.publish(branch, lease=remote or ""))

    def integration_source(self, child: Session, *, shared: bool) -> tuple[str, str | None]:
        """What to check the child's files out of (its recorded commit, else its branch), and
        why that cannot be had here, or None."""
        branch = str(ComponentState.of(child).branch_name)
        tip = branch_tip(child)
        if tip is None:
            fetched = self.git.fetch(branch) if shared else None
            return branch, _failure(fetched)
        fetched = self.git.fetch_commit(branch, tip.sha) if shared else None
        made = f"its finished commit {tip.sha[:12]} (made by {tip.holder or 'an unnamed runner'})"
        if (failed := _failure(fetched)) is not None:
            return tip.sha, f"{made} is not here, and origin's {branch} could not be had: {failed}"
        if not self.git.has_commit(tip.sha):
            return tip.sha, f"{made} is not on {branch}, here or on origin"
        return tip.sha, None

    @staticmethod
    def _pushed(branch: str, pushed: Completed) -> str | None:
        return None if pushed.ok else f"could not push {branch}: {pushed.failure_reason()}"


def _failure(done: Completed | None) -> str | None:
    return done.failure_reason() if done is not None and not done.ok else None
