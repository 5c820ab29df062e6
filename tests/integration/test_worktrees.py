"""Worktrees prepared in parallel, by threads and by processes, on one real repository."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from codemyspec.runner import GitWorktrees
from codemyspec.shell import SubprocessShell
from tests.support import parallel_prepares
from tests.support.counting_shell import CountingShell
from tests.support.git_repos import GitProject, git, make_git_project
from tests.support.parallel_prepares import prepare_in_parallel, remove_in_parallel, worktree_of

DEPENDENCY = "dependency"


@pytest.fixture
def project(tmp_path: Path) -> GitProject:
    """A repository on main with a ``dependency`` branch one commit ahead."""
    made = make_git_project(tmp_path / "workspace")
    git("checkout", "-q", "-b", DEPENDENCY, cwd=made.root)
    made.write("src/shop/money.py", "CENTS = 100\n")
    git("add", "-A", cwd=made.root)
    git("commit", "-q", "-m", "Money", cwd=made.root)
    git("checkout", "-q", "main", cwd=made.root)
    return made


@pytest.fixture
def worktrees(project: GitProject) -> GitWorktrees:
    return GitWorktrees(project.root, SubprocessShell())


def branches_by_worktree(root: Path) -> dict[Path, str]:
    """What ``git worktree list`` says each worktree has checked out."""
    listed: dict[Path, str] = {}
    path: Path | None = None
    for line in git("worktree", "list", "--porcelain", cwd=root).splitlines():
        if line.startswith("worktree "):
            path = Path(line.removeprefix("worktree ")).resolve()
        elif line.startswith("branch ") and path is not None:
            listed[path] = line.removeprefix("branch refs/heads/")
    return listed


def assert_each_on_its_own_branch(root: Path, names: list[str]) -> None:
    listed = branches_by_worktree(root)
    for name in names:
        path = (root / worktree_of(name)).resolve()
        assert listed.get(path) == name, f"{name}: {listed.get(path)}"
        assert git("rev-parse", "--abbrev-ref", "HEAD", cwd=path).strip() == name


def test_sixteen_parallel_prepares_with_a_merge_succeed_round_after_round(
    project: GitProject, worktrees: GitWorktrees
) -> None:
    for round_ in range(3):
        names = [f"r{round_}-{i}" for i in range(16)]

        assert prepare_in_parallel(worktrees, names, merge=[DEPENDENCY]) == []

        assert_each_on_its_own_branch(project.root, names)
        for name in names:
            assert (project.root / worktree_of(name) / "src/shop/money.py").is_file()
        remove_in_parallel(worktrees, names)
        assert list(branches_by_worktree(project.root).values()) == ["main"]
        assert not any(worktrees.has_branch(name) for name in names)


def test_sixty_four_parallel_prepares_each_get_their_own_branch(
    project: GitProject, worktrees: GitWorktrees
) -> None:
    names = [f"child-{i}" for i in range(64)]

    assert prepare_in_parallel(worktrees, names) == []

    assert_each_on_its_own_branch(project.root, names)
    assert len(branches_by_worktree(project.root)) == 65


def test_removing_many_workspaces_at_once_leaves_none_in_three_git_calls(
    project: GitProject, worktrees: GitWorktrees
) -> None:
    names = [f"child-{i}" for i in range(8)]
    assert prepare_in_parallel(worktrees, names) == []
    for name in names[1:]:  # finished children: their folders are gone, their branches stay
        worktrees.remove_worktree_only(worktree_of(name))
    shell = CountingShell()
    counted = GitWorktrees(project.root, shell)

    counted.remove_all([(worktree_of(n), n) for n in [*names, "never-made"]])

    assert list(branches_by_worktree(project.root).values()) == ["main"]
    assert not any(worktrees.has_branch(name) for name in names)
    assert not (project.root / worktree_of(names[0])).exists()
    removals = [argv[1:3] for argv, _ in shell.runs if argv[1] != "rev-parse"]
    assert removals == [("worktree", "remove"), ("worktree", "prune"), ("branch", "-D")]


def test_two_processes_preparing_worktrees_of_one_repository_at_once_both_succeed(
    project: GitProject,
) -> None:
    script = parallel_prepares.__file__
    runs = [
        subprocess.Popen(
            [sys.executable, script, str(project.root), prefix, "8"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for prefix in ("a", "b")
    ]
    for run in runs:
        assert run.stdout is not None
        assert run.stdout.readline().strip() == "ready"
    for run in runs:  # both start preparing now
        assert run.stdin is not None
        run.stdin.write("go\n")
        run.stdin.flush()
    outputs = [run.communicate(timeout=300) for run in runs]

    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
        assert json.loads(out) == []
    assert_each_on_its_own_branch(project.root, [f"{p}-{i}" for p in "ab" for i in range(8)])


def test_a_publish_replaces_only_what_origin_was_seen_to_hold(
    project: GitProject, worktrees: GitWorktrees
) -> None:
    ours = git("rev-parse", DEPENDENCY, cwd=project.root).strip()
    assert worktrees.publish(DEPENDENCY, lease="").ok, "origin had no such branch"
    assert worktrees.remote_tip(DEPENDENCY)[0] == ours
    git("checkout", "-q", "-b", "theirs", "main", cwd=project.root)
    project.write("src/shop/money.py", "CENTS = 1000\n")
    git("add", "-A", cwd=project.root)
    git("commit", "-q", "-m", "Their Money", cwd=project.root)
    theirs = git("rev-parse", "HEAD", cwd=project.root).strip()
    git("push", "-q", "--force", "origin", f"theirs:{DEPENDENCY}", cwd=project.root)

    assert not worktrees.publish(DEPENDENCY, lease="").ok, "origin has it now"
    assert not worktrees.publish(DEPENDENCY, lease=ours).ok, "origin moved since"
    assert not worktrees.publish(DEPENDENCY).ok, "not a fast-forward"
    assert worktrees.remote_tip(DEPENDENCY)[0] == theirs
    assert worktrees.publish(DEPENDENCY, lease=theirs).ok
    assert worktrees.remote_tip(DEPENDENCY)[0] == ours


def test_a_fetch_into_a_branch_an_abandoned_worktree_holds_removes_that_worktree_first(
    project: GitProject, worktrees: GitWorktrees
) -> None:
    finished = git("rev-parse", DEPENDENCY, cwd=project.root).strip()
    git("push", "-q", "origin", DEPENDENCY, cwd=project.root)
    # An attempt abandoned here: a worktree on the branch, made afresh from main.
    assert worktrees.prepare(worktree_of(DEPENDENCY), DEPENDENCY, "main", []) is None
    assert worktrees.tip(DEPENDENCY) != finished

    fetched = worktrees.fetch(DEPENDENCY)

    assert fetched is not None and fetched.ok, fetched
    assert worktrees.tip(DEPENDENCY) == finished
    assert not (project.root / worktree_of(DEPENDENCY)).exists()
    assert list(branches_by_worktree(project.root).values()) == ["main"]
