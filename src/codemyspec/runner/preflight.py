"""Pre-flight: before any money is spent on agents, check that the tests can test the code.

On the base tree, in one test run (collection errors do not stop the others' tests):
- the package imports from the tree's own source root, not an installed copy;
- every component's existing test file can be collected, except for imports of code this
  run is about to write and the component will have: its own, and that of the siblings
  it lists under ``## Dependencies`` (merged into its worktree before its agent starts);
- every such file holds tests, and fails while its component's code does not exist.
What each existing test file did on the base tree is recorded as the baseline; where the
code file exists already (an existing component is changed) a failing baseline is what
the agent is there to fix, and does not stop the run. Elixir has no collection: each
existing test file runs once on its own, and an empty one or one that passes without its
code stops the run; what cannot run (a module not written yet) is the baseline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from codemyspec.components import Component, component_files
from codemyspec.context_coding_sessions import BaselineRun
from codemyspec.environments import run_tests
from codemyspec.errors import ConfigurationError
from codemyspec.projects import Language, Project, source_root
from codemyspec.runner.project_files import file_digest
from codemyspec.runner.validation_tests import baseline_runs
from codemyspec.shell import Shell
from codemyspec.test_reports import CollectionError, ProbedOutcomes


@dataclass
class PreflightReport:
    """What pre-flight found: problems that stop the run, and each test file's baseline."""

    problems: list[str] = field(default_factory=list)
    baseline: dict[str, str] = field(default_factory=dict)
    #: Test files proven red without their code, by the sha256 of the file as it ran: its
    #: own module could not be imported (or, for a component that builds on no other, its
    #: tests failed). A child whose test file is still this one, and whose agent changed
    #: nothing but the code file, needs no run without the code to show it.
    red_proven: dict[str, str] = field(default_factory=dict)
    #: How the context's own and the configured tests ran: the ids that failed, by file.
    validation_baseline: dict[str, BaselineRun] = field(default_factory=dict)

    def raise_for_problems(self, context: str) -> None:
        if self.problems:
            listed = "\n".join(f"  - {problem}" for problem in self.problems)
            raise ConfigurationError(
                f"pre-flight found problems before any agent ran, so {context} was not "
                f"started and nothing changed:\n{listed}"
            )


def module_name(path: PurePosixPath, root: PurePosixPath) -> str | None:
    """``src/shop/billing/money.py`` under ``src`` → ``shop.billing.money``."""
    try:
        parts = list(path.relative_to(root).with_suffix("").parts)
    except ValueError:
        return None
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) or None


def _written_by_this_run(error: CollectionError, modules: set[str]) -> bool:
    """A failed import of one of ``modules`` (or a package above one), which the component's
    worktree will hold by the time its tests run."""
    if error.kind not in ("ModuleNotFoundError", "ImportError") or error.module is None:
        return False
    return any(m == error.module or m.startswith(error.module + ".") for m in modules)


def _modules_at_hand(
    component: Component, by_name: dict[str, Component], project: Project
) -> set[str]:
    """The modules the component's worktree will hold: its own and its dependencies' (for
    the context's own module, every component's)."""
    uses = list(by_name) if component.type.is_context else component.dependencies
    at_hand = [component, *(by_name[d] for d in uses if d in by_name)]
    return {m for c in at_hand if (m := _own_module(c, project))}


def _why_not_at_hand(error: CollectionError) -> str:
    if error.kind in ("ModuleNotFoundError", "ImportError") and error.module:
        return (
            f"{error.describe()}: it cannot be collected (if {error.module} is another "
            "component's, list it under ## Dependencies in this component's design doc)"
        )
    return f"{error.describe()}: it cannot be collected"


def preflight(
    project: Project,
    root: Path,
    shell: Shell,
    components: list[Component],
    *,
    timeout: float,
    validation_tests: Sequence[str] = (),
) -> PreflightReport:
    """Check the tests of a context's ``components`` on the tree at ``root``, and record
    how ``validation_tests`` (the context's own and configured tests) run there."""
    report = PreflightReport()
    if validation_tests:  # their failures are recorded, never refused: the baseline
        runs = baseline_runs(project, root, shell, validation_tests, timeout=timeout)
        report.validation_baseline = runs
        report.baseline |= {test: run.summary for test, run in runs.items()}
    by_test = {str(component_files(c, project).test): c for c in components}
    by_name = {c.module_name: c for c in components}
    code_of = {test: component_files(c, project).code for test, c in by_test.items()}
    existing = sorted(t for t in code_of if (root / t).is_file())
    if project.language is not Language.PYTHON:
        for test in existing:
            _run_one(project, root, shell, test, code_of[test], report, timeout)
        return report

    # One run: collection errors, each file's tests and how they ended, together.
    run = run_tests(project, root, shell, existing, timeout=timeout)
    if run.probe is None or run.report.error is not None:
        report.problems.append(str(run.report.error or run.report.summary()))
        return report
    counts = run.probe.collected_in(root)
    failing_imports = {e.path: e for e in run.report.collection_errors}
    runnable = []
    for test in existing:
        if (error := failing_imports.get(test)) is not None:
            if not _written_by_this_run(error, _modules_at_hand(by_test[test], by_name, project)):
                report.problems.append(_why_not_at_hand(error))
            else:
                report.baseline[test] = f"cannot be collected: {error.message}"
                if error.module == _own_module(by_test[test], project):
                    _prove_red(root, test, code_of[test], report)
        elif counts.get(test, 0) == 0:
            report.problems.append(f"{test} holds no tests: write the tests first")
        else:
            runnable.append(test)
    red = _read_baseline(root, run.probe.outcomes_in(root), runnable, code_of, report)
    for test in red:  # red by its failing tests: a proof only where no other code is merged
        if _builds_on_nothing(by_test[test]):
            _prove_red(root, test, code_of[test], report)
    return report


def _own_module(component: Component, project: Project) -> str | None:
    """The module the component's code file is, as tests import it."""
    return module_name(component_files(component, project).code, source_root(project))


def _builds_on_nothing(component: Component) -> bool:
    """Its worktree is the base tree: no dependency's branch is merged into it."""
    return not component.dependencies and not component.type.is_context


def _prove_red(root: Path, test: str, code: PurePosixPath, report: PreflightReport) -> None:
    if not (root / code).is_file() and (digest := file_digest(root / test)) is not None:
        report.red_proven[test] = digest


def _run_one(
    project: Project,
    root: Path,
    shell: Shell,
    test: str,
    code: PurePosixPath,
    report: PreflightReport,
    timeout: float,
) -> None:
    """One test file run on its own (a profile without collection, such as ExUnit)."""
    run = run_tests(project, root, shell, [test], timeout=timeout).report
    if run.error is None and run.tests == 0:
        report.problems.append(f"{test} holds no tests: write the tests first")
        return
    report.baseline[test] = run.summary()
    if run.passed and not (root / code).is_file():
        report.problems.append(f"{test} passes without {code}: it does not test it")


def _read_baseline(
    root: Path,
    outcomes: dict[str, ProbedOutcomes],
    tests: list[str],
    code_of: dict[str, PurePosixPath],
    report: PreflightReport,
) -> list[str]:
    """How the collectable test files ran: red where the code is missing, else a baseline;
    the files whose tests failed without their code."""
    red = []
    for test in tests:
        counts = outcomes.get(test)
        failed = counts is not None and (counts.failed or counts.error)
        if counts is not None:
            parts = [f"{n} {label}" for label, n in counts.model_dump().items() if n]
            report.baseline[test] = ", ".join(parts) or "no tests ran"
        if not (root / code_of[test]).is_file():
            if failed:
                red.append(test)
                continue
            if counts is not None and counts.passed:
                report.problems.append(
                    f"{test} passes without {code_of[test]}: it does not test it"
                )
            else:
                report.problems.append(f"{test} has no test that runs (all skipped or none)")
    return red
