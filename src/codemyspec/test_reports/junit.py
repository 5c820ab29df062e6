"""Parse JUnit XML (pytest's ``--junitxml``) into a ``SuiteReport``."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from pydantic import BaseModel, Field

from codemyspec.shell import truncate

MESSAGE_LIMIT = 2_000


class FailedCase(BaseModel):
    """One test that failed or errored: its id and the first part of its message."""

    test_id: str
    message: str


class SuiteReport(BaseModel):
    """Counts and failures of one test run; ``error`` says why no counts could be read."""

    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    failed_cases: list[FailedCase] = Field(default_factory=list)
    error: str | None = None
    output: str = ""

    @property
    def passed(self) -> bool:
        return self.error is None and self.tests > 0 and not self.failures and not self.errors

    def summary(self) -> str:
        """One line: counts, or why the run could not be read."""
        if self.error is not None:
            return self.error
        passed = self.tests - self.failures - self.errors - self.skipped
        return (
            f"{self.tests} tests, {passed} passed, {self.failures} failed, "
            f"{self.errors} errors, {self.skipped} skipped"
        )


def _case_id(case: ET.Element) -> str:
    classname = case.get("classname", "")
    name = case.get("name", "?")
    return f"{classname}::{name}" if classname else name


def _message(problem: ET.Element) -> str:
    message = problem.get("message")
    if not message:
        lines = (problem.text or "").strip().splitlines()
        message = lines[-1] if lines else problem.tag
    return truncate(message, MESSAGE_LIMIT)


def parse_junit_xml(xml_text: str) -> SuiteReport:
    """Counts and failures from a JUnit XML document; an unreadable one is a report with error."""
    try:
        root = ET.fromstring(xml_text)  # noqa: S314 - written by the test runner we started
    except ET.ParseError as exc:
        return SuiteReport(error=f"test report is not valid JUnit XML: {exc}")
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    if root.tag not in ("testsuite", "testsuites"):
        return SuiteReport(error=f"test report has an unexpected root element <{root.tag}>")
    report = SuiteReport()
    for suite in suites:
        for case in suite.iter("testcase"):
            report.tests += 1
            if case.find("skipped") is not None:
                report.skipped += 1
            for tag in ("failure", "error"):
                problem = case.find(tag)
                if problem is not None:
                    report.failures += tag == "failure"
                    report.errors += tag == "error"
                    report.failed_cases.append(
                        FailedCase(test_id=_case_id(case), message=_message(problem))
                    )
                    break
    return report
