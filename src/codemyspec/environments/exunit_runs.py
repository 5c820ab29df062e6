"""How ``mix test`` is made to write JUnit XML with codemyspec's own ExUnit formatter.

The formatter (``exunit/codemyspec_junit_formatter.exs``) is compiled once per formatter
source and Elixir version into codemyspec's cache, and the test VM loads it at boot:
``ELIXIR_ERL_OPTIONS`` gets an ``-eval`` that loads the compiled module from the file an
environment variable names. Nothing is installed in the project and no hex package is
needed, and it works whatever ``test_command`` starts mix. Loading the module at boot
rather than putting its folder on the code path (``-pa``, ``ERL_LIBS``) matters: from
Elixir 1.15 on, Mix prunes every code path that is not one of the project's applications
before it compiles, and the ``-eval`` holds no path, so a cache folder with spaces works.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from codemyspec.environments.test_commands import DEFAULT_ELIXIR_TEST_COMMAND
from codemyspec.projects import Project
from codemyspec.shell import Completed, Shell
from codemyspec.test_reports import (
    SuiteReport,
    did_not_compile,
    exunit_cause,
    merge_reports,
    parse_exunit_output,
    parse_junit_files,
    parse_junit_xml,
)

FORMATTER_SOURCE = Path(__file__).with_name("exunit") / "codemyspec_junit_formatter.exs"
FORMATTER_MODULE = "CodemyspecJUnitFormatter"
#: The folder the formatter writes one JUnit file per suite into (an umbrella runs several).
REPORT_DIR_ENV = "CODEMYSPEC_EXUNIT_REPORT_DIR"
#: The compiled formatter, without ``.beam``, as ``code:load_abs/1`` takes it.
FORMATTER_BEAM_ENV = "CODEMYSPEC_EXUNIT_FORMATTER"
LOAD_FORMATTER = f'-eval code:load_abs(os:getenv("{FORMATTER_BEAM_ENV}"))'


def exunit_argv(project: Project, test_paths: Sequence[str]) -> list[str]:
    """The project's ``mix test`` over ``test_paths``, with codemyspec's formatter and
    ExUnit's own (whose printed lines say why when no report is written)."""
    base = project.test_command or list(DEFAULT_ELIXIR_TEST_COMMAND)
    formatters = ["--formatter", FORMATTER_MODULE, "--formatter", "ExUnit.CLIFormatter"]
    return [*base, *test_paths, *formatters]


def exunit_env(beam: Path, report_dir: Path) -> dict[str, str]:
    """The environment of a test run: the formatter loaded at boot, and where it writes."""
    inherited = os.environ.get("ELIXIR_ERL_OPTIONS", "")
    return {
        **os.environ,
        "ELIXIR_ERL_OPTIONS": f"{inherited} {LOAD_FORMATTER}".strip(),
        FORMATTER_BEAM_ENV: str(beam),
        REPORT_DIR_ENV: str(report_dir),
    }


def cache_root() -> Path:
    """Where compiled formatters are kept between runs (``$XDG_CACHE_HOME/codemyspec``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "codemyspec" / "exunit"


def compiled_formatter(
    shell: Shell, tree: Path, scratch: Path, *, timeout: float
) -> Path | Completed:
    """The formatter compiled for the Elixir that runs in ``tree`` (the path without
    ``.beam``, as ``code:load_abs/1`` takes it), from the cache or compiled into
    ``scratch``; or the command that failed (no Elixir, or the formatter did not compile)."""
    asked = shell.run(["elixir", "--short-version"], tree, timeout=timeout)
    if not asked.ok:
        return asked
    version = re.sub(r"[^\w.+-]", "_", asked.stdout.strip())
    digest = hashlib.sha256(FORMATTER_SOURCE.read_bytes()).hexdigest()[:16]
    cached = cache_root() / f"{digest}-elixir-{version}"
    name = f"Elixir.{FORMATTER_MODULE}"
    if (cached / f"{name}.beam").is_file():
        return cached / name
    done = shell.run(["elixirc", "-o", str(scratch), str(FORMATTER_SOURCE)], tree, timeout=timeout)
    if not done.ok:
        return done
    _keep(scratch, cached)
    return scratch / name


def _keep(compiled: Path, cached: Path) -> None:
    """Keep a compiled formatter for later runs: copied aside, then renamed into place whole
    (so no run loads half a file, and of concurrent runs one wins). A cache that cannot be
    written (a read-only home) only costs the next run a compile."""
    with contextlib.suppress(OSError):
        cached.parent.mkdir(parents=True, exist_ok=True)
        aside = Path(tempfile.mkdtemp(prefix=".compiling-", dir=cached.parent))
        try:
            shutil.copytree(compiled, aside, dirs_exist_ok=True)
            aside.rename(cached)
        finally:
            shutil.rmtree(aside, ignore_errors=True)


def formatter_failure(done: Completed) -> SuiteReport:
    """Why the formatter is not at hand: no fix round of the project's code can help."""
    output = done.stdout + done.stderr
    why = exunit_cause(output) or done.failure_reason()
    if done.argv[:1] == ("elixir",):
        what = "`elixir --short-version` failed (codemyspec needs Elixir 1.13 or later)"
    else:
        what = f"codemyspec's ExUnit formatter ({FORMATTER_SOURCE.name}) did not compile"
    return SuiteReport(error=f"{what}: {why}", broken_environment=True, output=output)


def read_exunit_reports(report_dir: Path, done: Completed) -> SuiteReport:
    """The formatter's reports, merged (one per app of an umbrella); without any, what
    ExUnit printed (a compile error, a crash before the tests)."""
    output = done.stdout + done.stderr
    files = sorted(report_dir.glob("*.xml"))
    if not files:
        return parse_exunit_output(output)
    report = merge_reports([parse_junit_xml(f.read_text(encoding="utf-8")) for f in files])
    report.output = output
    if report.error is None and done.returncode != 0 and not (report.failures or report.errors):
        # Mix stopped after some suites passed: an umbrella app whose tests did not compile.
        why = exunit_cause(output) or done.failure_reason()
        report.error = f"mix test exited with {done.returncode} after {report.counts()}: {why}"
        report.did_not_compile = did_not_compile(output)
    return report


def read_exunit_files(report_dir: Path) -> dict[str, SuiteReport]:
    """Each test file's outcomes, from the ``file`` attribute of the formatter's test cases
    (relative to the folder mix ran the suite in)."""
    by_file: dict[str, list[SuiteReport]] = {}
    for xml in sorted(report_dir.glob("*.xml")):
        for file, report in parse_junit_files(xml.read_text(encoding="utf-8")).items():
            by_file.setdefault(file, []).append(report)
    return {file: merge_reports(reports) for file, reports in by_file.items()}
