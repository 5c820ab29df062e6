"""Running a project's tests so that they test the tree they run in, and reading what happened.

Python: the project's own pytest (``test_command``), the tree's source root first on
``PYTHONPATH``, and codemyspec's probe plugin loaded with ``-p``; the probe says how each
test ended and where every module of the package was imported from, so a run that
imported an installed copy instead of the tree is an error, never a pass. Elixir: ``mix
test`` with codemyspec's ExUnit formatter (``exunit_runs``), which writes JUnit XML.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codemyspec.environments.exunit_runs import (
    compiled_formatter,
    exunit_argv,
    exunit_env,
    formatter_failure,
    read_exunit_files,
    read_exunit_reports,
)
from codemyspec.environments.mix_staleness import reveal_same_second_edits
from codemyspec.environments.test_commands import (
    DEFAULT_PYTHON_TEST_COMMAND,
)
from codemyspec.projects import Language, Project, source_root
from codemyspec.shell import Completed, Shell
from codemyspec.test_reports import (
    ProbeReport,
    SuiteReport,
    first_error_line,
    parse_junit_xml,
    read_probe,
)

PROBE_DIR = Path(__file__).with_name("pytest_probe")
PROBE_PLUGIN = "_codemyspec_pytest_probe"
PROBE_OUT_ENV = "CODEMYSPEC_PROBE_OUT"
PROBE_PACKAGES_ENV = "CODEMYSPEC_PROBE_PACKAGES"
PROBE_IMPORT_ENV = "CODEMYSPEC_PROBE_IMPORT"
#: pytest's exit status when a plugin or conftest hook raised (its INTERNALERROR lines).
PYTEST_INTERNAL_ERROR = 3


@dataclass(frozen=True, slots=True)
class TestRun:
    """One run of some test files: the whole report, and the probe's record (Python only);
    ``files``: each file's own report where the run's report names the file of each test
    (ExUnit's formatter does)."""

    report: SuiteReport
    probe: ProbeReport | None = None
    files: dict[str, SuiteReport] = field(default_factory=dict)


def mix_env(project: Project) -> dict[str, str]:
    """The environment of a mix run in any tree of the project: the checkout's fetched
    ``deps/`` (a worktree starts without them, git ignores them)."""
    env = dict(os.environ)
    if project.root is not None and (deps := Path(project.root) / "deps").is_dir():
        env["MIX_DEPS_PATH"] = str(deps)
    return env


def python_test_env(
    project: Project, tree: Path, probe_out: Path, *, import_package: bool = False
) -> dict[str, str]:
    """The environment a Python test run gets: the tree's source root and the probe first."""
    inherited = os.environ.get("PYTHONPATH")
    path = [str(tree / source_root(project)), str(PROBE_DIR), *([inherited] if inherited else [])]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(path),
        PROBE_OUT_ENV: str(probe_out),
        PROBE_PACKAGES_ENV: project.package,
    }
    if import_package:
        env[PROBE_IMPORT_ENV] = "1"
    return env


def pytest_argv(
    project: Project, test_paths: Sequence[str], junit: Path, *, collect_only: bool = False
) -> list[str]:
    """The project's pytest over ``test_paths``, writing JUnit XML, with the probe loaded.

    No paths means: load the project's configuration and conftests, collect nothing (the
    probe still tells where the package imports from).
    """
    base = project.test_command or list(DEFAULT_PYTHON_TEST_COMMAND)
    flags = ["--collect-only"] if collect_only else ["--continue-on-collection-errors"]
    if not test_paths:
        test_paths, flags = ["."], ["--collect-only", "--ignore-glob=*"]
    return [
        *base,
        *test_paths,
        f"--junitxml={junit}",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        PROBE_PLUGIN,
        *flags,
    ]


def run_tests(
    project: Project,
    tree: Path,
    shell: Shell,
    test_paths: Sequence[str],
    *,
    timeout: float,
    collect_only: bool = False,
) -> TestRun:
    """Run (or only collect) ``test_paths`` in ``tree`` and read what happened.

    No paths: collect nothing, and import the package to tell where it comes from and what
    stops it from importing.
    """
    if project.language is not Language.PYTHON:
        return _run_exunit(project, tree, shell, test_paths, timeout=timeout)
    with tempfile.TemporaryDirectory(prefix="codemyspec-tests-") as tmp:
        junit, probe_out = Path(tmp) / "junit.xml", Path(tmp) / "probe.json"
        done = shell.run(
            pytest_argv(project, test_paths, junit, collect_only=collect_only),
            tree,
            timeout=timeout,
            env=python_test_env(project, tree, probe_out, import_package=not test_paths),
        )
        output = done.stdout + done.stderr
        if (unreadable := _unreadable(done)) is not None:
            return TestRun(unreadable)
        probe = read_probe(probe_out)
        if probe is None:
            reason = _no_probe_reason(project, tree, done)
            return TestRun(SuiteReport(error=reason, broken_environment=True, output=output))
        report = parse_junit_xml(junit.read_text(encoding="utf-8")) if junit.is_file() else None
        report = probe.apply_to(report or SuiteReport(), tree)
    if probe.exitstatus == PYTEST_INTERNAL_ERROR:
        report.error = f"pytest stopped with an internal error: {internal_error(tree, output)}"
        report.broken_environment = True
    elif foreign := probe.foreign_modules(tree / source_root(project)):
        report.error = foreign_import_reason(project, tree, foreign)
        report.broken_environment = True
    report.output = output
    return TestRun(report, probe)


def _run_exunit(
    project: Project, tree: Path, shell: Shell, test_paths: Sequence[str], *, timeout: float
) -> TestRun:
    """``mix test`` over ``test_paths`` with codemyspec's formatter, and what it reported."""
    with tempfile.TemporaryDirectory(prefix="codemyspec-exunit-") as tmp:
        formatter, reports = Path(tmp) / "formatter", Path(tmp) / "reports"
        beam = compiled_formatter(shell, tree, formatter, timeout=timeout)
        if isinstance(beam, Completed):
            return TestRun(_unreadable(beam) or formatter_failure(beam))
        env = {**mix_env(project), **exunit_env(beam, reports)}
        reveal_same_second_edits(tree)
        done = shell.run(exunit_argv(project, test_paths), tree, timeout=timeout, env=env)
        if (unreadable := _unreadable(done)) is not None:
            return TestRun(unreadable)
        return TestRun(read_exunit_reports(reports, done), files=read_exunit_files(reports))


def _unreadable(done: Completed) -> SuiteReport | None:
    """A run that timed out (perhaps the code under test hangs: a fix round may help) or
    whose test command does not exist (no fix round can help)."""
    if not done.ok and (done.timed_out or done.not_found):
        return SuiteReport(
            error=done.failure_reason(),
            broken_environment=done.not_found,
            output=done.stdout + done.stderr,
        )
    return None


def foreign_import_reason(project: Project, tree: Path, foreign: dict[str, str]) -> str:
    """Why a run that imported the package from elsewhere cannot count, and what to do."""
    name, origin = sorted(foreign.items())[0]
    source = tree / source_root(project)
    return (
        f"the tests imported {name} from {origin}, not from this tree ({source}): "
        f"another copy of {project.package} shadows the code under test. Uninstall it from "
        f"the test environment (`pip uninstall {project.package}`), or make "
        f"{source_root(project)}/{project.package} a regular package (with __init__.py), "
        "and keep PYTHONPATH as codemyspec sets it"
    )


def _no_probe_reason(project: Project, tree: Path, done: Completed) -> str:
    """Why pytest never reached its test session: a bad conftest, a missing plugin, no pytest."""
    argv = " ".join(project.test_command or DEFAULT_PYTHON_TEST_COMMAND)
    return f"`{argv}` did not run the tests (exit {done.returncode}): {startup_error(tree, done)}"


def startup_error(tree: Path, done: Completed) -> str:
    """The lines that say why a test command failed before collecting anything."""
    text = done.stdout + "\n" + done.stderr
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    conftest = next((line for line in lines if "while loading conftest" in line), None)
    first_e = first_error_line(text)
    if conftest and first_e:
        return f"{conftest} {first_e}"
    usage = next((line for line in lines if line.startswith(("ERROR:", "Error:", "error:"))), None)
    if usage and (plugin := _PLUGIN_ERROR.search(usage)):
        named = [str(p.relative_to(tree)) for p in _config_files(tree) if plugin[1] in _text(p)]
        usage += f" (named in {', '.join(named)})" if named else ""
    return first_e or conftest or usage or (lines[-1] if lines else "no output")


def internal_error(tree: Path, output: str) -> str:
    """The exception of pytest's INTERNALERROR lines, and where in the tree it was raised."""
    lines = [
        line.removeprefix("INTERNALERROR>").strip()
        for line in output.splitlines()
        if line.startswith("INTERNALERROR>")
    ]
    raised = next((line for line in reversed(lines) if line and not line.startswith("^")), "")
    frames = [m for line in lines if (m := _FRAME.match(line))]
    inside = [
        (Path(f[1]), f[2]) for f in frames if Path(f[1]).resolve().is_relative_to(tree.resolve())
    ]
    if inside:
        path, line_number = inside[-1]
        raised += f" (in {path.resolve().relative_to(tree.resolve())}:{line_number})"
    return raised or "no INTERNALERROR lines in the output"


_FRAME = re.compile(r'^File "([^"]+)", line (\d+)')
_PLUGIN_ERROR = re.compile(r'Error importing plugin "([^"]+)"')
_CONFIG_FILES = ("pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini")


def _config_files(tree: Path) -> list[Path]:
    """Where a project names its pytest plugins: its pytest configuration and conftests."""
    found = [tree / name for name in _CONFIG_FILES if (tree / name).is_file()]
    conftests = [tree / "conftest.py", *sorted(tree.glob("test*/**/conftest.py"))]
    return found + [path for path in conftests if path.is_file()]


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")
