"""Pre-flight's findings come from one test process: collection errors, each file's tests
and how they ended, together (real pytest on a real checkout, the processes counted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemyspec.bootstrap import App
from codemyspec.runner import preflight
from codemyspec.runner.project_files import file_digest
from tests.support.counting_shell import CountingShell
from tests.support.git_repos import git
from tests.support.sample_project import BILLING, Sample, code_path, make_sample, unit_test_path


@pytest.fixture
def sample(app: App, tmp_path: Path) -> Sample:
    return make_sample(app, tmp_path / "sample", ["Money", "Ledger", "Tax", "Fee"])


def test_every_finding_comes_from_one_test_process(sample: Sample) -> None:
    # Tax exists with a bug (its baseline); Fee's test passes without its code.
    sample.git.write(code_path("Tax"), BILLING["Tax"][0].replace("// 5", "// 4"))
    sample.git.write(unit_test_path("Fee"), "def test_fee():\n    assert True\n")
    git("add", "-A", cwd=sample.git.root)
    git("commit", "-q", "-m", "Tax with a bug, a test of nothing", cwd=sample.git.root)
    shell = CountingShell()

    found = preflight(
        sample.project,
        sample.git.root,
        shell,
        list(sample.components.values()),
        timeout=60,
    )

    assert len(shell.test_runs()) == 1
    assert found.problems == [
        f"{unit_test_path('Fee')} passes without {code_path('Fee')}: it does not test it"
    ]
    assert found.baseline == {
        unit_test_path("Money"): "cannot be collected: ModuleNotFoundError: "
        "No module named 'shop.billing.money'",
        unit_test_path("Ledger"): "cannot be collected: ModuleNotFoundError: "
        "No module named 'shop.billing.ledger'",
        unit_test_path("Tax"): "1 failed",
        unit_test_path("Fee"): "1 passed",
    }


def test_test_files_red_without_their_own_code_are_proven_by_their_digest(sample: Sample) -> None:
    # Fee imports its code inside the test: collected, it fails. Tax's code exists already.
    fee = "def test_fee():\n    from shop.billing.fee import fee\n\n    assert fee(10) == 2\n"
    sample.git.write(unit_test_path("Fee"), fee)
    sample.git.write(code_path("Tax"), BILLING["Tax"][0])
    git("add", "-A", cwd=sample.git.root)
    git("commit", "-q", "-m", "Fee imports late, Tax exists", cwd=sample.git.root)

    found = preflight(
        sample.project,
        sample.git.root,
        CountingShell(),
        list(sample.components.values()),
        timeout=60,
    )

    assert found.problems == []
    digest = {n: file_digest(sample.git.root / unit_test_path(n)) for n in sample.components}
    assert found.red_proven == {
        unit_test_path("Money"): digest["Money"],  # No module named shop.billing.money
        unit_test_path("Ledger"): digest["Ledger"],  # its own module, though it uses Money
        unit_test_path("Fee"): digest["Fee"],  # failed, and builds on no other component
    }


def test_failing_tests_of_a_component_that_builds_on_another_prove_nothing(
    sample: Sample,
) -> None:
    # Ledger's tests fail at run time; in its worktree Money's code is merged in.
    late = "def test_total():\n    from shop.billing.ledger import total\n\n    assert total([1])\n"
    sample.git.write(unit_test_path("Ledger"), late)
    sample.git.write("src/shop/billing/__init__.py", "")
    git("add", "-A", cwd=sample.git.root)
    git("commit", "-q", "-m", "Ledger imports late", cwd=sample.git.root)

    found = preflight(
        sample.project,
        sample.git.root,
        CountingShell(),
        list(sample.components.values()),
        timeout=60,
    )

    assert found.baseline[unit_test_path("Ledger")] == "1 failed"
    assert unit_test_path("Ledger") not in found.red_proven
    assert unit_test_path("Money") in found.red_proven
