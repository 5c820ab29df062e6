"""What validation says about each test of the integrated tree, and the project's say on flaky ones.

One verdict per test id, so that a report names the test, the component whose test file
holds it, and why it counts (or not): failing, or flaky (it failed, then passed when run
once more). A flaky test is never passed silently: it is listed whether it may pass or not.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class FlakyTests(StrEnum):
    """``[validation] flaky_tests``: whether a test that failed, then passed on a re-run,
    counts as a failure (the default) or may pass (it is still reported)."""

    FAIL = "fail"
    PASS = "pass"  # noqa: S105 - a verdict, not a password


class Verdict(StrEnum):
    """Why a test is in the report."""

    FAILING = "failing"
    FLAKY = "flaky"


class CaseVerdict(BaseModel):
    """One test's verdict: its id (a pytest node id where known), its file and component."""

    test_id: str
    test_file: str
    component: str
    verdict: Verdict
    message: str = ""

    def describe(self) -> str:
        """``flaky: tests/x.py::test_y (failed, then passed on a re-run)``."""
        if self.verdict is Verdict.FLAKY:
            return f"flaky: {self.test_id} (failed, then passed on a re-run)"
        return f"failing: {self.test_id}: {self.message}"
