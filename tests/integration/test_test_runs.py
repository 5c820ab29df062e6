"""A project's tests run the way codemyspec trusts them: real pytest, real mix, real files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from codemyspec.environments import run_tests
from codemyspec.projects import Language, Project
from codemyspec.shell import SubprocessShell

OUTCOMES = """\
import pytest

from shop.money import add


def test_passes():
    assert add(1, 2) == 3


def test_fails():
    assert add(1, 2) == 4


@pytest.fixture
def broken():
    raise RuntimeError("database is down")


def test_errors(broken):
    pass


@pytest.mark.skip(reason="later")
def test_skipped():
    pass


@pytest.mark.xfail(reason="known")
def test_xfailed():
    assert add(1, 1) == 3


@pytest.mark.xfail(reason="fixed since")
def test_xpassed():
    assert add(1, 1) == 2
"""


def python_project(tmp_path: Path) -> Project:
    (tmp_path / "src" / "shop").mkdir(parents=True)
    (tmp_path / "src" / "shop" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "src" / "shop" / "money.py").write_text(
        "def add(a, b):\n    return a + b\n", encoding="utf-8"
    )
    (tmp_path / "tests").mkdir()
    return Project(id=1, account_id=1, name="shop", package="shop", root=str(tmp_path))


def test_each_outcome_is_counted_as_itself_never_as_a_pass(tmp_path: Path) -> None:
    project = python_project(tmp_path)
    (tmp_path / "tests" / "test_money.py").write_text(OUTCOMES, encoding="utf-8")

    run = run_tests(project, tmp_path, SubprocessShell(), ["tests/test_money.py"], timeout=60)

    report = run.report
    assert report.summary().startswith(
        "1 passed, 1 failed, 1 error, 1 skipped, 1 xfailed, 1 xpassed · "
        "tests.test_money::test_fails: "
    )
    assert run.probe is not None
    assert run.probe.modules["shop.money"] == str((tmp_path / "src/shop/money.py").resolve())


def test_only_skipped_and_xfailed_tests_are_no_pass(tmp_path: Path) -> None:
    project = python_project(tmp_path)
    (tmp_path / "tests" / "test_money.py").write_text(
        "import pytest\n\n\n@pytest.mark.skip\ndef test_a():\n    pass\n\n\n"
        "@pytest.mark.xfail\ndef test_b():\n    assert False\n",
        encoding="utf-8",
    )

    report = run_tests(project, tmp_path, SubprocessShell(), ["tests/test_money.py"], timeout=60)

    assert not report.report.passed
    assert report.report.counts() == "0 passed, 1 skipped, 1 xfailed"


def test_a_run_that_imports_the_package_from_elsewhere_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = python_project(tmp_path / "tree")
    tree = tmp_path / "tree"
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(tree / "src" / "shop", elsewhere / "shop")
    (tree / "src" / "shop" / "__init__.py").unlink()  # a namespace portion loses
    (tree / "tests" / "test_money.py").write_text(
        "from shop.money import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PYTHONPATH", str(elsewhere))

    run = run_tests(project, tree, SubprocessShell(), ["tests/test_money.py"], timeout=60)

    report = run.report
    assert report.passed_count == 1, "the test itself passed, on the other copy"
    assert not report.passed
    assert report.error is not None
    assert report.error.startswith(
        f"the tests imported shop from {(elsewhere / 'shop' / '__init__.py').resolve()}, "
        f"not from this tree ({tree / 'src'})"
    )


@pytest.mark.skipif(shutil.which("mix") is None, reason="Elixir is not installed")
def test_a_real_exunit_module_without_tests_is_no_pass_and_counts_are_exunit_s(
    tmp_path: Path,
) -> None:
    subprocess.run(["mix", "new", "shop"], cwd=tmp_path, check=True, capture_output=True)
    root = tmp_path / "shop"
    (root / "test" / "empty_test.exs").write_text(
        "defmodule EmptyTest do\n  use ExUnit.Case\nend\n", encoding="utf-8"
    )
    (root / "test" / "three_test.exs").write_text(
        "defmodule ThreeTest do\n  use ExUnit.Case\n"
        '  test "a", do: assert 1 + 1 == 2\n'
        '  test "b", do: assert 2 * 2 == 4\n'
        '  test "c", do: assert Enum.sum([1, 2]) == 4\n'
        "end\n",
        encoding="utf-8",
    )
    project = Project(
        id=1, account_id=1, name="shop", package="shop", root=str(root), language=Language.ELIXIR
    )
    shell = SubprocessShell()

    empty = run_tests(project, root, shell, ["test/empty_test.exs"], timeout=120).report
    three = run_tests(project, root, shell, ["test/three_test.exs"], timeout=120).report

    assert not empty.passed
    assert empty.summary() == "no tests were collected"
    assert (three.tests, three.failures, three.passed_count) == (3, 1, 2)
    assert three.failed_cases[0].test_id == "ThreeTest::c"
    assert "left:  3" in three.failed_cases[0].message
