"""``[validation] flaky_tests = "pass"``: a flaky test lets the context complete, and is still
named by ``implement`` and ``sessions show``, never passed silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemyspec.cli.settings import ValidationSettings
from codemyspec.context_coding_sessions import FlakyTests
from tests.support.cli_project import BRANCH, make_cli_project
from tests.support.cli_runs import flat, invoke, listed, use
from tests.support.flaky_tests import FLAKY_ID, make_tax_test_flaky


def test_flaky_tests_may_pass_when_the_project_says_so_and_are_still_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = make_cli_project(
        tmp_path, ["Money", "Tax"], validation=ValidationSettings(flaky_tests=FlakyTests.PASS)
    )
    counter = tmp_path / "tax-runs.txt"
    make_tax_test_flaky(made.root, counter)
    use(made, monkeypatch)
    assert invoke("sync").exit_code == 0

    result = invoke("implement", "Billing")

    assert result.exit_code == 0, result.output
    assert 'flaky_tests = "pass"' in (made.root / "codemyspec.toml").read_text()
    # The child's run passed; validation's, with Money's file, failed; Tax's own passed.
    assert counter.read_text() == "3"
    named = f"flaky: {FLAKY_ID} (failed, then passed on a re-run) in Tax's tests"
    assert "✓ Billing implemented" in flat(result.output)
    assert named in flat(result.output)
    assert BRANCH in made.git.remote_branches()
    shown = invoke("sessions", "show", str(listed()[0]["id"]))
    assert shown.exit_code == 0, shown.output
    assert named in flat(shown.output)
