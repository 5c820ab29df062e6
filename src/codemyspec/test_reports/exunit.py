"""Read ``mix test``'s own output (ExUnit's CLI formatter): the summary line and failures,
and the lines that say why no tests ran (a compile error, an exception before the tests).

codemyspec's ExUnit formatter reports the tests themselves; this reads what happened when
it wrote nothing.
"""

from __future__ import annotations

import re

from codemyspec.shell import truncate
from codemyspec.test_reports.junit import MESSAGE_LIMIT
from codemyspec.test_reports.models import FailedCase, SuiteReport

_COUNT = re.compile(
    r"(\d+) (doctests?|tests?|propert(?:y|ies)|failures?|invalid|excluded|skipped)\b"
)
_FAILURE = re.compile(r"^\s+\d+\) (?:test|doctest|property) (.+) \((\S+)\)\s*$")
_MODULE_FAILURE = re.compile(r"^\s+\d+\) (\S+): (failure on \S+ callback).*$")
#: A frame of the project's own code under an exception (``test/test_helper.exs:2: (file)``).
_PROJECT_FRAME = re.compile(r"^[\w/.-]+\.exs?:\d+")
#: Elixir 1.15 and later log each compile error (``error: ...`` then ``└─ lib/x.ex:4:23``)
#: and end with only this.
_LOGGED = "(errors have been logged)"


def _summary_line(lines: list[str]) -> str | None:
    after_finished = False
    for line in lines:
        if line.startswith("Finished in "):
            after_finished = True
        elif after_finished and re.match(r"^\d+ \w+", line.strip()):
            return line.strip()
    return None


def _failures(lines: list[str]) -> list[FailedCase]:
    cases: list[FailedCase] = []
    for index, line in enumerate(lines):
        match = _FAILURE.match(line)
        if match is not None:
            test_id = f"{match.group(2)}::{match.group(1)}"
        elif (module := _MODULE_FAILURE.match(line)) is not None:
            test_id = f"{module.group(1)}::{module.group(2)}"
        else:
            continue
        detail: list[str] = []
        for follow in lines[index + 1 :]:
            text = follow.strip()
            if not text or text.startswith("stacktrace:") or _FAILURE.match(follow):
                break
            if not re.match(r"^[\w/.-]+\.exs?:\d+$", text):  # the test's location line
                detail.append(text)
        message = "; ".join(detail) or "failed"
        cases.append(FailedCase(test_id=test_id, message=truncate(message, MESSAGE_LIMIT)))
    return cases


def exunit_cause(output: str) -> str | None:
    """The first lines that say why ``mix test`` ran no tests: a compile error with the file
    and the error's line, or an exception raised before the tests and where."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for index, line in enumerate(lines):
        if line.startswith("== Compilation error"):
            raised = lines[index + 1 : index + 2]
            if raised and raised[0].endswith(_LOGGED):
                raised += _first_diagnostic(lines)  # on stderr: before or after this line
            return " ".join([line, *raised])
    for index, line in enumerate(lines):
        if line.startswith("** ("):
            where = [f for f in lines[index + 1 : index + 2] if _PROJECT_FRAME.match(f)]
            return " ".join([line, *where])
    return " ".join(_first_diagnostic(lines)) or None


def _first_diagnostic(lines: list[str]) -> list[str]:
    """Elixir 1.15's first ``error:`` line and its location (``└─ lib/x.ex:4:23: X.f/0``)."""
    for index, line in enumerate(lines):
        if line.startswith("error:"):
            where = next((f for f in lines[index + 1 :] if f.startswith("└─")), None)
            return [line, *([where] if where else [])]
    return []


def did_not_compile(output: str) -> bool:
    """Whether mix stopped on a compile error (Elixir 1.14's ``== Compilation error`` block,
    or 1.15's ``cannot compile`` after its ``error:`` diagnostics)."""
    return any(
        line.startswith("== Compilation error") or "(CompileError)" in line
        for line in (raw.strip() for raw in output.splitlines())
    )


def parse_exunit_output(output: str) -> SuiteReport:
    """Counts from ExUnit's summary (``3 tests, 1 failure, 1 skipped``) and each failure."""
    lines = output.splitlines()
    summary = _summary_line(lines)
    if summary is None:
        last = next((line.strip() for line in reversed(lines) if line.strip()), "no output")
        cause = exunit_cause(output) or last
        return SuiteReport(
            error=f"mix test printed no test summary: {cause}",
            did_not_compile=did_not_compile(output),
            output=output,
        )
    counts = {"tests": 0, "failures": 0, "invalid": 0, "skipped": 0}
    for number, word in _COUNT.findall(summary):
        if word.startswith(("doctest", "test", "propert")):
            counts["tests"] += int(number)
        elif word.startswith("failure"):
            counts["failures"] += int(number)
        elif word == "invalid":
            counts["invalid"] += int(number)
        else:
            counts["skipped"] += int(number)
    return SuiteReport(
        tests=counts["tests"],
        failures=counts["failures"],
        errors=counts["invalid"],
        skipped=counts["skipped"],
        failed_cases=_failures(lines),
        output=output,
    )
