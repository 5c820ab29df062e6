"""A unit test that fails every second run: the flaky test of validation's re-run tests."""

from __future__ import annotations

from pathlib import Path

from tests.support.git_repos import git
from tests.support.sample_project import unit_test_path

FLAKY_ID = "tests/billing/test_tax.py::test_tax"


def flaky_tax_test(counter: Path) -> str:
    """Tax's unit test, failing on every second run (a counter file outside the tree): its
    first run passes (the child's, in its worktree; without the code it fails to import
    and counts nothing), validation's fails, the re-run passes."""
    return (
        "from pathlib import Path\n\nfrom shop.billing.tax import tax\n\n\n"
        "def test_tax():\n"
        f"    runs = Path({str(counter)!r})\n"
        "    count = int(runs.read_text()) + 1 if runs.exists() else 1\n"
        "    runs.write_text(str(count))\n"
        "    assert tax(100) == 20\n"
        "    assert count % 2 == 1, f'run {count}'\n"
    )


def make_tax_test_flaky(root: Path, counter: Path) -> None:
    """Replace Tax's unit test on main (and origin) with the flaky one."""
    (root / unit_test_path("Tax")).write_text(flaky_tax_test(counter), encoding="utf-8")
    git("commit", "-q", "-am", "Tax's test fails every second run", cwd=root)
    git("push", "-q", "origin", "main", cwd=root)
