"""What a component's test runs prove, as a user sees it through ``implement``.

Zero tests is never a pass; tests the agent wrote must fail without its code; the cause of
a failed run (its first ``E`` line) is in the live lines, the failure report and
``sessions show``.
"""

from __future__ import annotations

from tests.support.cli_project import BRANCH, CliProject
from tests.support.cli_runs import calls, flat, invoke, listed, record
from tests.support.git_repos import git
from tests.support.sample_project import BILLING, code_path, unit_test_path

TAX, TAX_TEST = BILLING["Tax"][0], BILLING["Tax"][1]


def without_tax_tests(project: CliProject) -> None:
    """The agent writes Tax's tests: none exist before the run."""
    git("rm", "-q", unit_test_path("Tax"), cwd=project.root)
    git("commit", "-q", "-m", "Tax's tests are the agent's to write", cwd=project.root)


def tax_runs(session_id: int) -> list[dict[str, object]]:
    tax = next(c for c in record(session_id)["child_sessions"] if c["component"]["name"] == "Tax")
    return [
        i["result"]["data"]["test_run"]
        for i in reversed(tax["interactions"])
        if i["step"].endswith("RunTests") and i["result"]
    ]


def test_a_test_module_the_agent_leaves_empty_is_no_pass_and_gets_a_fix_round(
    project: CliProject,
) -> None:
    without_tax_tests(project)
    empty = {unit_test_path("Tax"): '"""Tests to come."""\n'}
    project.set_script(
        "Tax",
        {"write": TAX, "also_write": empty},
        {"write": TAX, "also_write": {unit_test_path("Tax"): TAX_TEST}},
    )

    result = invoke("implement", "Billing")

    assert result.exit_code == 0, result.output
    assert "Billing.Tax: RunTests error" in result.output
    assert "tests: no tests were collected" in result.output
    [session] = listed()
    runs = tax_runs(session["id"])
    assert [(r["tests"], r["summary"]) for r in runs] == [
        (0, "no tests were collected"),
        (1, "1 passed"),
    ]
    assert len(calls(project, "Tax")) == 2


def test_hollow_tests_the_agent_wrote_fail_the_component_when_the_rounds_run_out(
    project: CliProject,
) -> None:
    without_tax_tests(project)
    hollow = {unit_test_path("Tax"): "def test_tax():\n    assert True\n"}
    project.set_script("Tax", {"write": TAX, "also_write": hollow})

    result = invoke("implement", "Billing", "--max-fix-rounds", "1")

    assert result.exit_code == 1, result.output
    text = flat(result.output)
    reason = f"{unit_test_path('Tax')} passes without {code_path('Tax')}: it does not test it"
    assert f"Tax failed (session 4): tests still failing after 1 fix round: {reason}" in text
    second = calls(project, "Tax")[1]["prompt"]
    assert "so they do not test it" in str(second)
    assert BRANCH not in project.git.remote_branches()
    assert (project.root / code_path("Tax")).exists() is False, "nothing integrated"


def test_the_first_error_line_of_a_collection_error_is_in_every_view(
    project: CliProject,
) -> None:
    broken = "from shop.billing.rates import RATE\n\n\ndef tax(amount):\n    return amount // 5\n"
    project.set_script("Tax", {"write": broken})
    cause = "No module named 'shop.billing.rates'"

    result = invoke("implement", "Billing", "--max-fix-rounds", "0")

    assert result.exit_code == 1, result.output
    live = [line for line in result.output.splitlines() if "Billing.Tax: RunTests error" in line]
    assert live and cause in live[0], result.output
    assert "(raised in src/shop/billing/tax.py:1)" in live[0]
    report = flat(result.output.split("was not implemented")[1])
    assert f"ModuleNotFoundError: {cause}" in report
    [session] = listed()
    shown = flat(invoke("sessions", "show", str(session["id"])).output)
    assert f"error: tests still failing after 0 fix rounds: {unit_test_path('Tax')}" in shown
    assert cause in shown


def test_a_test_environment_that_breaks_pytest_fails_the_component_without_a_fix_round(
    project: CliProject,
) -> None:
    # As python-dateutil's conftest does without pytest-cov: fine until tests are collected.
    project.git.write(
        "tests/conftest.py",
        "def pytest_collection_modifyitems(items):\n"
        "    if items:\n"
        '        raise RuntimeError("Unknown pytest.mark.no_cover")\n',
    )
    git("add", "-A", cwd=project.root)
    git("commit", "-q", "-m", "A conftest that needs a plugin", cwd=project.root)

    result = invoke("implement", "Billing", "--max-fix-rounds", "2")

    assert result.exit_code == 1, result.output
    text = flat(result.output)
    assert (
        "Money failed (session 2): the test environment cannot run the tests: pytest stopped "
        "with an internal error: RuntimeError: Unknown pytest.mark.no_cover "
        "(in tests/conftest.py:3)"
    ) in text
    assert len(calls(project, "Money")) == 1, "no fix round: the agent cannot fix that"


def test_a_test_file_pre_flight_saw_fail_without_its_code_is_not_run_without_it_again(
    project: CliProject,
) -> None:
    result = invoke("implement", "Billing")

    assert result.exit_code == 0, result.output
    [session] = listed()
    [run] = tax_runs(session["id"])
    assert run["red"] == (
        f"red: proven by pre-flight ({unit_test_path('Tax')} failed without {code_path('Tax')})"
    )


def test_a_file_the_agent_adds_beside_its_code_brings_back_the_run_without_the_code(
    project: CliProject,
) -> None:
    # Pre-flight ran the tree without this file: what it proved may not hold with it.
    project.set_script("Tax", {"write": TAX, "also_write": {"src/shop/billing/rates.py": ""}})

    result = invoke("implement", "Billing")

    assert result.exit_code == 0, result.output
    [session] = listed()
    [run] = tax_runs(session["id"])
    assert str(run["red"]).startswith(f"red without {code_path('Tax')}: 0 passed, 1 error · ")
