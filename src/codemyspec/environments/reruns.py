"""A test that fails in validation runs once more, so a flaky test is told from a broken one.

A test that failed, then passed when run again, is *flaky*: its file's report names it
(``SuiteReport.flaky``) and no longer counts its failure, and validation decides by the
project's ``[validation] flaky_tests`` whether it may pass: it is never passed silently.
Only the tests that failed run again: pytest's by node id (the probe names each), ExUnit's
by their file (its report names no line to run).
"""

from __future__ import annotations

import re
from pathlib import Path

from codemyspec.environments.test_runs import TestRun, run_tests
from codemyspec.projects import Language, Project
from codemyspec.shell import Shell
from codemyspec.test_reports import SuiteReport

FAILED = ("failed", "error")


def failed_tests(run: TestRun, tree: Path, path: str) -> dict[str, str]:
    """The tests of ``path`` that failed or errored in ``run`` (a collection error is no
    test), each with how it ended; pytest's by node id, ExUnit's by the report's id."""
    if run.report.error is not None:
        return {}
    if run.probe is not None:
        return {
            test: outcome
            for test, outcome in run.probe.tests_in(tree).items()
            if outcome in FAILED and test.split("::", 1)[0] == path
        }
    report = run.files.get(path)
    return {case.test_id: "failed" for case in report.failed_cases} if report else {}


def passed_tests(run: TestRun, tree: Path, path: str, asked: dict[str, str]) -> set[str]:
    """Which of ``asked`` (tests of ``path``) passed in ``run``."""
    if run.report.error is not None:
        return set()
    if run.probe is not None:
        ended = run.probe.tests_in(tree)
        return {test for test in asked if ended.get(test) == "passed"}
    report = run.files.get(path)
    if report is None or not report.tests:
        return set()
    still = {case.test_id for case in report.failed_cases}
    return {test for test in asked if test not in still}


def run_again(
    project: Project, tree: Path, shell: Shell, path: str, failed: dict[str, str], *, timeout: float
) -> set[str]:
    """Run the ``failed`` tests of ``path`` once more; those that then passed."""
    targets = list(failed) if project.language is Language.PYTHON else [path]
    again = run_tests(project, tree, shell, targets, timeout=timeout)
    return passed_tests(again, tree, path, failed)


def with_flaky(report: SuiteReport, flaky: dict[str, str], elsewhere: list[str]) -> SuiteReport:
    """``report`` naming its ``flaky`` tests (each with how it first ended there), whose
    failures it no longer counts, and those that failed in another run (``elsewhere``)."""
    if not flaky and not elsewhere:
        return report
    ids = set(flaky) | {junit_id(test) for test in flaky}
    failures = sum(1 for outcome in flaky.values() if outcome == "failed")
    return report.model_copy(
        update={
            "failures": max(report.failures - failures, 0),
            "errors": max(report.errors - (len(flaky) - failures), 0),
            "failed_cases": [case for case in report.failed_cases if case.test_id not in ids],
            "flaky": [*report.flaky, *elsewhere, *flaky],
        }
    )


def junit_id(node_id: str) -> str:
    """The id a JUnit report gives the test of pytest's ``node_id`` (``tests.x::test_y``):
    its file as a dotted module, its class, its name with its parameters."""
    address, bracket, params = node_id.partition("[")
    names = address.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    names[-1] += bracket + params
    return "::".join([".".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]
