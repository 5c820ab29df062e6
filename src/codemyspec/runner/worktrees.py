"""The git port for child workspaces: worktrees, merges of dependencies, integration.

Children run in parallel threads, and runners in several processes may share one
repository, but git does not make ``worktree add`` and ``worktree prune`` safe against
each other: one reads (or prunes) the other's half-written ``.git/worktrees/<name>``.
So every operation that writes git's common directory holds one lock per repository;
reads take none.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from codemyspec.shell import Completed, Shell

LOCK_FILE = "codemyspec-worktrees.lock"


class GitWorktrees:
    """Every git operation the runner does on worktrees, idempotent so a resume can repeat it."""

    def __init__(self, root: Path, shell: Shell, timeout: float = 600.0) -> None:
        self.root = root
        self._shell = shell
        self._timeout = timeout
        self._found_common_dir: Path | None = None

    def _git(self, *args: str, cwd: Path | None = None) -> Completed:
        return self._shell.run(["git", *args], cwd or self.root, timeout=self._timeout)

    def _common_dir(self) -> Path | None:
        """git's common directory, which every worktree of the repository shares; found once."""
        if self._found_common_dir is None:
            found = self._git("rev-parse", "--git-common-dir")
            if found.ok:  # relative to the root, unless the root is a linked worktree
                self._found_common_dir = (self.root / found.stdout.strip()).resolve()
        return self._found_common_dir

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the repository's lock while git writes its common directory (not reentrant).

        ``flock`` keeps other processes out; the file is opened afresh for each hold
        because the lock belongs to the open file, so this process's threads wait for each
        other too. Outside a repository there is nothing to protect: git fails and says why.
        """
        common_dir = self._common_dir()
        if common_dir is None:
            yield
            return
        with (common_dir / LOCK_FILE).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

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
        on_branch = self._is_worktree_on(path, branch)
        with self._writing():
            if not on_branch:
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
        self.remove_all([(worktree, branch)])

    def remove_all(self, workspaces: Sequence[tuple[str, str]]) -> None:
        """Remove each (worktree, branch); what is already gone is fine. A worktree whose
        folder is gone (a finished child's) needs no call of its own: one ``worktree prune``
        forgets them all, and one ``branch -D`` deletes every branch (git goes on past one
        it cannot delete)."""
        if not workspaces:
            return
        with self._writing():
            for worktree, _ in workspaces:
                if (path := self.root / worktree).exists():
                    self._git("worktree", "remove", "--force", str(path))
            self._git("worktree", "prune")
            self._git("branch", "-D", *(branch for _, branch in workspaces))

    def remove_worktree_only(self, worktree: str) -> None:
        """Remove a finished child's worktree; its branch stays for dependents and integration."""
        with self._writing():
            self._git("worktree", "remove", "--force", str(self.root / worktree))

    def add_scratch(self, worktree: str, commit: str) -> Completed:
        """A detached worktree at ``commit`` (the culprit search's scratch copy), made anew."""
        path = self.root / worktree
        with self._writing():
            if path.exists():
                self._git("worktree", "remove", "--force", str(path))
            self._git("worktree", "prune")
            return self._git("worktree", "add", "--force", "--detach", str(path), commit)

    def reset_tree(self, tree: Path) -> Completed:
        """A worktree back to its HEAD: changes undone, files git does not know removed (the
        ones it ignores stay)."""
        reset = self._git("reset", "-q", "--hard", cwd=tree)
        return self._git("clean", "-f", "-d", "-q", cwd=tree) if reset.ok else reset

    def integrate(
        self,
        source: str,
        files: Sequence[str],
        deleted: Sequence[str] = (),
        *,
        tree: Path | None = None,
    ) -> Completed:
        """Bring ``files`` from ``source`` (a branch or a commit) into the main working tree
        (or ``tree``, a scratch worktree) and delete ``deleted`` there, uncommitted."""
        with self._writing():
            done = self._git("checkout", source, "--", *files, cwd=tree) if files else None
            if deleted and (done is None or done.ok):
                done = self._git("rm", "-q", "-f", "--ignore-unmatch", "--", *deleted, cwd=tree)
            return done if done is not None else self._git("rev-parse", "--verify", source)

    def blob(self, source: str, path: str) -> str | None:
        """The object id of ``path`` in ``source``, None when it is not there."""
        found = self._git("rev-parse", "--verify", "--quiet", f"{source}:{path}")
        return found.stdout.strip() if found.ok else None

    def changed_files(self, source: str) -> list[str] | None:
        """Every file ``source`` added, changed or deleted since it left HEAD's history (from
        their merge base); None when git cannot tell."""
        done = self._git("diff", "--name-only", "-z", "--no-renames", f"HEAD...{source}")
        return [path for path in done.stdout.split("\0") if path] if done.ok else None

    def committed_blob(self, path: str, *, staged: bool) -> str | None:
        """The blob of ``path`` that a commit holds: the index's when it commits what is
        ``staged`` there, else HEAD's; None when it holds no such file."""
        return self.blob("" if staged else "HEAD", path)

    def publish(self, branch: str, *, lease: str | None = None) -> Completed:
        """Push ``branch`` to origin so runners on other machines can build on it.

        Without ``lease`` origin takes only a fast-forward; with it, origin's branch is
        replaced only while it is still ``lease`` (``""``: while origin has no such branch).
        """
        ref = f"refs/heads/{branch}"
        guard = [] if lease is None else [f"--force-with-lease={ref}:{lease}"]
        with self._writing():  # the push updates the remote-tracking ref
            return self._git("push", *guard, "origin", f"{ref}:{ref}")

    def has_branch(self, branch: str) -> bool:
        return self._git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}").ok

    def tip(self, branch: str) -> str | None:
        """The commit the local ``branch`` points at, None when there is no such branch."""
        found = self._git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}")
        return found.stdout.strip() if found.ok else None

    def has_commit(self, sha: str) -> bool:
        return self._git("cat-file", "-e", f"{sha}^{{commit}}").ok

    def remote_tip(self, branch: str) -> tuple[str | None, Completed]:
        """origin's commit for ``branch`` (None when origin has no such branch), and the call."""
        ref = f"refs/heads/{branch}"
        listed = self._git("ls-remote", "--heads", "origin", ref)
        found = [line.split() for line in listed.stdout.splitlines()]
        return next((words[0] for words in found if words[1:] == [ref]), None), listed

    def fetch_commit(self, branch: str, sha: str) -> Completed | None:
        """Make ``sha`` (the recorded tip of origin's ``branch``) available here, without
        touching the local branch of that name; None when it is here already."""
        if self.has_commit(sha):
            return None
        ref = f"refs/heads/{branch}"
        with self._writing():
            return self._git("fetch", "--no-tags", "origin", f"+{ref}:refs/remotes/origin/{branch}")

    def fetch(self, branch: str, *, only_if_missing: bool = False) -> Completed | None:
        """Make the local ``branch`` match origin's; None when nothing had to be fetched.

        The branches fetched are finished children's, whose worktrees here are removed when
        they finish: a worktree still on one is an abandoned attempt's (its runner died and
        another finished the child), and it goes first, since git refuses to fetch into a
        branch a worktree has checked out.
        """
        if only_if_missing and self.has_branch(branch):
            return None
        ref = f"refs/heads/{branch}"
        with self._writing():  # the fetch writes FETCH_HEAD and the branch
            for stale in self._worktrees_on(ref):
                self._git("worktree", "remove", "--force", str(stale))
            return self._git("fetch", "--no-tags", "origin", f"+{ref}:{ref}")

    def _worktrees_on(self, ref: str) -> list[Path]:
        """The linked worktrees (never the main one) that have ``ref`` checked out."""
        listed = self._git("worktree", "list", "--porcelain").stdout.split("\n\n")
        found = []
        for block in listed:
            lines = block.splitlines()
            path = next((line[9:] for line in lines if line.startswith("worktree ")), None)
            if path and f"branch {ref}" in lines and Path(path).resolve() != self.root.resolve():
                found.append(Path(path))
        return found

    def unpublish(self, branches: list[str]) -> None:
        """Delete published branches from origin; what is already gone is fine."""
        if branches:
            with self._writing():
                self._git("push", "origin", "--delete", *branches)

    def has_changes(self, files: list[str]) -> bool:
        """Whether any of ``files`` differs from HEAD (staged or not, or untracked)."""
        diff = self._git("diff", "--quiet", "HEAD", "--", *files)
        if diff.returncode != 0:
            return True
        untracked = self._git("ls-files", "--others", "--exclude-standard", "--", *files)
        return bool(untracked.stdout.strip())
