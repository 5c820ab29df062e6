"""The three checks behind a context's validation loop: statuses, files, unit tests.

Files and tests are judged only as the runner reported them from its tree (``WorkspaceFacts``
in the spawn result): the engine never looks at a working tree nor runs a test itself.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from codemyspec.components import component_files
from codemyspec.context_coding_sessions.baseline import (
    PreexistingFailures,
    TestFileFailure,
    ValidationPlan,
    broken_lines,
    judge_test_file,
    preexisting_lines,
)
from codemyspec.context_coding_sessions.culprits import Culprit
from codemyspec.context_coding_sessions.verdicts import CaseVerdict, FlakyTests, Verdict
from codemyspec.environments import WORKSPACE_FACTS_KEY, ReportedWorkspace, WorkspaceFacts
from codemyspec.errors import ValidationError
from codemyspec.sessions import Session, SessionState, SessionStatus
from codemyspec.test_reports import FailedCase


class ChildProblem(BaseModel):
    """A child that is not complete, and why."""

    session_id: int
    component: str
    reason: str | None = None


class FailingTests(BaseModel):
    """A component whose unit tests do not pass in the integrated tree."""

    component: str
    test_file: str
    summary: str
    failed_cases: list[FailedCase] = Field(default_factory=list)
    #: Its flaky tests; ``only_flaky``: nothing else failed (``flaky_tests = "fail"``).
    flaky: list[str] = Field(default_factory=list)
    only_flaky: bool = False


class ValidationReport(BaseModel):
    """Everything validation found; empty means the context may be finalized."""

    running: list[ChildProblem] = Field(default_factory=list)
    failed: list[ChildProblem] = Field(default_factory=list)
    cancelled: list[ChildProblem] = Field(default_factory=list)
    missing_files: list[str] = Field(default_factory=list)
    failing_tests: list[FailingTests] = Field(default_factory=list)
    # The context's own and configured tests (see ``baseline``): broken by this run, and
    # already failing before it (which block only when ``preexisting_block``).
    broken_tests: list[TestFileFailure] = Field(default_factory=list)
    preexisting_failures: list[TestFileFailure] = Field(default_factory=list)
    preexisting_block: bool = False
    #: Which child's changes break the failing tests (the runner bisected over them), and
    #: the culprits reopened for a repair round because of it.
    culprits: list[Culprit] = Field(default_factory=list)
    repairing: list[str] = Field(default_factory=list)
    #: Each failing or flaky test of the integrated tree, by id.
    verdicts: list[CaseVerdict] = Field(default_factory=list)

    @property
    def flaky(self) -> list[CaseVerdict]:
        """The flaky tests, shown whether or not they may pass."""
        return [v for v in self.verdicts if v.verdict is Verdict.FLAKY]

    @property
    def ok(self) -> bool:
        return (
            not (self.running or self.failed or self.cancelled or self.missing_files)
            and not self.failing_tests
            and not self.broken_tests
            and not (self.preexisting_block and self.preexisting_failures)
        )

    def message(self) -> str:
        """Every problem found, in one message a user can act on."""
        parts: list[str] = []
        if self.running:
            parts.append(
                "Child sessions still running: " + ", ".join(p.component for p in self.running)
            )
        for label, problems in (("failed", self.failed), ("cancelled", self.cancelled)):
            if problems:
                named = ", ".join(
                    f"{p.component} ({p.reason or 'no reason recorded'})" for p in problems
                )
                parts.append(f"Child sessions {label}: {named}")
        if self.missing_files:
            parts.append("Missing files: " + ", ".join(self.missing_files))
        parts += [culprit.message() for culprit in self.culprits]  # first: what to do
        if self.repairing:
            parts.append("Repairing (validated again after): " + ", ".join(self.repairing))
        for failing in self.failing_tests:
            if failing.only_flaky:
                parts.append(
                    f"Flaky tests for {failing.component} count as failures "
                    f'([validation] flaky_tests = "fail"): {failing.summary}'
                )
                continue
            first = failing.failed_cases[0] if failing.failed_cases else None
            detail = f"; first: {first.test_id}: {first.message}" if first else ""
            parts.append(f"Unit tests failing for {failing.component}: {failing.summary}{detail}")
        parts += broken_lines(self.broken_tests)
        if self.preexisting_block and self.preexisting_failures:
            parts += preexisting_lines(self.preexisting_failures)
            parts.append('they block the run ([validation] preexisting_failures = "block")')
        return "; ".join(parts)


def _name(child: Session) -> str:
    return child.component.name if child.component else f"session {child.id}"


def _reason(child: Session) -> str | None:
    return SessionState.of(child).error or None


def validate_statuses(session: Session) -> ValidationReport:
    """Every child that is still running, failed or was cancelled, with its reason."""
    report = ValidationReport()
    for child in session.child_sessions:
        problem = ChildProblem(session_id=child.id, component=_name(child), reason=_reason(child))
        if child.status is SessionStatus.ACTIVE:
            report.running.append(problem)
        elif child.status is SessionStatus.FAILED:
            report.failed.append(problem)
        elif child.status is SessionStatus.CANCELLED:
            report.cancelled.append(problem)
    return report


def validate_children(
    session: Session,
    facts: WorkspaceFacts | None,
    plan: ValidationPlan | None = None,
    flaky: FlakyTests = FlakyTests.FAIL,
) -> ValidationReport:
    """Statuses first; files and tests, as the runner reported them, only once every child
    has finished successfully. Flaky tests fail it unless ``flaky`` says they may pass.

    Raises ``ValidationError`` when they are all finished but the runner reported no facts:
    a runner that must report them and did not is broken, and nothing may pass unjudged.
    """
    report = validate_statuses(session)
    if not report.ok or session.project is None:
        return report
    if facts is None:
        raise ValidationError(
            f"result data.{WORKSPACE_FACTS_KEY} is missing: the runner must report the files "
            "and test runs of its tree once every child is complete"
        )
    workspace = ReportedWorkspace(facts)
    for child in session.child_sessions:
        if child.component is None:
            continue
        paths = component_files(child.component, session.project)
        missing = [str(p) for p in (paths.code, paths.test) if not workspace.exists(str(p))]
        report.missing_files += missing
        if missing:
            continue
        suite = workspace.run_tests(str(paths.test))
        test, name = str(paths.test), _name(child)
        report.verdicts += [
            CaseVerdict(test_id=t, test_file=test, component=name, verdict=Verdict.FLAKY)
            for t in suite.flaky
        ]
        blocking = bool(suite.flaky) and flaky is FlakyTests.FAIL
        if not suite.passed or blocking:
            report.verdicts += [
                CaseVerdict(
                    test_id=case.test_id,
                    test_file=test,
                    component=name,
                    verdict=Verdict.FAILING,
                    message=case.message,
                )
                for case in suite.failed_cases
            ]
            report.failing_tests.append(
                FailingTests(
                    component=name,
                    test_file=test,
                    summary=suite.summary(),
                    failed_cases=suite.failed_cases,
                    flaky=suite.flaky,
                    only_flaky=suite.passed,
                )
            )
    if plan is not None:
        _validate_own_tests(report, workspace, plan)
    return report


def _validate_own_tests(
    report: ValidationReport, workspace: ReportedWorkspace, plan: ValidationPlan
) -> None:
    """The context's own and configured tests, each failure broken by this run or already
    failing before it (pre-flight's baseline); a file the runner did not report is broken."""
    report.preexisting_block = plan.preexisting_failures is PreexistingFailures.BLOCK
    for test in plan.tests:
        if not workspace.exists(test):
            report.missing_files.append(test)
            continue
        broken, preexisting = judge_test_file(
            test, workspace.run_tests(test), plan.baseline.get(test)
        )
        report.broken_tests += [broken] if broken else []
        report.preexisting_failures += [preexisting] if preexisting else []
