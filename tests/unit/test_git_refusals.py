"""git's refused ref updates: the line that says why, the remote's message, and the cause."""

from __future__ import annotations

import pytest

from codemyspec.git_refusals import RefusalKind, ref_refusal
from codemyspec.shell import Completed

BRANCH = "code-context-coding-session-for-billing"
PUSH = ("git", "push", "--set-upstream", "origin", BRANCH)

PAD = " " * 8  # git pads a remote's lines with spaces to clear its progress meter
HOOK_DECLINED = f"""\
remote: Pushes to {BRANCH} need a ticket number{PAD}
remote: see https://wiki.example.com/tickets{PAD}
To /tmp/remote.git
 ! [remote rejected] {BRANCH} -> {BRANCH} (pre-receive hook declined)
error: failed to push some refs to '/tmp/remote.git'
"""

NON_FAST_FORWARD = f"""\
To /tmp/remote.git
 ! [rejected]        {BRANCH} -> {BRANCH} (non-fast-forward)
error: failed to push some refs to '/tmp/remote.git'
hint: Updates were rejected because the tip of your current branch is behind
hint: its remote counterpart. Integrate the remote changes (e.g.
hint: 'git pull ...') before pushing again.
"""

FETCH_FIRST = f"""\
To /tmp/remote.git
 ! [rejected]        {BRANCH} -> {BRANCH} (fetch first)
error: failed to push some refs to '/tmp/remote.git'
hint: Updates were rejected because the remote contains work that you do
"""

GITHUB_PROTECTED = f"""\
Enumerating objects: 5, done.
remote: Resolving deltas: 100% (1/1), completed with 1 local object.
remote: error: GH006: Protected branch update failed for refs/heads/{BRANCH}.
remote: error: Changes must be made through a pull request.
To github.com:acme/shop.git
 ! [remote rejected] {BRANCH} -> {BRANCH} (protected branch hook declined)
error: failed to push some refs to 'github.com:acme/shop.git'
"""

LOCAL_FETCH = f"""\
From .
 ! [rejected]                   -> {BRANCH}  (non-fast-forward)
"""


def failed(stderr: str, argv: tuple[str, ...] = PUSH) -> Completed:
    return Completed(argv, 1, "", stderr, 10)


def test_a_declining_hook_gives_its_line_and_its_message_without_gits_padding() -> None:
    refusal = ref_refusal(HOOK_DECLINED)

    assert refusal is not None
    assert refusal.kind is RefusalKind.DECLINED
    assert refusal.lines == [
        f"! [remote rejected] {BRANCH} -> {BRANCH} (pre-receive hook declined)",
        f"remote: Pushes to {BRANCH} need a ticket number",
        "remote: see https://wiki.example.com/tickets",
    ]


@pytest.mark.parametrize("output", [NON_FAST_FORWARD, FETCH_FIRST], ids=["fetched", "not-fetched"])
def test_a_branch_origin_moved_ahead_of_ours_is_behind(output: str) -> None:
    refusal = ref_refusal(output)

    assert refusal is not None
    assert refusal.kind is RefusalKind.BEHIND
    assert refusal.remote_lines == ()
    assert refusal.ref_lines[0].startswith(f"! [rejected] {BRANCH} -> {BRANCH} (")


def test_the_remotes_progress_lines_are_not_its_message() -> None:
    refusal = ref_refusal(GITHUB_PROTECTED)

    assert refusal is not None
    assert refusal.kind is RefusalKind.DECLINED
    assert refusal.remote_lines == (
        f"remote: error: GH006: Protected branch update failed for refs/heads/{BRANCH}.",
        "remote: error: Changes must be made through a pull request.",
    )


def test_a_fetch_into_a_local_branch_that_would_lose_commits_is_behind() -> None:
    refusal = ref_refusal(LOCAL_FETCH)

    assert refusal is not None
    assert refusal.kind is RefusalKind.BEHIND
    assert refusal.lines == [f"! [rejected] -> {BRANCH} (non-fast-forward)"]


@pytest.mark.parametrize(
    "output",
    [
        "",
        "fatal: 'origin' does not appear to be a git repository\n",
        "remote: Permission to acme/shop.git denied to bob.\nfatal: unable to access\n",
        f"To /tmp/remote.git\n * [new branch]      {BRANCH} -> {BRANCH}\n",
    ],
)
def test_output_without_a_refused_update_has_no_refusal(output: str) -> None:
    assert ref_refusal(output) is None


def test_a_hook_message_is_capped_at_ten_lines() -> None:
    chatty = "".join(f"remote: line {n}\n" for n in range(30)) + NON_FAST_FORWARD

    refusal = ref_refusal(chatty)

    assert refusal is not None
    assert len(refusal.remote_lines) == 10


def test_a_refused_push_fails_with_gits_line_and_the_hooks_message_not_its_summary() -> None:
    reason = failed(HOOK_DECLINED).failure_reason()

    assert reason.splitlines() == [
        "git push --set-upstream exited with 1: "
        f"! [remote rejected] {BRANCH} -> {BRANCH} (pre-receive hook declined)",
        f"remote: Pushes to {BRANCH} need a ticket number",
        "remote: see https://wiki.example.com/tickets",
    ]
    assert "failed to push some refs" not in reason


def test_a_non_fast_forward_push_fails_with_its_rejected_line() -> None:
    reason = failed(NON_FAST_FORWARD).failure_reason()

    assert reason == (
        "git push --set-upstream exited with 1: "
        f"! [rejected] {BRANCH} -> {BRANCH} (non-fast-forward)"
    )


def test_a_push_that_never_reached_a_ref_still_says_gits_fatal_line() -> None:
    reason = failed("fatal: 'origin' does not appear to be a git repository\n").failure_reason()

    assert reason.endswith("exited with 1: fatal: 'origin' does not appear to be a git repository")


def test_a_refused_local_fetch_is_named_after_gits_subcommand_not_its_directory() -> None:
    argv = ("git", "-C", ".", "fetch", "--no-tags", ".", f"HEAD:refs/heads/{BRANCH}")

    reason = failed(LOCAL_FETCH, argv).failure_reason()

    assert (
        reason == f"git fetch --no-tags exited with 1: ! [rejected] -> {BRANCH} (non-fast-forward)"
    )
