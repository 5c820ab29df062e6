"""The context's own tests and the configured ones: what they did before the run, and after.

Validation runs, beside every component's test file, the context's own tests (the test
files in the context's test folder that are no component's) and those ``[validation]
tests`` names. Pre-flight ran them once on the base tree and recorded, per file, the ids
of the tests that failed there (``BaselineRun``). A test failing on the integrated tree
that failed on the base tree too is *already failing before this run*: shown, never a
component's fault, and blocking only when the project says so (``preexisting_failures =
"block"``). Any other failure is *broken by this run* and blocks as a component's does.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from codemyspec.test_reports import FailedCase, SuiteReport


class PreexistingFailures(StrEnum):
    """``[validation] preexisting_failures``: what a test already failing before does."""

    REPORT = "report"
    BLOCK = "block"


class BaselineRun(BaseModel):
    """How one validation test file ran on the base tree, before any agent."""

    #: The ids of its tests that failed or errored there.
    failing: list[str] = Field(default_factory=list)
    #: Why none of its tests ran there (it could not be collected or compiled), if so.
    error: str | None = None
    #: Its counts there, for ``sessions show``.
    summary: str = ""


class ValidationPlan(BaseModel):
    """What validation runs beyond the components' test files, recorded at start (pre-flight
    found them on the base tree) so that a server judges alike."""

    #: The context's own test files and the configured ones, relative to the root.
    tests: list[str] = Field(default_factory=list)
    #: How each of them ran on the base tree.
    baseline: dict[str, BaselineRun] = Field(default_factory=dict)
    preexisting_failures: PreexistingFailures = PreexistingFailures.REPORT


class TestFileFailure(BaseModel):
    """The failing tests of one of the context's own or configured test files."""

    __test__ = False  # not a pytest class, despite its name

    test_file: str
    summary: str
    failed_cases: list[FailedCase] = Field(default_factory=list)


class ValidationTestsReport(BaseModel):
    """The context's own and configured tests on the integrated tree, told apart."""

    broken: list[TestFileFailure] = Field(default_factory=list)
    preexisting: list[TestFileFailure] = Field(default_factory=list)


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def whole_file_error(suite: SuiteReport) -> str | None:
    """Why none of the file's tests ran, as its first line, if so."""
    if suite.error is not None:
        return _first_line(suite.error)
    if suite.collection_errors:
        return _first_line(suite.collection_errors[0].message)
    return None


def judge_test_file(
    test_file: str, suite: SuiteReport, before: BaselineRun | None
) -> tuple[TestFileFailure | None, TestFileFailure | None]:
    """The file's failures broken by this run, and those already failing before it.

    A file that did not run at all is pre-existing only when it did not run on the base
    tree either, for the same reason; a file with no baseline (new since) has none.
    """
    if suite.passed:
        return None, None
    whole = whole_file_error(suite)
    if whole is not None or not suite.failed_cases:
        same = before is not None and before.error is not None and whole == before.error
        failure = TestFileFailure(test_file=test_file, summary=suite.summary())
        return (None, failure) if same else (failure, None)
    known = set(before.failing) if before is not None and before.error is None else set()
    old = [c for c in suite.failed_cases if c.test_id in known]
    new = [c for c in suite.failed_cases if c.test_id not in known]
    return (
        TestFileFailure(test_file=test_file, summary=suite.summary(), failed_cases=new)
        if new
        else None,
        TestFileFailure(test_file=test_file, summary=suite.summary(), failed_cases=old)
        if old
        else None,
    )


def shown_id(test_file: str, test_id: str) -> str:
    """``tests.billing.test_report::test_totals`` as ``tests/billing/test_report.py::
    test_totals``: the id a user can paste into pytest (others unchanged)."""
    dotted = test_file.rsplit(".", 1)[0].replace("/", ".")
    if not test_id.startswith(dotted):
        return test_id
    rest = test_id[len(dotted) :]
    if rest.startswith("."):
        rest = "::" + rest[1:]
    return f"{test_file}{rest}"


def preexisting_lines(failures: list[TestFileFailure]) -> list[str]:
    """``pre-existing: tests/billing/test_report.py::test_totals (failing before this run)``."""
    lines = []
    for failure in failures:
        ids = [shown_id(failure.test_file, c.test_id) for c in failure.failed_cases]
        for named in ids or [f"{failure.test_file} ({failure.summary})"]:
            lines.append(f"pre-existing: {named} (failing before this run)")
    return lines


def broken_lines(failures: list[TestFileFailure]) -> list[str]:
    """``broken by this run: tests/billing/test_report.py::test_vat: assert 25 == 20``."""
    lines = []
    for failure in failures:
        cases = failure.failed_cases
        named = [f"{shown_id(failure.test_file, c.test_id)}: {c.message}" for c in cases]
        for line in named or [f"{failure.test_file}: {failure.summary}"]:
            lines.append(f"broken by this run: {line}")
    return lines
