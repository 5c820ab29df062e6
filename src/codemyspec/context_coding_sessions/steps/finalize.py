"""Finalize: stage every component's files, make the one commit, push the branch."""

from __future__ import annotations

from typing import Any, ClassVar

from codemyspec.clock import utcnow
from codemyspec.components import component_files
from codemyspec.context_coding_sessions.records import newest_spawn_result
from codemyspec.context_coding_sessions.state import ContextState, SpawnChecked
from codemyspec.context_coding_sessions.utils import branch_name
from codemyspec.context_coding_sessions.work import child_work
from codemyspec.errors import StepError
from codemyspec.scope import Scope
from codemyspec.sessions import (
    Command,
    CommitCommand,
    IntegratedFile,
    Result,
    ResultStatus,
    Session,
    SessionStatus,
    SessionUpdate,
    StepOutcome,
)

AGENT_AUTHORS = {"claude_code": "Claude Code <noreply@anthropic.com>"}


def commit_message(
    context_name: str, component_names: list[str], agent: str | None, *, partial: bool = False
) -> str:
    """``Implement <Context> context`` (``implement --only``: ``Implement <A>, <B> of
    <Context> context``), a line per component, and the agent as co-author."""
    title = f"Implement {context_name} context"
    if partial:
        title = f"Implement {', '.join(component_names)} of {context_name} context"
    lines = [title, ""]
    lines += [f"- {name}" for name in component_names]
    if agent:
        author = AGENT_AUTHORS.get(agent, f"{agent} <noreply@codemyspec.invalid>")
        lines += ["", f"Co-Authored-By: {author}"]
    return "\n".join(lines) + "\n"


def integrated(session: Session) -> list[IntegratedFile]:
    """What the newest successful spawn integrated: what the commit must hold (none
    recorded by an older runner)."""
    passed = newest_spawn_result(session, passed=True)
    return SpawnChecked.of(passed).integrated if passed is not None else []


class Finalize:
    """Commits all implementation code in one commit and pushes it with upstream.

    A session whose state says ``push: false`` (``implement --no-push``) only commits.
    """

    name: ClassVar[str] = "ContextCodingSessions.Steps.Finalize"

    @staticmethod
    def get_command(scope: Scope, session: Session, **opts: Any) -> Command:
        if session.component is None:
            raise StepError("Context component not found in session")
        if not session.child_sessions:
            raise StepError("No child sessions found")
        if session.project is None:
            raise StepError("Project not found in session")
        files: list[str] = []
        names: list[str] = []
        for child in session.child_sessions:
            if child.component is None:
                raise StepError(f"Child session {child.id} has no component")
            paths = component_files(child.component, session.project)
            files += [str(paths.code), str(paths.test), *child_work(session, child).files]
            names.append(child.component.name)
        files = list(dict.fromkeys(files))  # once each, in order
        state = ContextState.of(session)
        branch = state.branch_name or branch_name(session)
        partial = bool(state.only)
        message = commit_message(session.component.name, names, session.agent, partial=partial)
        push = state.push
        return CommitCommand(
            module=Finalize.name,
            stage=["git", "add", "-A", "--", *files],  # -A: a file a child deleted is staged too
            commit=["git", "commit", "-m", message, "--", *files],
            then=[["git", "push", "--set-upstream", "origin", branch]] if push else [],
            files=files,
            branch_name=branch,
            # Re-executed after a crash (a push refused): the commit exists; only push again.
            only_if_changed=True,
            push=push,
            integrated=integrated(session),
        )

    @staticmethod
    def handle_result(scope: Scope, session: Session, result: Result, **opts: Any) -> StepOutcome:
        if result.status is ResultStatus.OK:
            if ContextState.of(session).opens_pull_request:  # OpenPullRequest completes it
                return StepOutcome(SessionUpdate(), result)
            return StepOutcome(SessionUpdate(status=SessionStatus.COMPLETE), result)
        if result.status is ResultStatus.ERROR:
            error = result.error_message or result.stderr or "finalize failed"
            failed = ContextState.patch(finalized_at=utcnow(), error=error)
            return StepOutcome(SessionUpdate(status=SessionStatus.FAILED, state=failed), result)
        return StepOutcome(SessionUpdate(), result)
