"""Several test files in one test process (validation on the integrated tree), each file's
report as informative as a run of its own: real pytest, real mix, counted processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemyspec.environments import run_each, run_tests
from codemyspec.projects import Project
from codemyspec.shell import SubprocessShell
from codemyspec.test_reports import SuiteReport
from tests.integration.test_test_runs import (
    exunit_cache,  # noqa: F401 - the module's compiled formatter
    exunit_module,
    mix_project,
    needs_mix,
    python_project,
)
from tests.support.counting_shell import CountingShell

ADDS = "from shop.money import add\n\n\ndef test_adds():\n    assert add(1, 2) == 3\n"
SKIPS = ADDS + "\n\nimport pytest\n\n\n@pytest.mark.skip\ndef test_later():\n    pass\n"
WRONG = "from shop.money import add\n\n\ndef test_wrong():\n    assert add(1, 2) == 4\n"
#: Fails on its first run, passes on its second (a counter file outside the tests).
FLAKY = (
    "from pathlib import Path\n\n\ndef test_sometimes():\n"
    "    runs = Path(__file__).parents[1] / 'runs.txt'\n"
    "    count = int(runs.read_text()) + 1 if runs.exists() else 1\n"
    "    runs.write_text(str(count))\n"
    "    assert count % 2 == 0\n"
)
MISSING = "from shop.tax import tax\n\n\ndef test_tax():\n    assert tax(5) == 1\n"


def write(tree: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text(text, encoding="utf-8")


def alone(project: Project, tree: Path, path: str) -> SuiteReport:
    return run_tests(project, tree, SubprocessShell(), [path], timeout=60).report


def same_report(one: SuiteReport, other: SuiteReport) -> bool:
    """The same outcome, failures, messages and causes (the output differs in its timings)."""
    fields = {"output"}
    return one.model_dump(exclude=fields) == other.model_dump(exclude=fields)


def test_passing_files_take_one_test_process_and_keep_their_own_counts(tmp_path: Path) -> None:
    project = python_project(tmp_path)
    write(tmp_path, {"tests/test_a.py": ADDS, "tests/test_b.py": SKIPS, "tests/c/test_c.py": ADDS})
    shell = CountingShell()

    reports = run_each(
        project,
        tmp_path,
        shell,
        ["tests/test_a.py", "tests/test_b.py", "tests/c/test_c.py"],
        timeout=60,
    )

    assert len(shell.test_runs()) == 1
    assert {path: r.summary() for path, r in reports.items()} == {
        "tests/test_a.py": "1 passed",
        "tests/test_b.py": "1 passed, 1 skipped",
        "tests/c/test_c.py": "1 passed",
    }
    assert all(r.passed for r in reports.values())


def test_a_file_that_does_not_pass_gets_the_report_of_a_run_of_its_own(tmp_path: Path) -> None:
    project = python_project(tmp_path)
    files = {"tests/test_a.py": ADDS, "tests/test_wrong.py": WRONG, "tests/test_tax.py": MISSING}
    write(tmp_path, files)
    shell = CountingShell()

    reports = run_each(project, tmp_path, shell, list(files), timeout=60)

    assert reports["tests/test_a.py"].passed
    for path in ("tests/test_wrong.py", "tests/test_tax.py"):
        assert not reports[path].passed
        assert same_report(reports[path], alone(project, tmp_path, path)), path
    assert reports["tests/test_wrong.py"].failed_cases[0].test_id == "tests.test_wrong::test_wrong"
    assert reports["tests/test_tax.py"].collection_errors[0].module == "shop.tax"
    assert [argv[3:4] for argv, _ in shell.test_runs()] == [
        ("tests/test_a.py",),
        ("tests/test_wrong.py",),
        ("tests/test_wrong.py::test_wrong",),  # its failed test, once more: not flaky
        ("tests/test_tax.py",),  # nothing ran in it: nothing to run again
    ]
    assert reports["tests/test_wrong.py"].flaky == []


def test_a_test_that_fails_then_passes_is_named_flaky_never_silently_passed(
    tmp_path: Path,
) -> None:
    """Alone: only the failed tests run again; with others: its own run is the second."""
    project = python_project(tmp_path)
    write(tmp_path, {"tests/test_a.py": ADDS, "tests/test_flaky.py": FLAKY + "\n\n" + WRONG})
    shell = CountingShell()

    own = run_each(project, tmp_path, shell, ["tests/test_flaky.py"], timeout=60)
    (tmp_path / "runs.txt").unlink()
    write(tmp_path, {"tests/test_flaky.py": FLAKY})
    together = run_each(
        project, tmp_path, shell, ["tests/test_a.py", "tests/test_flaky.py"], timeout=60
    )

    flaky = own["tests/test_flaky.py"]
    assert flaky.flaky == ["tests/test_flaky.py::test_sometimes"]
    assert [c.test_id for c in flaky.failed_cases] == ["tests.test_flaky::test_wrong"]
    assert flaky.summary() == (
        "1 passed, 1 failed · flaky: tests/test_flaky.py::test_sometimes (failed, then passed "
        "on a re-run) · tests.test_flaky::test_wrong: assert 3 == 4"
    )
    first, second = (argv for argv, _ in shell.test_runs()[:2])
    assert first[3] == "tests/test_flaky.py"
    assert second[3:5] == ("tests/test_flaky.py::test_sometimes", "tests/test_flaky.py::test_wrong")
    again = together["tests/test_flaky.py"]
    assert again.passed and again.flaky == ["tests/test_flaky.py::test_sometimes"]
    assert again.summary() == (
        "1 passed · flaky: tests/test_flaky.py::test_sometimes (failed, then passed on a re-run)"
    )
    assert together["tests/test_a.py"].flaky == []
    assert len(shell.test_runs()) == 4  # alone twice; together, then the flaky file alone


def test_two_test_modules_of_one_name_each_pass_as_they_do_alone(tmp_path: Path) -> None:
    project = python_project(tmp_path)
    write(tmp_path, {"tests/a/test_same.py": ADDS, "tests/b/test_same.py": ADDS})

    reports = run_each(
        project,
        tmp_path,
        SubprocessShell(),
        ["tests/a/test_same.py", "tests/b/test_same.py"],
        timeout=60,
    )

    assert all(r.passed for r in reports.values()), {p: r.summary() for p, r in reports.items()}


def test_an_error_of_the_whole_run_is_every_file_s_and_costs_one_process(tmp_path: Path) -> None:
    project = python_project(tmp_path)
    write(
        tmp_path,
        {
            "tests/conftest.py": "import freezegun_not_installed_here\n",
            "tests/test_a.py": ADDS,
            "tests/test_b.py": ADDS,
        },
    )
    shell = CountingShell()

    reports = run_each(project, tmp_path, shell, ["tests/test_a.py", "tests/test_b.py"], timeout=60)

    assert len(shell.test_runs()) == 1
    for report in reports.values():
        assert report.error is not None and "freezegun_not_installed_here" in report.error
        assert report.broken_environment
        assert report.summary() == alone(project, tmp_path, "tests/test_a.py").summary()


def test_a_run_that_times_out_runs_each_file_alone_so_the_one_that_hangs_is_named(
    tmp_path: Path,
) -> None:
    project = python_project(tmp_path)
    hangs = "import time\n\n\ndef test_waits():\n    time.sleep(60)\n"
    write(tmp_path, {"tests/test_a.py": ADDS, "tests/test_hangs.py": hangs})
    shell = CountingShell()

    reports = run_each(
        project, tmp_path, shell, ["tests/test_a.py", "tests/test_hangs.py"], timeout=6
    )

    assert reports["tests/test_a.py"].passed, reports["tests/test_a.py"].summary()
    hung = reports["tests/test_hangs.py"]
    assert hung.error is not None and "timed out" in hung.error
    assert len(shell.test_runs()) == 3  # together, then each on its own


@needs_mix
@pytest.mark.usefixtures("exunit_cache")
def test_exunit_files_run_in_one_mix_test_and_a_failing_one_again_on_its_own(
    tmp_path: Path,
) -> None:
    passing = 'test "adds", do: assert 1 + 2 == 3'
    project = mix_project(
        tmp_path,
        {
            "test/a_test.exs": exunit_module("ATest", passing),
            "test/b_test.exs": exunit_module("BTest", passing, passing.replace("adds", "too")),
            "test/c_test.exs": exunit_module("CTest", 'test "wrong", do: assert 1 + 2 == 4'),
        },
    )
    root = tmp_path / "shop"
    shell = CountingShell()

    reports = run_each(
        project,
        root,
        shell,
        ["test/a_test.exs", "test/b_test.exs", "test/c_test.exs"],
        timeout=120,
    )

    assert reports["test/a_test.exs"].summary() == "1 passed"
    assert reports["test/b_test.exs"].summary() == "2 passed"
    wrong = reports["test/c_test.exs"]
    assert wrong.failed_cases[0].test_id == "CTest::wrong"
    assert same_report(wrong, alone(project, root, "test/c_test.exs"))
    mix_tests = [argv for argv, _ in shell.test_runs()]
    assert len(mix_tests) == 3  # together; the failing file alone, and once more
    assert "test/c_test.exs" in mix_tests[1] and "test/a_test.exs" not in mix_tests[1]
