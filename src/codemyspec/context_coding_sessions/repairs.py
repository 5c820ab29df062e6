"""Repair only the culprit: reopen the child whose changes break others' tests.

Every child passed alone, yet the integrated tree fails and the runner named the child to
blame (``Culprit``). That child, when it has fix rounds left (the bound its parent gave,
counting its earlier rounds), is reopened with a ``Repair``: the findings, the other
completed children's branches to bring its worktree up to, the broken tests to run. The
others are not run again. The component package builds on this one, so the fix-round step
and its default bound are named here and used there.
"""

from __future__ import annotations

from pydantic import ValidationError as PydanticValidationError

from codemyspec.commands import Result, problems
from codemyspec.context_coding_sessions.culprits import CULPRITS_KEY, Culprit, Repair
from codemyspec.context_coding_sessions.state import ContextState
from codemyspec.context_coding_sessions.validation import ValidationReport
from codemyspec.errors import ValidationError
from codemyspec.sessions import Session, SessionStatus, SessionUpdate

DEFAULT_MAX_FIX_ROUNDS = 3
FIX_STEP_NAME = "ComponentCodingSessions.Steps.FixTestFailures"


def _rounds_left(parent: Session, child: Session) -> bool:
    bound = child.state.get("max_fix_rounds", ContextState.of(parent).max_fix_rounds)
    limit = DEFAULT_MAX_FIX_ROUNDS if bound is None else int(bound)
    done = sum(1 for i in child.interactions if i.step == FIX_STEP_NAME and not i.pending)
    return done < limit


def _repair(parent: Session, child: Session, found: list[Culprit]) -> Repair:
    others = [
        str(c.state["branch_name"])
        for c in parent.child_sessions
        if c.id != child.id and c.status is SessionStatus.COMPLETE and c.state.get("branch_name")
    ]
    own = child.state.get("test_file")
    files = [f for f in dict.fromkeys(c.test_file for c in found) if f != own]
    return Repair(culprits=found, merge_branches=others, test_files=files)


def repairs(parent: Session, report: ValidationReport) -> dict[int, SessionUpdate]:
    """Each culprit to reopen (by session id) and how: only when failing tests are all that
    is wrong, and only culprits with fix rounds left. Empty: a person decides."""
    only_tests = not (report.running or report.failed or report.cancelled)
    if not (only_tests and not report.missing_files and report.failing_tests):
        return {}
    children = {child.id: child for child in parent.child_sessions}
    found: dict[int, list[Culprit]] = {}
    for culprit in report.culprits:
        found.setdefault(culprit.session_id, []).append(culprit)
    reopened: dict[int, SessionUpdate] = {}
    for child_id, against in found.items():
        child = children.get(child_id)
        if child is None or child.status is not SessionStatus.COMPLETE:
            continue
        if not _rounds_left(parent, child):
            continue
        repair = _repair(parent, child, against).model_dump(mode="json")
        reopened[child_id] = SessionUpdate(
            status=SessionStatus.ACTIVE, state={"repair": repair, "error": None}
        )
    return reopened


def reported_culprits(result: Result) -> list[Culprit]:
    """The children the runner found to break others' tests (``data.culprits``)."""
    try:
        return [Culprit.model_validate(c) for c in result.data.get(CULPRITS_KEY) or []]
    except PydanticValidationError as exc:
        raise ValidationError(f"result data.{CULPRITS_KEY} is malformed: {problems(exc)}") from None


def judge_culprits(
    parent: Session, report: ValidationReport, result: Result
) -> dict[int, SessionUpdate]:
    """Put the reported culprits in ``report`` when tests fail, and the culprits reopened
    for a repair; returns the reopening, for the engine to apply."""
    if not report.failing_tests:
        return {}
    report.culprits = reported_culprits(result)
    reopened = repairs(parent, report)
    report.repairing = [
        c.component.name if c.component else f"session {c.id}"
        for c in parent.child_sessions
        if c.id in reopened
    ]
    return reopened
