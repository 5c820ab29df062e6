"""Pre-flight's findings come from one test process: collection errors, each file's tests
and how they ended, together (real pytest on a real checkout, the processes counted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemyspec.bootstrap import App
from codemyspec.runner import preflight
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
