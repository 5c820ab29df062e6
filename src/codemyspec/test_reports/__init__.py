"""Unit-test reports: JUnit XML, codemyspec's pytest probe and ExUnit's output, read into
counts and causes."""

from codemyspec.test_reports.exunit import did_not_compile, exunit_cause, parse_exunit_output
from codemyspec.test_reports.junit import first_error_line, parse_junit_files, parse_junit_xml
from codemyspec.test_reports.models import (
    CollectionError,
    FailedCase,
    SuiteReport,
    merge_reports,
)
from codemyspec.test_reports.probe import ProbedOutcomes, ProbeReport, read_probe, relative_to

__all__ = [
    "CollectionError",
    "FailedCase",
    "ProbeReport",
    "ProbedOutcomes",
    "SuiteReport",
    "did_not_compile",
    "exunit_cause",
    "first_error_line",
    "merge_reports",
    "parse_exunit_output",
    "parse_junit_files",
    "parse_junit_xml",
    "read_probe",
    "relative_to",
]
