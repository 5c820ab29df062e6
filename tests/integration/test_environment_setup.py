"""The environment's setup command, run for real: the checkout or a fresh clone on the branch."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemyspec.environments import EnvironmentType, environment_setup_command
from codemyspec.errors import ValidationError
from codemyspec.runner import execute_shell_command
from codemyspec.sessions import CommandKind, Result, ResultStatus
from codemyspec.shell import SubprocessShell
from tests.support.git_repos import GitProject, git

BRANCH = "code-context-coding-session-for-billing"
MODULE = "tests.environment_setup"


def setup(environment_type: str, repo_url: str | None, cwd: Path, working_dir: str = ".") -> Result:
    command = environment_setup_command(
        environment_type,
        module=MODULE,
        branch_name=BRANCH,
        repo_url=repo_url,
        working_dir=working_dir,
    )
    assert command.command is CommandKind.SHELL
    return execute_shell_command(command, cwd, SubprocessShell(), timeout=30)


def head(cwd: Path) -> str:
    return git("rev-parse", "HEAD", cwd=cwd).strip()


def current_branch(cwd: Path) -> str:
    return git("rev-parse", "--abbrev-ref", "HEAD", cwd=cwd).strip()


# ---------------------------------------------------------------- local


def test_local_setup_switches_the_checkout_to_a_new_branch_made_from_head(
    git_project: GitProject,
) -> None:
    main_head = head(git_project.root)

    result = setup("local", None, git_project.root)

    assert result.status is ResultStatus.OK, result.error_message
    assert git_project.current_branch() == BRANCH
    assert head(git_project.root) == main_head
    assert git("rev-parse", "main", cwd=git_project.root).strip() == main_head


def test_local_setup_run_twice_stays_on_the_branch_and_keeps_the_work_done_there(
    git_project: GitProject,
) -> None:
    assert setup("local", None, git_project.root).status is ResultStatus.OK
    git_project.write("src/shop/committed.py", "DONE = True\n")
    git("add", "src/shop/committed.py", cwd=git_project.root)
    git("commit", "-q", "-m", "work on the branch", cwd=git_project.root)
    work_head = head(git_project.root)
    draft = git_project.write("src/shop/draft.py", "DRAFT = True\n")

    again = setup("local", None, git_project.root)

    assert again.status is ResultStatus.OK, again.error_message
    assert git_project.current_branch() == BRANCH
    assert head(git_project.root) == work_head
    assert draft.read_text() == "DRAFT = True\n"


def commit_on(git_project: GitProject, branch: str, message: str) -> str:
    """A commit made by hand on ``branch`` (created from HEAD when missing); its hash."""
    git("switch", "-q", "-C" if branch == "main" else "-c", branch, cwd=git_project.root)
    git("commit", "-q", "--allow-empty", "-m", message, cwd=git_project.root)
    return head(git_project.root)


def test_local_setup_moves_a_branch_head_is_ahead_of_forward_to_head(
    git_project: GitProject,
) -> None:
    git("branch", BRANCH, cwd=git_project.root)
    main_head = commit_on(git_project, "main", "later work on main")

    result = setup("local", None, git_project.root)

    assert result.status is ResultStatus.OK, result.error_message
    assert git_project.current_branch() == BRANCH
    assert head(git_project.root) == main_head


def test_local_setup_on_the_branch_ahead_of_main_keeps_its_commits(
    git_project: GitProject,
) -> None:
    hand_made = commit_on(git_project, BRANCH, "made by hand")

    result = setup("local", None, git_project.root)

    assert result.status is ResultStatus.OK, result.error_message
    assert git_project.current_branch() == BRANCH
    assert head(git_project.root) == hand_made


@pytest.mark.parametrize("main_moved", [False, True], ids=["branch-ahead", "diverged"])
def test_local_setup_never_resets_a_branch_holding_commits_head_lacks(
    git_project: GitProject, main_moved: bool
) -> None:
    hand_made = commit_on(git_project, BRANCH, "made by hand")
    git("switch", "-q", "main", cwd=git_project.root)
    if main_moved:
        commit_on(git_project, "main", "later work on main")
    main_head = head(git_project.root)

    result = setup("local", None, git_project.root)

    assert result.status is ResultStatus.ERROR
    assert result.error_message is not None
    assert f"-> {BRANCH} (non-fast-forward)" in result.error_message
    assert result.data["failed_program"][3] == "fetch"
    assert git("rev-parse", BRANCH, cwd=git_project.root).strip() == hand_made
    assert git_project.current_branch() == "main"
    assert head(git_project.root) == main_head


def test_local_setup_accepts_the_environment_type_enum(git_project: GitProject) -> None:
    assert setup(EnvironmentType.LOCAL, None, git_project.root).status is ResultStatus.OK
    assert git_project.current_branch() == BRANCH


# ---------------------------------------------------------------- clone


def test_clone_setup_clones_the_code_repo_into_an_empty_dir_and_switches_to_the_branch(
    git_project: GitProject, tmp_path: Path
) -> None:
    workdir = tmp_path / "fresh"
    workdir.mkdir()

    result = setup("clone", str(git_project.remote), workdir)

    assert result.status is ResultStatus.OK, result.error_message
    assert current_branch(workdir) == BRANCH
    assert head(workdir) == git("rev-parse", "main", cwd=git_project.remote).strip()
    assert (workdir / "README.md").read_text() == "sample project\n"
    origin = git("remote", "get-url", "origin", cwd=workdir).strip()
    assert Path(origin).resolve() == git_project.remote.resolve()
    assert git_project.current_branch() == "main", "the original checkout is left alone"


def test_clone_setup_makes_the_branch_from_head_and_leaves_origins_branch_alone(
    git_project: GitProject, tmp_path: Path
) -> None:
    theirs = commit_on(git_project, BRANCH, "pushed by someone else")
    git("push", "-q", "origin", BRANCH, cwd=git_project.root)
    workdir = tmp_path / "fresh"
    workdir.mkdir()

    result = setup("clone", str(git_project.remote), workdir)

    assert result.status is ResultStatus.OK, result.error_message
    assert current_branch(workdir) == BRANCH
    assert head(workdir) == git("rev-parse", "main", cwd=git_project.remote).strip()
    assert git("rev-parse", BRANCH, cwd=git_project.remote).strip() == theirs


def test_clone_setup_can_clone_into_a_named_working_dir(
    git_project: GitProject, tmp_path: Path
) -> None:
    base = tmp_path / "sessions"
    base.mkdir()

    result = setup("clone", str(git_project.remote), base, working_dir="checkout")

    assert result.status is ResultStatus.OK, result.error_message
    assert current_branch(base / "checkout") == BRANCH
    assert (base / "checkout" / "pyproject.toml").is_file()


def test_clone_setup_of_a_missing_repo_fails_with_gits_reason(tmp_path: Path) -> None:
    workdir = tmp_path / "fresh"
    workdir.mkdir()

    result = setup("clone", str(tmp_path / "no-such-remote.git"), workdir)

    assert result.status is ResultStatus.ERROR
    assert result.error_message is not None
    assert result.error_message.startswith("git clone")
    assert "does not exist" in result.stderr
    assert result.data["failed_program"][:2] == ["git", "clone"]
    assert list(workdir.iterdir()) == []


def test_clone_setup_without_a_repo_url_is_refused() -> None:
    with pytest.raises(ValidationError, match="clone environment needs the project's code_repo"):
        environment_setup_command("clone", module=MODULE, branch_name=BRANCH, repo_url=None)


# ---------------------------------------------------------------- unknown


def test_an_unknown_environment_type_is_refused_naming_it() -> None:
    with pytest.raises((ValueError, ValidationError)) as raised:
        environment_setup_command("docker", module=MODULE, branch_name=BRANCH, repo_url=None)
    assert "'docker'" in str(raised.value)
