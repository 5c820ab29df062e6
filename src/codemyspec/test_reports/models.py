"""What one test run came to: counts by outcome, failures, and the first line of the cause."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FailedCase(BaseModel):
    """One test that failed or errored: its id and the first part of its message."""

    test_id: str
    message: str


class CollectionError(BaseModel):
    """A test file that could not be collected, and the line that says why.

    ``module`` is the module an ImportError names; ``raised_in`` the file whose code
    raised it (the test file itself, or a module it imported), relative to the tree.
    """

    path: str
    message: str
    kind: str | None = None
    module: str | None = None
    raised_in: str | None = None
    line: int | None = None

    def describe(self) -> str:
        """``tests/x.py: ModuleNotFoundError: No module named 'y' (raised in src/z.py:3)``."""
        where = ""
        if self.raised_in and self.raised_in != self.path:
            where = f" (raised in {self.raised_in}{f':{self.line}' if self.line else ''})"
        return f"{self.path}: {self.message}{where}"


class SuiteReport(BaseModel):
    """Counts and failures of one test run; ``error`` says why no counts could be read.

    A run passes only when at least one test passed and none failed or errored: zero
    tests, or only skipped, xfailed and xpassed ones, is never a pass.
    """

    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    xfailed: int = 0
    xpassed: int = 0
    failed_cases: list[FailedCase] = Field(default_factory=list)
    collection_errors: list[CollectionError] = Field(default_factory=list)
    error: str | None = None
    #: The run could not test anything for a reason outside the code under test (pytest
    #: stopped on a plugin or conftest, the package imported from elsewhere): no fix
    #: round can help.
    broken_environment: bool = False
    #: The project or its tests did not compile (``error`` says where): no test ran, yet
    #: the run is as red as a failing one, which is what tests without their code must be.
    did_not_compile: bool = False
    unproven: str | None = None
    #: How a passing run's tests were shown to fail without their code (red before green).
    red: str | None = None
    #: Tests that failed, then passed when run once more (pytest node ids, else the
    #: report's own ids): never a silent pass; the project says whether they may pass.
    flaky: list[str] = Field(default_factory=list)
    output: str = ""

    @property
    def failed_something(self) -> bool:
        """The run was read and something in it failed: what tests without their code do."""
        return self.error is None and bool(self.failures or self.errors or self.collection_errors)

    @property
    def passed_count(self) -> int:
        others = self.failures + self.errors + self.skipped + self.xfailed + self.xpassed
        return max(self.tests - others, 0)

    @property
    def passed(self) -> bool:
        return (
            self.error is None
            and self.unproven is None
            and not self.failures
            and not self.errors
            and not self.collection_errors
            and self.passed_count > 0
        )

    def counts(self) -> str:
        """``585 passed, 1 xfailed``: every outcome that occurred, passes first."""
        if self.tests == 0 and not self.collection_errors:
            return "no tests were collected"
        parts = [f"{self.passed_count} passed"]
        for count, label in (
            (self.failures, "failed"),
            (self.errors, "error" if self.errors == 1 else "errors"),
            (self.skipped, "skipped"),
            (self.xfailed, "xfailed"),
            (self.xpassed, "xpassed"),
        ):
            if count:
                parts.append(f"{count} {label}")
        return ", ".join(parts)

    def cause(self) -> str | None:
        """The first line that says what went wrong, for reports and prompts."""
        if self.error is not None:
            return self.error
        if self.unproven is not None:
            return self.unproven
        if self.collection_errors:
            return self.collection_errors[0].describe()
        if self.failed_cases:
            first = self.failed_cases[0]
            return f"{first.test_id}: {first.message}"
        if not self.passed:
            return self.counts()
        return None

    def summary(self) -> str:
        """One line: the counts, the first cause when the run did not pass, the flaky tests."""
        if self.error is not None:
            return self.error
        counts = self.counts() + "".join(f" · {line}" for line in self.flaky_lines())
        if self.passed or (self.tests == 0 and self.unproven is None):
            return counts
        cause = (self.cause() or "").strip().splitlines()
        return f"{counts} · {cause[0]}" if cause and cause[0] != self.counts() else counts

    def flaky_lines(self) -> list[str]:
        """``flaky: tests/x.py::test_y (failed, then passed on a re-run)`` for each."""
        return [f"flaky: {test} (failed, then passed on a re-run)" for test in self.flaky]


def merge_reports(reports: list[SuiteReport]) -> SuiteReport:
    """One report for several suites (an umbrella's apps): counts added, failures in order,
    the first error and the first unproven claim."""
    merged = SuiteReport()
    for report in reports:
        for field in ("tests", "failures", "errors", "skipped", "xfailed", "xpassed"):
            setattr(merged, field, getattr(merged, field) + getattr(report, field))
        merged.failed_cases += report.failed_cases
        merged.collection_errors += report.collection_errors
        merged.flaky += report.flaky
        merged.error = merged.error or report.error
        merged.unproven = merged.unproven or report.unproven
        merged.broken_environment = merged.broken_environment or report.broken_environment
        merged.did_not_compile = merged.did_not_compile or report.did_not_compile
        merged.output += report.output
    return merged
