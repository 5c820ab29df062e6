"""``mix test`` output (ExUnit's CLI formatter), as Elixir 1.14 prints it, read into a report."""

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
        "mix test printed no test summary: == Compilation error in file lib/broken.ex =="
    )
    assert not report.passed
