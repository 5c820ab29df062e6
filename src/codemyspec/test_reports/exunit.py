"""Read ``mix test``'s own output (ExUnit's CLI formatter): the summary line and failures."""

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
_CAUSE = ("** (", "== Compilation error", "error:", "warning: ")


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


def parse_exunit_output(output: str) -> SuiteReport:
    """Counts from ExUnit's summary (``3 tests, 1 failure, 1 skipped``) and each failure."""
    lines = output.splitlines()
    summary = _summary_line(lines)
    if summary is None:
        cause = next((line.strip() for line in lines if line.strip().startswith(_CAUSE)), None)
        last = next((line.strip() for line in reversed(lines) if line.strip()), "no output")
        return SuiteReport(
            error=f"mix test printed no test summary: {cause or last}", output=output
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
