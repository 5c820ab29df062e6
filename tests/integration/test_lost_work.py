"""What the one commit must hold, checked against what is staged with real git: a child's
file its record missed, or a deletion that did not happen, is named, line for line."""

from __future__ import annotations

from pathlib import Path

from codemyspec.runner.lost_work import lost_work
from codemyspec.runner.worktrees import GitWorktrees
from codemyspec.sessions import CommitCommand, IntegratedFile
from codemyspec.shell import SubprocessShell
from tests.support.git_repos import git, make_git_project


def test_a_change_the_commit_would_not_hold_is_named_and_one_it_holds_is_not(
    tmp_path: Path,
) -> None:
    project = make_git_project(tmp_path)
    root = project.root
    project.write("src/shop/old.py", "OLD = 1\n")
    project.write("src/shop/tax.py", "RATE = 4\n")
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "base", cwd=root)
    git("switch", "-q", "-c", "child", cwd=root)
    project.write("src/shop/tax.py", "RATE = 5\n")
    project.write("src/shop/rates.py", "RATES = {}\n")
    git("rm", "-q", "src/shop/old.py", cwd=root)
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "child", cwd=root)
    git("switch", "-q", "-", cwd=root)
    git("checkout", "child", "--", "src/shop/tax.py", cwd=root)  # integrated: only tax.py
    repo = GitWorktrees(root, SubprocessShell())
    changed = repo.changed_files("child")
    assert changed == ["src/shop/old.py", "src/shop/rates.py", "src/shop/tax.py"]
    files = ["src/shop/tax.py", "src/shop/old.py"]
    command = CommitCommand(
        module="test",
        stage=["git", "add", "-A", "--", *files],
        commit=["git", "commit", "-m", "one", "--", *files],
        files=files,
        branch_name="main",
        integrated=[
            IntegratedFile(path=p, blob=repo.blob("child", p), component="Billing.Tax")
            for p in changed or []
        ],
    )
    git(*command.stage[1:], cwd=root)

    assert lost_work(command, repo.committed_blob) == (
        "Billing.Tax's deletion of src/shop/old.py did not make it into the commit (the file "
        "is still there); Billing.Tax's change to src/shop/rates.py did not make it into the "
        "commit (the commit does not take that file): nothing was committed"
    )
