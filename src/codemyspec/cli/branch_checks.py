"""Two refusals ``implement`` makes before it creates anything, so no commit is ever lost.

A context whose newest session completed is not implemented again on the same branch
(``--fresh`` starts a new session on a new branch; after an ``--only`` session the rest
may follow, see ``partial_runs``), and the session's branch is never
started over while it holds commits HEAD lacks.
"""

from __future__ import annotations

from codemyspec.cli.git import Git
from codemyspec.cli.reports import session_ref
from codemyspec.components import Component
from codemyspec.context_coding_sessions import SESSION_TYPE as CONTEXT_SESSION_TYPE
from codemyspec.context_coding_sessions import ContextState, branch_name, seed_branch_name
from codemyspec.errors import ConfigurationError, ValidationError
from codemyspec.sessions import Session, SessionState, SessionStatus

SHOWN_COMMITS = 3


def newest_session(sessions: list[Session], context: Component) -> Session | None:
    """The context's most recent root context session, if it ever had one."""
    own = [
        s
        for s in sessions
        if s.type == CONTEXT_SESSION_TYPE and s.session_id is None and s.component_id == context.id
    ]
    return max(own, key=lambda s: s.id, default=None)


def head_name(git: Git) -> str:
    """The checked-out branch, or ``a detached HEAD``."""
    name = git.output("rev-parse", "--abbrev-ref", "HEAD")
    return name if name and name != "HEAD" else "a detached HEAD"


def check_not_implemented_yet(
    git: Git,
    sessions: list[Session],
    context: Component,
    server: str | None = None,
    *,
    fresh: bool = False,
) -> None:
    """A context whose newest session completed is refused, unless ``--fresh`` is asked for."""
    newest = newest_session(sessions, context)
    if fresh or newest is None or newest.status is not SessionStatus.COMPLETE:
        return
    state = ContextState.of(newest)
    if state.only and not state.fresh_branch:  # a part on the context's branch: more may follow
        return
    branch = SessionState.of(newest).branch_name or (
        branch_name(newest) if newest.component else None
    )
    made = f"on branch {branch}" if branch else "on its branch"
    if branch and (commit := git.output("log", "-1", "--format=%h %s", f"refs/heads/{branch}")):
        made += f", commit {commit}"
    again = f"codemyspec implement {context.module_name} --fresh"
    if server:
        again += f" --server {server}"
    here = head_name(git)
    where = (
        "you are on that branch: `git switch` to the one to build on first"
        if here == branch
        else f"now {here}"
    )
    raise ValidationError(
        f"{context.module_name} is implemented already: session {newest.id} completed it "
        f"{made}. `{again}` implements it again in a new session on a new branch made from "
        f"HEAD ({where}); `codemyspec sessions show {session_ref(newest.id, server)}` has "
        "its record"
    )


def check_branch_keeps_commits(git: Git, context: Component, *, fresh: bool = False) -> None:
    """The session's branch, when it exists here, holds no commit HEAD lacks.

    ``--fresh`` names its branch after the session it creates; Initialize itself refuses to
    reset a branch, should one by that name exist.
    """
    branch = seed_branch_name(context)
    ref = f"refs/heads/{branch}"
    if fresh or not git("rev-parse", "--verify", "--quiet", ref).ok:
        return
    lacking = (git.output("log", "--format=%h %s", f"HEAD..{ref}") or "").splitlines()
    if not lacking:
        return
    shown = "; ".join(lacking[:SHOWN_COMMITS])
    if len(lacking) > SHOWN_COMMITS:
        shown += f"; and {len(lacking) - SHOWN_COMMITS} more"
    count = f"{len(lacking)} commit{'s' if len(lacking) != 1 else ''}"
    raise ConfigurationError(
        f"branch {branch} holds {count} that HEAD ({head_name(git)}) lacks: {shown}. "
        f"implement never starts that branch over: `git switch {branch}` builds the session "
        f"on those commits, `git merge {branch}` brings them into your branch first, "
        f"`git branch -m {branch} {branch}-kept` moves them aside, or "
        f"`codemyspec implement {context.module_name} --fresh` uses a new branch"
    )
