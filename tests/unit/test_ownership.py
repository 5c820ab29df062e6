"""Which files a child may bring into the context: its own, helpers in the roots, no others."""

from __future__ import annotations

from pathlib import PurePosixPath

from codemyspec.components import (
    ChangeKind,
    FileChange,
    Owner,
    is_junk,
    refused_changes,
)

TAX = Owner("Billing.Tax", frozenset({"src/shop/billing/tax.py", "tests/billing/test_tax.py"}))
MONEY = Owner(
    "Billing.Money", frozenset({"src/shop/billing/money.py", "tests/billing/test_money.py"})
)
CONTEXT = Owner("Billing", frozenset({"src/shop/billing/__init__.py", "tests/test_billing.py"}))
ROOTS = [PurePosixPath("src"), PurePosixPath("tests")]


def change(path: str, kind: ChangeKind = ChangeKind.ADDED) -> FileChange:
    return FileChange(path=path, kind=kind)


def test_its_own_files_and_new_helpers_inside_the_roots_may_come() -> None:
    changes = [
        change("src/shop/billing/tax.py"),
        change("tests/billing/test_tax.py"),
        change("src/shop/billing/_rates.py"),
        change("tests/billing/fixtures/rates.json"),
        change("src/shop/util.py", ChangeKind.MODIFIED),
    ]

    assert refused_changes(changes, TAX, [MONEY, CONTEXT], ROOTS) == []


def test_another_component_s_files_and_files_outside_the_roots_are_refused_each_named() -> None:
    changes = [
        change("src/shop/billing/money.py", ChangeKind.MODIFIED),
        change("src/shop/billing/__init__.py"),
        change("pyproject.toml", ChangeKind.MODIFIED),
        change(".github/workflows/ci.yml", ChangeKind.DELETED),
        change("notes.md"),
    ]

    assert refused_changes(changes, TAX, [MONEY, CONTEXT], ROOTS) == [
        "src/shop/billing/money.py (modified; Billing.Money's)",
        "src/shop/billing/__init__.py (added; Billing's)",
        "pyproject.toml (modified; outside the source and test roots src, tests)",
        ".github/workflows/ci.yml (deleted; outside the source and test roots src, tests)",
        "notes.md (added; outside the source and test roots src, tests)",
    ]


def test_a_flat_layout_s_root_is_the_whole_project() -> None:
    own = Owner("Humanize.Number", frozenset({"humanize/number.py", "test_number.py"}))

    assert refused_changes([change("humanize/_helpers.py")], own, [], [PurePosixPath(".")]) == []


def test_caches_and_build_products_are_junk() -> None:
    assert is_junk("src/shop/billing/__pycache__/tax.cpython-311.pyc")
    assert is_junk(".pytest_cache/v/cache/nodeids")
    assert is_junk("_build/test/lib/shop/ebin/x.beam")
    assert not is_junk("src/shop/billing/tax.py")
