"""Several test files run in one test process, and each file's own report read from it.

Starting the project's test command costs far more than most unit test files take, so the
files run together once. A file whose tests all passed in that run gets its report from it
(its counts, the run's output). A file that did not pass runs again on its own, exactly as
it would have without the shared run: its failures, messages and collection errors are then
its own, never mixed with another file's (nor caused by one, such as pytest's "import file
mismatch" of two test modules with one name). An error of the whole run that no file alone
would escape (the test command did not start, an internal error, the package imported from
elsewhere, a compile error) is every file's report: no file of it was tested. Any other
(it timed out: the files together took longer than one may) runs each file on its own, so
the one that hangs is named and the others are judged as before.

A test that failed, with the others or on its own, and then passed is flaky (``reruns``):
the failing tests of a file's own run run once more.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from codemyspec.environments.reruns import failed_tests, passed_tests, run_again, with_flaky
from codemyspec.environments.test_runs import TestRun, run_tests
from codemyspec.projects import Project
from codemyspec.shell import Shell
from codemyspec.test_reports import SuiteReport


def run_each(
    project: Project, tree: Path, shell: Shell, test_paths: Sequence[str], *, timeout: float
) -> dict[str, SuiteReport]:
    """Each of ``test_paths``' report on the tree at ``tree``, from as few runs as may be."""
    paths = list(dict.fromkeys(test_paths))
    if len(paths) <= 1:
        return {p: own_run(project, tree, shell, p, {}, timeout=timeout) for p in paths}
    run = run_tests(project, tree, shell, paths, timeout=timeout)
    whole = run.report
    if whole.error is not None and (whole.broken_environment or whole.did_not_compile):
        return {path: whole.model_copy(deep=True) for path in paths}
    passed = passed_files(run, tree) if whole.error is None else {}
    return {
        path: passed.get(path)
        or own_run(project, tree, shell, path, failed_tests(run, tree, path), timeout=timeout)
        for path in paths
    }


def own_run(
    project: Project,
    tree: Path,
    shell: Shell,
    path: str,
    failed_together: dict[str, str],
    *,
    timeout: float,
) -> SuiteReport:
    """``path``'s report from a run of its own. A test that failed with the other files
    (``failed_together``) and passed here, or failed here and passed on a run of the failed
    tests once more, is flaky (``with_flaky``)."""
    run = run_tests(project, tree, shell, [path], timeout=timeout)
    together = passed_tests(run, tree, path, failed_together)
    failed = failed_tests(run, tree, path)
    again = run_again(project, tree, shell, path, failed, timeout=timeout) if failed else set()
    flaky = {test: outcome for test, outcome in failed.items() if test in again}
    return with_flaky(run.report, flaky, sorted(together))


def passed_files(run: TestRun, tree: Path) -> dict[str, SuiteReport]:
    """The files whose tests all passed in ``run`` (at least one passed, none failed or
    errored, none could not be collected), each with its own counts."""
    if run.probe is None:
        candidates = run.files
    else:
        broken = {e.path for e in run.probe.collection_errors_in(tree)}
        candidates = {
            path: SuiteReport(**counts.report_counts())
            for path, counts in run.probe.outcomes_in(tree).items()
            if path not in broken
        }
    return {
        path: report.model_copy(update={"output": run.report.output})
        for path, report in candidates.items()
        if report.passed
    }
