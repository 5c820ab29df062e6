"""A project's tests run the way codemyspec trusts them: real pytest, real mix, real files."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from codemyspec.environments import run_tests
from codemyspec.projects import Language, Project
from codemyspec.runner.red_check import unproven_reason, without_code
from codemyspec.shell import SubprocessShell
from codemyspec.test_reports import SuiteReport

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


needs_mix = pytest.mark.skipif(shutil.which("mix") is None, reason="Elixir is not installed")


@pytest.fixture(scope="module")
def exunit_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One compiled formatter for the module's runs, in a cache folder whose name has a
    space (the test VM must load it all the same), never the developer's own cache."""
    cache = tmp_path_factory.mktemp("xdg") / "elixir cache"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(cache))
        yield cache


def mix_project(
    tmp_path: Path, files: dict[str, str], *, apps: tuple[str, ...] = (), **attrs: object
) -> Project:
    """A new mix project (``mix new``, no hex), an umbrella of ``apps`` when there are any,
    with ``files`` written into it."""
    argv = ["mix", "new", "shop", *(["--umbrella"] if apps else [])]
    subprocess.run(argv, cwd=tmp_path, check=True, capture_output=True)
    root = tmp_path / "shop"
    for app in apps:
        subprocess.run(["mix", "new", app], cwd=root / "apps", check=True, capture_output=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return Project.model_validate(
        {"id": 1, "account_id": 1, "name": "shop", "package": "shop", "root": str(root)}
        | {"language": Language.ELIXIR, **attrs}
    )


def run_mix(project: Project, *test_paths: str) -> SuiteReport:
    assert project.root is not None
    root = Path(project.root)
    return run_tests(project, root, SubprocessShell(), list(test_paths), timeout=120).report


def exunit_module(name: str, *lines: str) -> str:
    """An ExUnit test module whose body is ``lines``."""
    body = "".join(f"  {line}\n" for line in lines)
    return f"defmodule {name} do\n  use ExUnit.Case\n{body}end\n"


MONEY = """\
defmodule Shop.Money do
  def total(items), do: Enum.sum(items)
end
"""


@needs_mix
def test_exunit_counts_and_the_failure_s_left_and_right_come_from_the_formatter_s_report(
    tmp_path: Path, exunit_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELIXIR_ERL_OPTIONS", "+fnu")  # the user's own options are kept
    project = mix_project(
        tmp_path,
        {
            "lib/shop/money.ex": MONEY,
            "test/money_test.exs": exunit_module(
                "MoneyTest",
                'test "adds", do: assert Shop.Money.total([1, 2]) == 3',
                'test "adds nothing", do: assert Shop.Money.total([]) == 0',
                'test "totals an order", do: assert Shop.Money.total([500, 750]) == 750',
            ),
        },
        test_command=["mix", "test"],
    )

    report = run_mix(project, "test/money_test.exs")

    assert (report.tests, report.failures, report.passed_count) == (3, 1, 2)
    assert not report.passed
    [failure] = report.failed_cases
    assert failure.test_id == "MoneyTest::totals an order"
    assert failure.message == (
        "Assertion with == failed; code: assert Shop.Money.total([500, 750]) == 750; "
        "left: 1250; right: 750"
    )
    assert report.summary().startswith("2 passed, 1 failed · MoneyTest::totals an order: ")
    assert list(exunit_cache.rglob("*.beam")), "the formatter is compiled into the cache"


@needs_mix
def test_an_exunit_module_without_tests_is_no_pass(tmp_path: Path, exunit_cache: Path) -> None:
    project = mix_project(tmp_path, {"test/empty_test.exs": exunit_module("EmptyTest")})

    report = run_mix(project, "test/empty_test.exs")

    assert report.error is None
    assert not report.passed
    assert report.summary() == "no tests were collected"


@needs_mix
def test_a_failed_setup_all_makes_each_of_its_tests_an_error_with_its_message(
    tmp_path: Path, exunit_cache: Path
) -> None:
    project = mix_project(
        tmp_path,
        {
            "test/setup_test.exs": exunit_module(
                "SetupTest",
                'setup_all do: raise "database is down"',
                'test "reads", do: :ok',
                'test "writes", do: :ok',
            )
        },
    )

    report = run_mix(project, "test/setup_test.exs")

    assert report.counts() == "0 passed, 2 errors"
    assert {case.test_id for case in report.failed_cases} == {
        "SetupTest::reads",
        "SetupTest::writes",
    }
    assert report.failed_cases[0].message == (
        "failure on setup_all callback: ** (RuntimeError) database is down"
    )


@needs_mix
def test_a_compile_error_in_lib_is_an_error_naming_the_file_and_the_error_line(
    tmp_path: Path, exunit_cache: Path
) -> None:
    project = mix_project(
        tmp_path,
        {
            "lib/shop/money.ex": "defmodule Shop.Money do\n  def total(items) do\n"
            "    Enum.sum(items) + rounding()\n  end\nend\n",
            "test/money_test.exs": exunit_module(
                "MoneyTest", 'test "adds", do: assert Shop.Money.total([1, 2]) == 3'
            ),
        },
    )

    report = run_mix(project, "test/money_test.exs")

    assert not report.passed
    assert report.error is not None
    assert report.error.startswith(
        "mix test printed no test summary: == Compilation error in file lib/shop/money.ex == "
        "** (CompileError) lib/shop/money.ex:3: undefined function rounding/0"
    )


@needs_mix
def test_skipped_and_excluded_exunit_tests_are_counted_as_skipped(
    tmp_path: Path, exunit_cache: Path
) -> None:
    project = mix_project(
        tmp_path,
        {
            "test/money_test.exs": exunit_module(
                "MoneyTest",
                'test "adds", do: assert 1 + 2 == 3',
                "@tag :skip",
                'test "later", do: assert false',
                "@tag :slow",
                'test "slowly", do: assert false',
            )
        },
        test_command=["mix", "test", "--exclude", "slow"],
    )

    report = run_mix(project, "test/money_test.exs")

    assert report.counts() == "1 passed, 2 skipped"
    assert report.passed


@needs_mix
def test_a_cache_that_cannot_be_written_only_costs_a_compile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "not a folder").write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not a folder"))
    project = mix_project(
        tmp_path,
        {"test/money_test.exs": exunit_module("MoneyTest", 'test "adds", do: assert 1 + 2 == 3')},
    )

    report = run_mix(project, "test/money_test.exs")

    assert report.error is None
    assert report.counts() == "1 passed"
    assert report.passed


@needs_mix
def test_an_umbrella_s_apps_are_each_counted_and_one_whose_tests_do_not_compile_is_no_pass(
    tmp_path: Path, exunit_cache: Path
) -> None:
    project = mix_project(
        tmp_path,
        {
            "apps/billing/test/billing_test.exs": exunit_module(
                "BillingTest",
                'test "bills", do: assert 1 + 1 == 2',
                'test "refunds", do: assert 2 - 1 == 1',
            ),
            "apps/orders/test/orders_test.exs": exunit_module(
                "OrdersTest", 'test "orders", do: assert 2 * 2 == 5'
            ),
        },
        apps=("billing", "orders"),
    )
    tests = ("apps/billing/test/billing_test.exs", "apps/orders/test/orders_test.exs")

    both = run_mix(project, *tests)
    (tmp_path / "shop" / tests[1]).write_text(
        exunit_module("OrdersTest", 'test "orders", do: order()'),
        encoding="utf-8",
    )
    broken = run_mix(project, *tests)

    assert (both.tests, both.failures, both.passed_count) == (3, 1, 2)
    assert both.failed_cases[0].test_id == "OrdersTest::orders"
    assert not broken.passed, "billing's tests passed, but orders' did not even compile"
    assert broken.error is not None
    assert broken.error.startswith(
        "mix test exited with 1 after 2 passed: == Compilation error in file "
        "test/orders_test.exs == ** (CompileError) test/orders_test.exs:3: undefined function "
        "order/0"
    )


ITEM = """\
defmodule Shop.Item do
  defstruct price: 0

  def price(%__MODULE__{price: p}), do: p
end
"""
CART = """\
defmodule Shop.Cart do
  def total(prices), do: Enum.sum(for p <- prices, do: %Shop.Item{price: p}.price)
end
"""


@needs_mix
@pytest.mark.parametrize(
    ("test_body", "proven"),
    [
        ('test "a price", do: assert Shop.Item.price(%Shop.Item{price: 3}) == 3', True),
        ('test "sums", do: assert Enum.sum([1, 2]) == 3', False),
    ],
)
def test_without_its_code_a_mix_project_that_does_not_compile_is_red_but_passing_is_not(
    tmp_path: Path, exunit_cache: Path, test_body: str, proven: bool
) -> None:
    """Shop.Cart builds Shop.Item's struct, so without item.ex nothing compiles: that is as red
    as a failing test. A test that passes anyway (nothing else needs Item) proves nothing."""
    files = {
        "lib/shop/item.ex": ITEM,
        "test/shop/item_test.exs": exunit_module("Shop.ItemTest", test_body),
    }
    project = mix_project(tmp_path, files | ({"lib/shop/cart.ex": CART} if proven else {}))
    root = Path(str(project.root))
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    test, code = "test/shop/item_test.exs", "lib/shop/item.ex"
    assert run_mix(project, test).passed, "with its code the test passes"

    red = without_code(project, root, SubprocessShell(), test, code, timeout=120)

    reason = unproven_reason(red, test, code)
    if proven:
        assert red.did_not_compile and red.error is not None
        assert "Shop.Item.__struct__" in red.error
        assert reason is None
    else:
        assert reason == (
            f"{test} passes without {code}: it does not test it (without the code: 1 passed)"
        )


@needs_mix
def test_a_fix_made_in_the_same_second_as_the_last_compile_is_the_code_that_runs(
    tmp_path: Path, exunit_cache: Path
) -> None:
    """Mix compares whole-second mtimes: an edit within the second of its last compile
    would look compiled, and the old code would run (a fix round failing its own fix)."""
    project = mix_project(
        tmp_path,
        {
            "lib/shop/tax.ex": "defmodule Shop.Tax do\n  def tax(a), do: div(a, 4)\nend\n",
            "test/tax_test.exs": exunit_module(
                "TaxTest", 'test "a fifth", do: assert Shop.Tax.tax(100) == 20'
            ),
        },
        test_command=["mix", "test"],
    )
    assert run_mix(project, "test/tax_test.exs").failures == 1  # compiled, with div(a, 4)
    root = Path(str(project.root))
    code = root / "lib/shop/tax.ex"
    code.write_text("defmodule Shop.Tax do\n  def tax(a), do: div(a, 5)\nend\n", encoding="utf-8")
    (manifest,) = root.glob("_build/test/lib/shop/.mix/compile.elixir")
    compiled = manifest.stat().st_mtime_ns
    os.utime(code, ns=(compiled, compiled))  # the fix lands in the compile's own second

    report = run_mix(project, "test/tax_test.exs")

    assert (report.tests, report.failures) == (1, 0), report.summary()
