"""OpenPullRequest: after Finalize pushed, the forge's CLI (``[forge] pull_request``) opens
a pull request; its URL is recorded on the session.

A failing forge CLI is recorded and reported, but the session is still complete: its branch
is pushed, and the pull request can be opened by hand.
"""

from __future__ import annotations

from typing import Any, ClassVar

from codemyspec.components import component_files
from codemyspec.context_coding_sessions.pull_request import (
    ALREADY_EXISTS,
    fill,
    pull_request_url,
)
from codemyspec.context_coding_sessions.records import newest_spawn_result
from codemyspec.context_coding_sessions.state import ContextState
from codemyspec.context_coding_sessions.steps.finalize import commit_message
from codemyspec.context_coding_sessions.utils import branch_name
from codemyspec.environments import WORKSPACE_FACTS_KEY, WorkspaceFacts
from codemyspec.errors import StepError
from codemyspec.scope import Scope
from codemyspec.sessions import (
    Command,
    Result,
    ResultStatus,
    Session,
    SessionStatus,
    SessionUpdate,
    ShellCommand,
    StepOutcome,
)


def validation_summary(session: Session) -> list[str]:
    """Each component's unit tests in the integrated tree, and the agents' cost."""
    result = newest_spawn_result(session, passed=True)
    if result is None or session.project is None:
        return []
    facts = WorkspaceFacts.model_validate(result.data.get(WORKSPACE_FACTS_KEY) or {})
    lines = ["Validation: every component's unit tests pass in the integrated tree."]
    for child in session.child_sessions:
        if child.component is None:
            continue
        test = str(component_files(child.component, session.project).test)
        suite = facts.tests.get(test)
        lines.append(f"- {child.component.name} ({test}): {suite.summary() if suite else '-'}")
    usage = result.data.get("agent_usage")
    cost = usage.get("cost_usd") if isinstance(usage, dict) else None
    if isinstance(cost, int | float):
        lines += ["", f"Agents' cost: ${cost:.2f}"]
    return lines


def pull_request_text(session: Session) -> tuple[str, str]:
    """The title (the commit's subject) and body (its component list and the validation)."""
    if session.component is None:
        raise StepError("Context component not found in session")
    names = [c.component.name for c in session.child_sessions if c.component is not None]
    partial = bool(ContextState.of(session).only)  # the commit's own subject, as Finalize made it
    message = commit_message(session.component.name, names, None, partial=partial).strip()
    title, _, rest = message.partition("\n")
    body = "\n".join([rest.strip(), "", *validation_summary(session)]).strip() + "\n"
    body += "\nOpened by codemyspec.\n"
    return title, body


class OpenPullRequest:
    """Runs ``[forge] pull_request`` (copied into the session's state at its start)."""

    name: ClassVar[str] = "ContextCodingSessions.Steps.OpenPullRequest"

    @staticmethod
    def get_command(scope: Scope, session: Session, **opts: Any) -> Command:
        state = ContextState.of(session)
        if not state.pull_request:
            raise StepError("No pull request command in the session's state")
        title, body = pull_request_text(session)
        branch = state.branch_name or branch_name(session)
        values = {"title": title, "body": body, "branch": branch}
        values["base"] = state.pull_request_base or ""
        return ShellCommand(
            module=OpenPullRequest.name, programs=[fill(state.pull_request, values)]
        )

    @staticmethod
    def handle_result(scope: Scope, session: Session, result: Result, **opts: Any) -> StepOutcome:
        url = pull_request_url(result.stdout)
        if result.status is ResultStatus.ERROR and ALREADY_EXISTS in result.stderr:
            url = pull_request_url(result.stderr)  # re-run after a crash: the one opened then
        if url is not None:
            state = ContextState.patch(pull_request_url=url, pull_request_error=None)
            judged = result.model_copy(update={"status": ResultStatus.OK})
        else:
            why = result.error_message or "the forge CLI printed no pull request URL"
            detail = (result.stderr.strip().splitlines() or [""])[-1]
            error = f"{why}: {detail}" if detail and detail not in why else why
            state = ContextState.patch(pull_request_error=error)
            # A warning, not an error: the branch is pushed, the session is complete.
            judged = result.model_copy(
                update={"status": ResultStatus.WARNING, "error_message": error}
            )
        update = SessionUpdate(status=SessionStatus.COMPLETE, state=state)
        return StepOutcome(update, judged)
