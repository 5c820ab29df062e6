"""A worktree that merges a dependency another runner finished a moment ago.

That runner records the dependency complete, then pushes its branch: a runner starting the
dependent child in between finds no such branch on origin yet, and waits for it (up to a
lease) instead of failing the child.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from codemyspec.bootstrap import App
from codemyspec.commands import PrepareWorkspaceCommand, ResultStatus
from codemyspec.runner import CommandExecutor, GitWorktrees, RunnerConfig
from codemyspec.shell import Completed
from tests.support.counting_shell import CountingShell
from tests.support.factories import make_account, make_project
from tests.support.git_repos import GitProject, git, make_git_project

DEPENDENCY = "code-context-coding-session-for-billing--money"


class PushedLate(CountingShell):
    """The other runner: its push of the dependency lands right after the first fetch of it
    found nothing on origin."""

    def __init__(self, pusher: GitProject | None) -> None:
        super().__init__()
        self.pusher = pusher

    def run(
        self,
        argv: Sequence[str],
        cwd: Path,
        *,
        timeout: float | None = None,
        env: Mapping[str, str] | None = None,
        stdin: str | None = None,
    ) -> Completed:
        done = super().run(argv, cwd, timeout=timeout, env=env, stdin=stdin)
        if self.pusher is not None and "fetch" in argv and not done.ok:
            git("push", "-q", "origin", DEPENDENCY, cwd=self.pusher.root)
            self.pusher = None
        return done


def setup(app: App, tmp_path: Path, shell: PushedLate) -> tuple[CommandExecutor, PushedLate]:
    runner_repo = make_git_project(tmp_path / "here")
    _, project = make_project(app, make_account(app), runner_repo.root)
    config = RunnerConfig(share_branches=True, lease_seconds=5, poll_seconds=0.05)
    executor = CommandExecutor(
        project, runner_repo.root, shell, {}, config, GitWorktrees(runner_repo.root, shell)
    )
    return executor, shell


def other_runner(tmp_path: Path, origin: Path) -> GitProject:
    """A clone of the same origin that made the dependency's branch and has not pushed it."""
    clone = tmp_path / "other"
    git("clone", "-q", str(origin), str(clone), cwd=tmp_path)
    git("checkout", "-q", "-b", DEPENDENCY, cwd=clone)
    (clone / "src/shop/money.py").write_text("CENTS = 100\n")
    git("add", "-A", cwd=clone)
    git("commit", "-q", "-m", "Money", cwd=clone)
    return GitProject(root=clone, remote=origin)


def prepare(executor: CommandExecutor) -> PrepareWorkspaceCommand:
    return PrepareWorkspaceCommand(
        module="test",
        branch_name="code-context-coding-session-for-billing--ledger",
        base_branch="main",
        worktree=".codemyspec/worktrees/ledger",
        merge_branches=[DEPENDENCY],
        test_file="tests/test_ledger.py",
        code_file="src/shop/ledger.py",
    )


def test_a_dependency_pushed_a_moment_late_is_waited_for_and_merged(
    app: App, tmp_path: Path
) -> None:
    shell = PushedLate(None)
    executor, _ = setup(app, tmp_path, shell)
    shell.pusher = other_runner(tmp_path, executor.root.parent / "remote.git")

    result = executor.execute(prepare(executor), threading.Event())

    assert result.status is ResultStatus.OK, result.error_message
    merged = executor.root / ".codemyspec/worktrees/ledger/src/shop/money.py"
    assert merged.read_text() == "CENTS = 100\n"
    fetches = [argv for argv, _ in shell.runs if "fetch" in argv and DEPENDENCY in " ".join(argv)]
    assert len(fetches) == 2, "asked again once it was pushed"


def test_a_dependency_never_pushed_fails_the_child_after_a_lease_naming_the_branch(
    app: App, tmp_path: Path
) -> None:
    executor, _ = setup(app, tmp_path, PushedLate(None))
    executor.config = executor.config.model_copy(update={"lease_seconds": 0.2})

    result = executor.execute(prepare(executor), threading.Event())

    assert result.status is ResultStatus.ERROR
    assert result.error_message is not None
    assert f"could not fetch {DEPENDENCY} from origin" in result.error_message
    assert "couldn't find remote ref" in result.error_message
