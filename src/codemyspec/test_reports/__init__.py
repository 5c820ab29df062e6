"""Unit-test reports: JUnit XML parsed into counts and failures a user can read."""

from codemyspec.test_reports.junit import FailedCase, SuiteReport, parse_junit_xml

__all__ = ["FailedCase", "SuiteReport", "parse_junit_xml"]
