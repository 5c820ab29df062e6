"""``implement`` never loses a commit: the session's branch, a finished context, a refused push.

Real git with a bare ``origin`` in a temp dir; the agent is the scripted CLI agent. Every
refusal exits 1 naming the branch, session or commit, and changes nothing.
"""

from __future__ import annotations

import pytest

from tests.support.cli_project import BRANCH, CliProject
from tests.support.cli_runs import (
    NAMES,
    assert_one_commit_on_main_with_every_component,
    calls,
    flat,
    invoke,
    listed,
    main_head,
    record,
)
from tests.support.git_repos import git
from tests.support.sample_project import code_path

HOOK_MESSAGE = "Pushes to session branches need a ticket number (see wiki/pushing)"


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


def assert_not_like_a_failed_component(text: str) -> None:
    assert "retry" not in text
    assert "uncommitted" not in text
    assert "was not implemented" not in text


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


# ---------------------------------------------------------------- a refused push


def test_a_push_declined_by_a_hook_says_the_commit_was_made_and_resume_pushes_it_once(
    project: CliProject,
) -> None:
    hook = project.git.remote / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\necho '{HOOK_MESSAGE}'\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)

    result = invoke("implement", "Billing")

    assert result.exit_code == 1
    text = flat(result.output)
    assert "✗ Billing was committed but not pushed (session 1)" in text
    assert f"commit {short_log(project, BRANCH)} (made here; not on origin)" in text
    assert f"! [remote rejected] {BRANCH} -> {BRANCH} (pre-receive hook declined)" in text
    assert f"remote: {HOOK_MESSAGE}" in text
    assert "do what its message above asks" in text
    assert "`codemyspec sessions resume 1` pushes" in text
    assert_not_like_a_failed_component(text)
    assert BRANCH not in project.git.remote_branches()
    assert record(1)["status"] == "failed"

    hook.unlink()
    resumed = invoke("sessions", "resume", "1")

    assert resumed.exit_code == 0, resumed.output
    assert "✓ Billing implemented: 3 components in one commit" in flat(resumed.output)
    assert_one_commit_on_main_with_every_component(project)
    assert git("rev-list", "--count", f"main..{BRANCH}", cwd=project.root).strip() == "1"
    assert [len(calls(project, n)) for n in NAMES] == [1, 1, 1], "no agent ran again"
    assert record(1)["status"] == "complete"


@pytest.mark.parametrize(
    ("fetched", "reason"), [(True, "(non-fast-forward)"), (False, "(fetch first)")]
)
def test_a_push_to_a_branch_someone_pushed_to_first_says_how_to_integrate_it(
    project: CliProject, fetched: bool, reason: str
) -> None:
    other = project.root.parent / "other"
    git("clone", "-q", str(project.git.remote), str(other), cwd=project.root.parent)
    git("switch", "-q", "-c", BRANCH, cwd=other)
    (other / "THEIRS.md").write_text("theirs\n", encoding="utf-8")
    git("add", "THEIRS.md", cwd=other)
    git("commit", "-q", "-m", "Their work", cwd=other)
    git("push", "-q", "origin", BRANCH, cwd=other)
    theirs = git("rev-parse", "HEAD", cwd=other).strip()
    if fetched:
        git("fetch", "-q", "origin", cwd=project.root)

    result = invoke("implement", "Billing")

    assert result.exit_code == 1
    text = flat(result.output)
    assert "✗ Billing was committed but not pushed (session 1)" in text
    assert f"commit {short_log(project, BRANCH)} (made here; not on origin)" in text
    assert f"! [rejected] {BRANCH} -> {BRANCH} {reason}" in text
    assert f"origin's {BRANCH} has commits yours lacks" in text
    assert f"`git rebase origin/{BRANCH}`" in text
    assert "`codemyspec sessions resume 1` pushes" in text
    assert_not_like_a_failed_component(text)
    assert git("rev-parse", BRANCH, cwd=project.git.remote).strip() == theirs

    # The advice works: bring their commit in, then resume pushes without a second commit.
    git("fetch", "-q", "origin", cwd=project.root)
    git("rebase", "-q", f"origin/{BRANCH}", cwd=project.root)
    resumed = invoke("sessions", "resume", "1")

    assert resumed.exit_code == 0, resumed.output
    history = git("log", "--format=%H %s", f"main..{BRANCH}", cwd=project.git.remote)
    assert [line.split(" ", 1)[1] for line in history.splitlines()] == [
        "Implement Billing context",
        "Their work",
    ]
    assert theirs in history


# ---------------------------------------------------- Initialize, the second line of defence


def test_initialize_keeps_an_existing_fresh_branch_and_resume_continues_once_it_is_moved(
    project: CliProject,
) -> None:
    """A database started over reuses session ids: ``--fresh``'s branch may exist already."""
    taken = f"{BRANCH}-1"
    git("switch", "-q", "-c", taken, cwd=project.root)
    kept = commit_by_hand(project, "NOTES.md", "Notes from an older run")
    git("switch", "-q", "main", cwd=project.root)

    result = invoke("implement", "Billing", "--fresh")

    assert result.exit_code == 1
    text = flat(result.output)
    assert f"Initialize failed: git fetch --no-tags exited with 1: ! [rejected] -> {taken}" in text
    assert f"{taken} holds commits HEAD lacks and codemyspec never starts a branch over" in text
    assert f"`git branch -m {taken} {taken}-kept`" in text
    assert "`codemyspec sessions resume 1` continues" in text
    assert "uncommitted" not in text
    assert git("rev-parse", "--short", taken, cwd=project.root).strip() == kept
    assert project.git.current_branch() == "main"
    assert calls(project, "Money") == [], "no agent ran"
    assert project.git.remote_branches() == ["main"]

    git("branch", "-m", taken, f"{taken}-kept", cwd=project.root)
    resumed = invoke("sessions", "resume", "1")

    assert resumed.exit_code == 0, resumed.output
    assert taken in project.git.remote_branches()
    parents = git("rev-list", "--parents", "-n", "1", taken, cwd=project.git.remote).split()
    assert parents[1:] == [main_head(project)]
    assert git("rev-parse", "--short", f"{taken}-kept", cwd=project.root).strip() == kept
