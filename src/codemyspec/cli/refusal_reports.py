"""How a run stopped by git refusing a ref update is told: what was kept, what to do.

Finalize commits and then pushes; when origin refuses the push the commit is made and
stays on the branch, so the report says so, shows git's own refusal line and the remote's
message, and what fits its cause before ``sessions resume`` pushes again (without a second
commit). Initialize refuses to start over a branch holding commits HEAD lacks.
"""

from __future__ import annotations

from rich.console import Console

from codemyspec.cli.git import Git
from codemyspec.cli.progress import session_label
from codemyspec.context_coding_sessions import Initialize
from codemyspec.git_refusals import RefusalKind, ref_refusal
from codemyspec.sessions import CommitCommand, Interaction, Session, SessionState, ShellCommand


def _say(console: Console, text: str) -> None:
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def push_failed(interaction: Interaction) -> bool:
    """The interaction's programs stopped at ``git push``: everything before it (the commit) ran."""
    result = interaction.result
    return result is not None and result.data.get("failed_program", [])[:2] == ["git", "push"]


def branch_kept(interaction: Interaction) -> bool:
    """Initialize failed because the branch holds commits HEAD lacks (and was left alone)."""
    result = interaction.result
    if interaction.step != Initialize.name or result is None:
        return False
    refusal = ref_refusal(result.stderr or "")
    return refusal is not None and refusal.kind is RefusalKind.BEHIND


def _branch_of(interaction: Interaction) -> str | None:
    """The branch a shell or commit command works on, as the command names it."""
    command = interaction.command
    return command.branch_name if isinstance(command, ShellCommand | CommitCommand) else None


def print_push_failure(
    git: Git, session: Session, failed: Interaction, console: Console, ident: str
) -> None:
    """The commit that was made, git's refusal, and the next steps for its cause."""
    result = failed.result
    branch = str(SessionState.of(session).branch_name or _branch_of(failed))
    commit = git.output("log", "-1", "--format=%h %s", f"refs/heads/{branch}")
    refusal = ref_refusal(result.stderr or "") if result else None
    console.print(
        f"[red bold]✗ {session_label(session)} was committed but not pushed[/] (session {ident})",
        highlight=False,
    )
    _say(console, f"  branch  {branch}")
    _say(console, f"  commit  {commit or 'unknown'} (made here; not on origin)")
    origin = git.output("remote", "get-url", "origin") or "origin"
    if refusal is not None:
        _say(console, f"  push    refused by origin ({origin}):")
        for line in refusal.lines:
            _say(console, f"          {line}")
    else:
        reason = (result.error_message if result else None) or "no reason recorded"
        _say(console, f"  push    failed: {reason}")
    console.print("What to do next:", highlight=False)
    kind = refusal.kind if refusal else None
    if kind is RefusalKind.BEHIND:
        _say(
            console,
            f"  • origin's {branch} has commits yours lacks (someone pushed there first): "
            f"`git fetch origin` then, on {branch}, `git rebase origin/{branch}` "
            f"(or `git merge origin/{branch}`); or push your commit under another name "
            f"yourself: `git push -u origin {branch}:NEW-NAME`",
        )
    elif kind is RefusalKind.DECLINED:
        _say(
            console,
            "  • a hook or a branch rule on origin declined the push: do what its message "
            "above asks (amend the commit, or have the rule changed)",
        )
    else:
        _say(console, "  • fix what git says above (origin's URL, your access to it, the network)")
    _say(
        console,
        f"  • then `codemyspec sessions resume {ident}` pushes {branch} again; "
        "the commit is not made a second time",
    )
    _say(console, f"  • `codemyspec sessions show {ident}` has the full record")


def print_branch_kept(failed: Interaction, console: Console, ident: str) -> None:
    """Initialize left the branch alone: how to let the session use it, or go around it."""
    branch = _branch_of(failed) or "the session's branch"
    console.print("What to do next:", highlight=False)
    _say(
        console,
        f"  • {branch} holds commits HEAD lacks and codemyspec never starts a branch over: "
        f"`git switch {branch}` builds on them, or `git branch -m {branch} {branch}-kept` "
        f"moves them aside; then `codemyspec sessions resume {ident}` continues",
    )
    _say(console, f"  • or `codemyspec sessions cancel {ident}` abandons the session")
