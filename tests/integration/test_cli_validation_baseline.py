"""The context's own tests in validation: what failed before the run is told from what it broke.

A context whose own test file (``tests/billing/test_report.py``, beside its components'
tests) holds a test already failing on the base branch: the run completes and shows it as
pre-existing, blaming no component; with ``preexisting_failures = "block"`` it stops, and a
test that passed before and fails after is named as broken by this run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from codemyspec.cli.settings import ValidationSettings, load_settings, render_settings
from codemyspec.context_coding_sessions import PreexistingFailures
from tests.support.cli_project import BRANCH, CliProject, make_cli_project
from tests.support.cli_runs import calls, flat, invoke, record, use
from tests.support.git_repos import git
from tests.support.sample_project import BILLING

NAMES = ["Money", "Tax"]
REPORT_TEST = "tests/billing/test_report.py"
CONTEXT_MODULE = '"""Billing."""\n\nTOTAL = 2\nRATES = {"vat": 20}\n'
# test_totals fails on the base tree (and after); test_vat_rate passes there, and fails
# once a component's module changes the context's rates when it is imported.
CONTEXT_TESTS = """\
import importlib
import pkgutil

import shop.billing


def test_totals():
    assert shop.billing.TOTAL == 3


def test_vat_rate():
    for found in pkgutil.iter_modules(shop.billing.__path__):
        importlib.import_module(f"shop.billing.{found.name}")
    assert shop.billing.RATES["vat"] == 20
"""
SMOKE_TEST = "def test_smoke():\n    assert True\n"
# Tax's own tests pass with it; the context's rates do not survive its import.
RATE_CHANGING_TAX = "import shop.billing\n\nshop.billing.RATES['vat'] = 25\n\n" + BILLING["Tax"][0]


def commit(project: CliProject, files: dict[str, str], message: str) -> None:
    for path, text in files.items():
        project.git.write(path, text)
    git("add", "-A", cwd=project.root)
    git("commit", "-q", "-m", message, cwd=project.root)
    git("push", "-q", "origin", "main", cwd=project.root)


def set_validation(project: CliProject, validation: ValidationSettings) -> None:
    settings = load_settings(project.root).model_copy(update={"validation": validation})
    commit(project, {"codemyspec.toml": render_settings(settings)}, "Validation settings")


def context_project(base: Path, monkeypatch: pytest.MonkeyPatch) -> CliProject:
    project = make_cli_project(base, NAMES)
    commit(
        project,
        {
            "src/shop/billing/__init__.py": CONTEXT_MODULE,
            REPORT_TEST: CONTEXT_TESTS,
            "tests/smoke/test_smoke.py": SMOKE_TEST,
        },
        "The context's own tests",
    )
    use(project, monkeypatch)
    assert invoke("sync").exit_code == 0
    return project


def spawn_validation(session: dict[str, Any]) -> dict[str, Any]:
    """The newest validation report in the record (the spawn step's result)."""
    for interaction in session["interactions"]:
        data = (interaction.get("result") or {}).get("data") or {}
        if "validation" in data:
            validation: dict[str, Any] = data["validation"]
            return validation
    raise AssertionError("no validation recorded")


def test_a_test_failing_before_the_run_is_shown_as_preexisting_and_blames_no_component(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = context_project(tmp_path, monkeypatch)
    set_validation(project, ValidationSettings(tests=["tests/smoke"]))

    result = invoke("implement", "Billing")

    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "✓ Billing implemented" in text
    assert f"pre-existing: {REPORT_TEST}::test_totals (failing before this run)" in text
    assert "broken by this run" not in text
    session = record(1)
    plan = session["state"]["validation_plan"]
    assert plan["tests"] == [REPORT_TEST, "tests/smoke/test_smoke.py"]
    assert plan["preexisting_failures"] == "report"
    assert plan["baseline"][REPORT_TEST]["failing"] == ["tests.billing.test_report::test_totals"]
    assert plan["baseline"]["tests/smoke/test_smoke.py"]["failing"] == []
    validation = spawn_validation(session)
    assert validation["failing_tests"] == [] and validation["broken_tests"] == []
    [preexisting] = validation["preexisting_failures"]
    assert preexisting["test_file"] == REPORT_TEST
    assert [c["test_id"] for c in preexisting["failed_cases"]] == [
        "tests.billing.test_report::test_totals"
    ]
    assert all(child["status"] == "complete" for child in session["child_sessions"])
    committed = git("ls-tree", "-r", "--name-only", BRANCH, cwd=project.root).split()
    assert "src/shop/billing/tax.py" in committed

    shown = flat(invoke("sessions", "show", "1").output)
    assert f"{REPORT_TEST}: 1 passed, 1 failed" in shown  # the baseline
    assert f"pre-existing: {REPORT_TEST}::test_totals (failing before this run)" in shown


def test_with_block_a_preexisting_failure_stops_the_run_and_a_broken_test_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = context_project(tmp_path, monkeypatch)
    set_validation(project, ValidationSettings(tests=["tests/smoke", "tests/nowhere.py"]))

    refused = invoke("implement", "Billing")

    assert refused.exit_code == 1
    assert "[validation] tests names what does not exist" in flat(refused.output)
    assert "tests/nowhere.py" in refused.output and "tests/smoke" not in refused.output
    assert calls(project, "Money") == [], "no agent ran"

    set_validation(project, ValidationSettings(preexisting_failures=PreexistingFailures.BLOCK))
    project.set_script("Tax", {"write": RATE_CHANGING_TAX})

    result = invoke("implement", "Billing")

    assert result.exit_code == 1, result.output
    text = flat(result.output)
    assert "Billing was not implemented" in text
    assert f"broken by this run: {REPORT_TEST}::test_vat_rate: assert 25 == 20" in text, (
        result.output
    )
    assert f"pre-existing: {REPORT_TEST}::test_totals (failing before this run)" in text
    assert 'preexisting_failures = "block"' in text
    assert "tests failing for" not in text, "no component's own tests are blamed"
    session = record(1)
    validation = spawn_validation(session)
    assert validation["preexisting_block"] is True
    assert [c["test_id"] for c in validation["broken_tests"][0]["failed_cases"]] == [
        "tests.billing.test_report::test_vat_rate"
    ]
    assert all(child["status"] == "complete" for child in session["child_sessions"])
    assert session["status"] != "complete"
    assert git("rev-parse", BRANCH, cwd=project.root) == git("rev-parse", "main", cwd=project.root)
