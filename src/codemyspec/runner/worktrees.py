"""The git port for child workspaces: worktrees, merges of dependencies, integration."""

from __future__ import annotations

from pathlib import Path

from codemyspec.shell import Completed, Shell


class GitWorktrees:
    """Every git operation the runner does on worktrees, idempotent so a resume can repeat it."""

    def __init__(self, root: Path, shell: Shell, timeout: float = 600.0) -> None:
        self.root = root
        self._shell = shell
        self._timeout = timeout

    def _git(self, *args: str, cwd: Path | None = None) -> Completed:
        return self._shell.run(["git", *args], cwd or self.root, timeout=self._timeout)

    def _is_worktree_on(self, path: Path, branch: str) -> bool:
        if not (path / ".git").exists():
            return False
        head = self._git("rev-parse", "--abbrev-ref", "HEAD", cwd=path)
        return head.ok and head.stdout.strip() == branch

    def prepare(self, worktree: str, branch: str, base: str, merge: list[str]) -> Completed | None:
        """Make (or reuse) the worktree on ``branch`` from ``base`` and merge ``merge`` into it.

        Returns the git call that failed, or None when the worktree is ready.
        """
        path = self.root / worktree
        if not self._is_worktree_on(path, branch):
            self._git("worktree", "prune")
            made = self._git("worktree", "add", "--force", "-B", branch, str(path), base)
            if not made.ok:
                return made
        for other in merge:
            merged = self._git(
                "merge", "--no-edit", "--no-ff", "-m", f"Use {other}", other, cwd=path
            )
            if not merged.ok:
                self._git("merge", "--abort", cwd=path)
                return merged
        return None

    def remove(self, worktree: str, branch: str) -> None:
        """Remove the worktree and its branch; what is already gone is fine."""
        self._git("worktree", "remove", "--force", str(self.root / worktree))
        self._git("worktree", "prune")
        self._git("branch", "-D", branch)

    def remove_worktree_only(self, worktree: str) -> None:
        """Remove a finished child's worktree; its branch stays for dependents and integration."""
        self._git("worktree", "remove", "--force", str(self.root / worktree))

    def integrate(self, branch: str, files: list[str]) -> Completed:
        """Bring ``files`` from ``branch`` into the main working tree, uncommitted."""
        return self._git("checkout", branch, "--", *files)

    def publish(self, branch: str, *, force: bool = False) -> Completed:
        """Push ``branch`` to origin so runners on other machines can build on it."""
        ref = f"refs/heads/{branch}"
        return self._git("push", *(["--force"] if force else []), "origin", f"{ref}:{ref}")

    def has_branch(self, branch: str) -> bool:
        return self._git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}").ok

    def fetch(self, branch: str, *, only_if_missing: bool = False) -> Completed | None:
        """Make the local ``branch`` match origin's; None when nothing had to be fetched."""
        if only_if_missing and self.has_branch(branch):
            return None
        ref = f"refs/heads/{branch}"
        return self._git("fetch", "--no-tags", "origin", f"+{ref}:{ref}")

    def unpublish(self, branches: list[str]) -> None:
        """Delete published branches from origin; what is already gone is fine."""
        if branches:
            self._git("push", "origin", "--delete", *branches)

    def has_changes(self, files: list[str]) -> bool:
        """Whether any of ``files`` differs from HEAD (staged or not, or untracked)."""
        diff = self._git("diff", "--quiet", "HEAD", "--", *files)
        if diff.returncode != 0:
            return True
        untracked = self._git("ls-files", "--others", "--exclude-standard", "--", *files)
        return bool(untracked.stdout.strip())
