"""Parse JUnit XML (pytest's ``--junitxml``) into a ``SuiteReport``."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from codemyspec.shell import truncate
from codemyspec.test_reports.models import FailedCase, SuiteReport

MESSAGE_LIMIT = 2_000
#: pytest's messages that say only that something failed; the ``E`` line says what.
GENERIC_MESSAGES = ("collection failure", "failed on setup with", "failed on teardown with")
XPASS_MESSAGE = "xfail-marked test passes unexpectedly"


def _case_id(case: ET.Element) -> str:
    classname = case.get("classname", "")
    name = case.get("name", "?")
    return f"{classname}::{name}" if classname else name


def first_error_line(text: str) -> str | None:
    """pytest's first ``E   ...`` line: the exception that was raised, in one line."""
    for line in text.splitlines():
        if line.startswith("E "):
            return line[1:].strip()
    return None


def _message(problem: ET.Element) -> str:
    message = problem.get("message") or ""
    text = problem.text or ""
    if not message or message.startswith(GENERIC_MESSAGES):
        lines = text.strip().splitlines()
        message = first_error_line(text) or (lines[-1] if lines else message or problem.tag)
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
            _count(report, case)
    return report


def parse_junit_files(xml_text: str) -> dict[str, SuiteReport]:
    """One report per test file, for the cases whose ``file`` attribute names it (ExUnit's
    formatter writes it); an unreadable document has none."""
    try:
        root = ET.fromstring(xml_text)  # noqa: S314 - written by the test runner we started
    except ET.ParseError:
        return {}
    reports: dict[str, SuiteReport] = {}
    for case in root.iter("testcase"):
        if file := case.get("file"):
            _count(reports.setdefault(file, SuiteReport()), case)
    return reports


def _count(report: SuiteReport, case: ET.Element) -> None:
    """Add one test case to ``report``: its outcome, and its message when it failed."""
    report.tests += 1
    skipped = case.find("skipped")
    if skipped is not None:
        if skipped.get("type") == "pytest.xfail":
            report.xfailed += 1
        elif skipped.get("message") == XPASS_MESSAGE:
            report.xpassed += 1
        else:
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
