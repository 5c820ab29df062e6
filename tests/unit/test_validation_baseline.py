"""Telling "already failing before this run" from "broken by this run", test by test."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemyspec.cli.settings import load_settings
from codemyspec.context_coding_sessions import BaselineRun, judge_test_file
from codemyspec.errors import ConfigurationError
from codemyspec.test_reports import CollectionError, FailedCase, SuiteReport

FILE = "tests/billing/test_report.py"
NO_MODULE = "ModuleNotFoundError: No module named 'shop.billing.report'"


def failing(*names: str) -> SuiteReport:
    cases = [FailedCase(test_id=f"tests.billing.test_report::{n}", message="x") for n in names]
    return SuiteReport(tests=3, failures=len(names), failed_cases=cases)


def uncollectable(message: str) -> SuiteReport:
    return SuiteReport(
        tests=1, errors=1, collection_errors=[CollectionError(path=FILE, message=message)]
    )


def ids(failure: object) -> list[str]:
    return [c.test_id.split("::")[1] for c in getattr(failure, "failed_cases", [])]


def test_each_failing_test_is_preexisting_only_when_it_failed_on_the_base_tree() -> None:
    before = BaselineRun(failing=["tests.billing.test_report::test_totals"])

    broken, preexisting = judge_test_file(FILE, failing("test_totals", "test_vat"), before)

    assert ids(broken) == ["test_vat"] and ids(preexisting) == ["test_totals"]
    assert judge_test_file(FILE, failing("test_vat"), None)[1] is None, "no baseline: new"
    assert judge_test_file(FILE, SuiteReport(tests=2), before) == (None, None), "it passes"


def test_a_file_that_did_not_run_before_is_preexisting_only_for_the_same_reason() -> None:
    before = BaselineRun(error=NO_MODULE)

    same = judge_test_file(FILE, uncollectable(NO_MODULE), before)
    other = judge_test_file(FILE, uncollectable("SyntaxError: invalid syntax"), before)
    ran = judge_test_file(FILE, failing("test_totals"), before)

    assert same[0] is None and same[1] is not None
    assert other[1] is None and other[0] is not None
    assert ran[1] is None and ids(ran[0]) == ["test_totals"], "its tests never ran before"


def test_a_validation_test_path_outside_the_root_is_a_configuration_error(
    tmp_path: Path,
) -> None:
    (tmp_path / "codemyspec.toml").write_text(
        '[project]\nname = "shop"\npackage = "shop"\n\n[validation]\ntests = ["../other"]\n'
    )

    with pytest.raises(ConfigurationError) as raised:
        load_settings(tmp_path)

    assert "validation.tests" in str(raised.value)
    assert "'../other' must be a relative path inside the project root" in str(raised.value)
