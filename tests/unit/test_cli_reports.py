"""What the end-of-run report and ``sessions show`` print, from a session's record alone."""

from __future__ import annotations

from codemyspec.cli.reports import baseline_lines
from tests.support.recorded import recorded_session


def test_the_baseline_shows_each_file_that_did_not_pass_and_counts_the_rest() -> None:
    session = recorded_session().model_copy(
        update={
            "state": {
                "baseline": {
                    "tests/test_a.py": "12 passed",
                    "tests/test_known_bug.py": "0 passed, 1 failed · tests/test_known_bug.py",
                    "tests/test_b.py": "3 passed",
                    "tests/test_new.py": "cannot be collected: ModuleNotFoundError: x",
                }
            }
        }
    )

    assert baseline_lines(session) == [
        "baseline (the existing tests on the tree before this run):",
        "  tests/test_known_bug.py: 0 passed, 1 failed · tests/test_known_bug.py",
        "  tests/test_new.py: cannot be collected: ModuleNotFoundError: x",
        "  2 more test files: every test passed (`sessions show ID --json` lists each)",
    ]
