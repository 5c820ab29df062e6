"""``implement`` never loses a commit: the session's branch, a finished context, a refused push.

Real git with a bare ``origin`` in a temp dir; the agent is the scripted CLI agent. Every
refusal exits 1 naming the branch, session or commit, and changes nothing.
"""

from __future__ import annotations

import pytest

from tests.support.cli_project import BRANCH, CliProject
from tests.support.cli_runs import (
    NAMES,
    calls,
    flat,
    invoke,
    listed,
    main_head,
)
from tests.support.git_repos import git
from tests.support.sample_project import code_path


def commit_by_hand(project: CliProject, name: str, subject: str) -> str:
    """A commit adding ``name``, made by hand on the checked-out branch; its short hash."""
    project.git.write(name, f"{subject}\n")
    git("add", name, cwd=project.root)
    git("commit", "-q", "-m", subject, cwd=project.root)
    return git("rev-parse", "--short", "HEAD", cwd=project.root).strip()


def rev(project: CliProject, ref: str) -> str:
    return git("rev-parse", ref, cwd=project.root).strip()


def short_log(project: CliProject, ref: str) -> str:
    return git("log", "-1", "--format=%h %s", ref, cwd=project.root).strip()


# ------------------------------------------------------------ the session's branch


@pytest.mark.parametrize("made", [1, 5])
def test_a_session_branch_with_commits_head_lacks_is_refused_and_left_alone(
    project: CliProject, made: int
) -> None:
    git("switch", "-q", "-c", BRANCH, cwd=project.root)
    hashes = [commit_by_hand(project, f"NOTES{n}.md", f"Notes {n} by hand") for n in range(made)]
    git("switch", "-q", "main", cwd=project.root)
    before = (rev(project, "HEAD"), rev(project, BRANCH), project.git.remote_branches())

    result = invoke("implement", "Billing")

    assert result.exit_code == 1
    text = flat(result.output)
    count = "1 commit" if made == 1 else f"{made} commits"
    assert f"branch {BRANCH} holds {count} that HEAD (main) lacks: " in text
    newest_first = list(reversed(hashes))
    for n, short in enumerate(newest_first[:3]):
        assert f"{short} Notes {made - 1 - n} by hand" in text
    if made > 3:
        assert f"and {made - 3} more" in text
        assert newest_first[3] not in text
    assert f"`git switch {BRANCH}`" in text
    assert "--fresh" in text
    assert listed() == [], "no session was created"
    assert (rev(project, "HEAD"), rev(project, BRANCH), project.git.remote_branches()) == before
    assert project.git.current_branch() == "main"
    assert calls(project, "Money") == [], "no agent ran"


def test_implement_on_the_session_branch_builds_on_its_hand_made_commit(
    project: CliProject,
) -> None:
    git("switch", "-q", "-c", BRANCH, cwd=project.root)
    commit_by_hand(project, "NOTES.md", "Notes by hand")
    hand_made = rev(project, "HEAD")

    result = invoke("implement", "Billing")

    assert result.exit_code == 0, result.output
    parents = git("rev-list", "--parents", "-n", "1", BRANCH, cwd=project.git.remote).split()
    assert parents[1:] == [hand_made], "the implement commit sits on the hand-made one"
    assert git("rev-list", "--parents", "-n", "1", hand_made, cwd=project.git.remote).split()[
        1:
    ] == [main_head(project)]
    assert project.git.remote_log(BRANCH)[0].startswith("Implement Billing context")
    files = set(project.git.remote_files(BRANCH))
    assert {"NOTES.md", *(code_path(n) for n in NAMES)} <= files


# ------------------------------------------------------------- a finished context


def test_a_completed_context_is_refused_and_fresh_implements_it_on_a_new_branch(
    project: CliProject,
) -> None:
    assert invoke("implement", "Billing").exit_code == 0
    implemented = short_log(project, BRANCH)
    # The reported case: a commit by hand on the finished branch, then implement from main.
    hand_made = commit_by_hand(project, "NOTES.md", "Notes by hand")
    git("push", "-q", "origin", BRANCH, cwd=project.root)
    git("switch", "-q", "main", cwd=project.root)
    before = (rev(project, "HEAD"), rev(project, BRANCH), rev(project, f"origin/{BRANCH}"))
    agent_runs = [len(calls(project, n)) for n in NAMES]

    again = invoke("implement", "Billing")

    assert again.exit_code == 1
    text = flat(again.output)
    assert (
        f"Billing is implemented already: session 1 completed it on branch {BRANCH}, "
        f"commit {hand_made} Notes by hand." in text
    )
    assert "`codemyspec implement Billing --fresh` implements it again" in text
    assert "`codemyspec sessions show 1`" in text
    assert [s["id"] for s in listed()] == [1]
    assert [len(calls(project, n)) for n in NAMES] == agent_runs, "no agent ran"
    remote_tip = git("rev-parse", BRANCH, cwd=project.git.remote).strip()
    assert (rev(project, "HEAD"), rev(project, BRANCH), remote_tip) == before
    assert implemented.split()[0] in git("log", "--format=%h", BRANCH, cwd=project.root)

    fresh = invoke("implement", "Billing", "--fresh")

    assert fresh.exit_code == 0, fresh.output
    newest = listed()[0]
    fresh_branch = f"{BRANCH}-{newest['id']}"
    assert [s["id"] for s in listed()][1:] == [1]
    assert newest["status"] == "complete"
    assert f"branch {fresh_branch}" in flat(fresh.output)
    assert fresh_branch in project.git.remote_branches()
    parents = git("rev-list", "--parents", "-n", "1", fresh_branch, cwd=project.git.remote)
    assert parents.split()[1:] == [main_head(project)], "one commit on top of main"
    assert git("rev-parse", BRANCH, cwd=project.git.remote).strip() == before[2], "kept"
