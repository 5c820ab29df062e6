"""``mix test`` output (ExUnit's CLI formatter), as Elixir prints it, read into a report: what
codemyspec reads when its formatter wrote no report (nothing ran, or it was not loaded)."""

from __future__ import annotations

from codemyspec.test_reports import parse_exunit_output

NO_TESTS = """
Finished in 0.1 seconds (0.00s async, 0.1s sync)
0 failures

Randomized with seed 393286
"""

ONE_FAILURE_ONE_SKIPPED = """*.

  1) test b (TwoTest)
     test/two_test.exs:6
     Assertion with == failed
     code:  assert Enum.sum([1, 2]) == 4
     left:  3
     right: 4
     stacktrace:
       test/two_test.exs:7: (test)


Finished in 0.03 seconds (0.00s async, 0.03s sync)
3 tests, 1 failure, 1 skipped

Randomized with seed 578706
"""

SETUP_ALL_FAILED = """

  0) SetupTest: failure on setup_all callback, all tests have been invalidated
     ** (RuntimeError) db down
     stacktrace:
       test/setup_test.exs:4: SetupTest.__ex_unit_setup_all_0/1


Finished in 0.03 seconds (0.00s async, 0.03s sync)
1 test, 0 failures, 1 invalid
"""

COMPILE_ERROR = """Compiling 1 file (.ex)

== Compilation error in file lib/broken.ex ==
** (TokenMissingError) lib/broken.ex:4:1: missing terminator: ) (for "(" starting at line 2)
    (elixir 1.14.0) lib/kernel/parallel_compiler.ex:346: anonymous fn/5
"""

#: A warning printed before the error is not why nothing ran.
HELPER_RAISED = """Compiling 1 file (.ex)
warning: variable "x" is unused (if the variable is not meant to be used, prefix it with an underscore)
  lib/shop.ex:3: Shop.total/1

** (RuntimeError) helper broke
    test/test_helper.exs:2: (file)
    (elixir 1.14.0) lib/code.ex:1245: Code.require_file/2
"""  # noqa: E501 - printed as it is

#: Elixir 1.15 and later log the error on stderr (after stdout here) and end with less.
LOGGED_COMPILE_ERROR = """Compiling 1 file (.ex)

== Compilation error in file lib/shop.ex ==
** (CompileError) lib/shop.ex: cannot compile module Shop (errors have been logged)

    error: undefined function rounding/0 (expected Shop to define such a function or for it to be imported, but none are available)
    │
  3 │     Enum.sum(items) + rounding()
    │                       ^^^^^^^^
    │
    └─ lib/shop.ex:3:23: Shop.total/1
"""  # noqa: E501 - printed as it is


def test_a_module_without_tests_is_no_pass() -> None:
    report = parse_exunit_output(NO_TESTS)

    assert report.tests == 0
    assert not report.passed
    assert report.summary() == "no tests were collected"


def test_counts_and_the_failure_message_come_from_exunit_s_own_lines() -> None:
    report = parse_exunit_output(ONE_FAILURE_ONE_SKIPPED)

    assert (report.tests, report.failures, report.skipped, report.passed_count) == (3, 1, 1, 1)
    [case] = report.failed_cases
    assert case.test_id == "TwoTest::b"
    assert case.message == (
        "Assertion with == failed; code:  assert Enum.sum([1, 2]) == 4; left:  3; right: 4"
    )
    assert report.summary().startswith("1 passed, 1 failed, 1 skipped · TwoTest::b: Assertion")


def test_a_failed_setup_all_invalidates_the_tests_with_its_message() -> None:
    report = parse_exunit_output(SETUP_ALL_FAILED)

    assert (report.tests, report.errors) == (1, 1)
    assert not report.passed
    assert report.failed_cases[0].test_id == "SetupTest::failure on setup_all callback"
    assert report.failed_cases[0].message == "** (RuntimeError) db down"


def test_output_without_a_summary_is_an_error_naming_the_compile_error() -> None:
    report = parse_exunit_output(COMPILE_ERROR)

    assert report.error == (
        "mix test printed no test summary: == Compilation error in file lib/broken.ex == "
        '** (TokenMissingError) lib/broken.ex:4:1: missing terminator: ) (for "(" starting at '
        "line 2)"
    )
    assert not report.passed
    assert report.did_not_compile


def test_an_exception_before_the_tests_is_named_with_where_it_was_raised() -> None:
    report = parse_exunit_output(HELPER_RAISED)

    assert report.error == (
        "mix test printed no test summary: ** (RuntimeError) helper broke "
        "test/test_helper.exs:2: (file)"
    )
    assert not report.did_not_compile


def test_a_logged_compile_error_is_named_by_its_own_line_and_location() -> None:
    report = parse_exunit_output(LOGGED_COMPILE_ERROR)

    assert report.error == (
        "mix test printed no test summary: == Compilation error in file lib/shop.ex == "
        "** (CompileError) lib/shop.ex: cannot compile module Shop (errors have been logged) "
        "error: undefined function rounding/0 (expected Shop to define such a function or for "
        "it to be imported, but none are available) └─ lib/shop.ex:3:23: Shop.total/1"
    )
    assert report.did_not_compile
