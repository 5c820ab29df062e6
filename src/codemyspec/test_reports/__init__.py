"""Unit-test reports: JUnit XML and codemyspec's pytest probe, read into counts and causes."""

from codemyspec.test_reports.exunit import parse_exunit_output
from codemyspec.test_reports.junit import first_error_line, parse_junit_xml
from codemyspec.test_reports.models import CollectionError, FailedCase, SuiteReport
from codemyspec.test_reports.probe import ProbeReport, read_probe, relative_to

__all__ = [
    "CollectionError",
    "FailedCase",
    "ProbeReport",
    "SuiteReport",
    "first_error_line",
    "parse_exunit_output",
    "parse_junit_xml",
    "read_probe",
    "relative_to",
]
