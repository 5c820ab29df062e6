"""codemyspec's pytest plugin: what a test run really did, written as JSON for the runner.

It runs inside the project's own test environment (loaded with ``-p``, found through
``PYTHONPATH``), so it imports nothing from codemyspec and only the standard library and
pytest. It records, per test file, how many tests were collected and how each ended
(xfail and xpass apart from passes and skips), how each test ended by its node id, every
collection error with the module it could not import and the file that raised it, and
where each module of the project's package was imported from. ``CODEMYSPEC_PROBE_OUT``
names the JSON file; ``CODEMYSPEC_PROBE_PACKAGES`` the packages (comma-separated) to locate; with
``CODEMYSPEC_PROBE_IMPORT`` set, a package no test imported is imported at the end, and what
stopped that import is recorded.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest

OUT_ENV = "CODEMYSPEC_PROBE_OUT"
PACKAGES_ENV = "CODEMYSPEC_PROBE_PACKAGES"
IMPORT_ENV = "CODEMYSPEC_PROBE_IMPORT"
OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
_RANK = {name: rank for rank, name in enumerate(("passed", "xpassed", "skipped", "xfailed"))}


def _first_error_line(text: str) -> str:
    """pytest's ``E   ...`` line when there is one, else the last non-empty line."""
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("E "):
            return line[1:].strip()
    return lines[-1].strip() if lines else ""


def _raised_in(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost frame outside importlib's machinery: the file whose code failed."""
    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith("<frozen ") or "/importlib/" in frame.filename:
            continue
        if "/_pytest/" in frame.filename or "/pluggy/" in frame.filename:
            continue
        found = (str(Path(frame.filename).resolve()), frame.lineno)
    return found


def _import_failure(name: str) -> dict[str, Any] | None:
    """Import ``name``; what stopped it (the exception and where it was raised), or None."""
    try:
        importlib.import_module(name)
    except Exception as exc:
        raised_in, line = _raised_in(exc)
        return {
            "kind": type(exc).__name__,
            "message": str(exc).strip(),
            "module": getattr(exc, "name", None) if isinstance(exc, ImportError) else None,
            "raised_in": raised_in,
            "line": line,
        }
    return None


def _module_origin(name: str) -> Any:
    module = sys.modules.get(name)
    if module is not None:
        file = getattr(module, "__file__", None)
        return str(Path(file).resolve()) if file else list(getattr(module, "__path__", []))
    try:
        spec = importlib.util.find_spec(name)
    except Exception as exc:  # a parent package that fails to import
        return f"error: {type(exc).__name__}: {exc}"
    if spec is None:
        return None
    if spec.origin and spec.origin not in ("namespace", "built-in", "frozen"):
        return str(Path(spec.origin).resolve())
    return [str(p) for p in spec.submodule_search_locations or []]


class Probe:
    """Collects what the run did; written once the session finishes."""

    def __init__(self, out: str, packages: list[str], import_them: bool = False) -> None:
        self.out = out
        self.packages = packages
        self.import_them = import_them
        self.rootdir = Path.cwd()
        self.collected: dict[str, int] = {}
        self.collection_errors: dict[str, dict[str, Any]] = {}
        self.items: dict[str, tuple[str, str]] = {}

    def _path(self, nodeid: str) -> str:
        return str((self.rootdir / nodeid.split("::", 1)[0]).resolve())

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.rootdir = Path(str(session.config.rootpath))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed and report.nodeid:
            entry = self.collection_errors.setdefault(self._path(report.nodeid), {})
            entry.setdefault("first_line", _first_error_line(report.longreprtext))

    def pytest_exception_interact(self, node: Any, call: pytest.CallInfo[Any], report: Any) -> None:
        if not isinstance(node, pytest.Collector) or call.excinfo is None:
            return
        exc = call.excinfo.value
        cause = exc.__cause__ or exc
        raised_in, line = _raised_in(cause)
        entry = self.collection_errors.setdefault(str(Path(str(node.path)).resolve()), {})
        entry.update(
            kind=type(cause).__name__,
            message=str(cause).strip().splitlines()[-1] if str(cause).strip() else "",
            module=getattr(cause, "name", None) if isinstance(cause, ImportError) else None,
            raised_in=raised_in,
            line=line,
        )

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            path = self._path(item.nodeid)
            self.collected[path] = self.collected.get(path, 0) + 1

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        xfail = hasattr(report, "wasxfail")
        if report.failed:
            outcome = "failed" if report.when == "call" else "error"
        elif report.skipped:
            outcome = "xfailed" if xfail else "skipped"
        elif report.when == "call":
            outcome = "xpassed" if xfail else "passed"
        else:
            return
        before = self.items.get(report.nodeid)
        # An error in setup or teardown outweighs the call's own outcome.
        if before is None or _rank(outcome) > _rank(before[1]):
            self.items[report.nodeid] = (self._path(report.nodeid), outcome)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        outcomes: dict[str, dict[str, int]] = {}
        for path, outcome in self.items.values():
            counts = outcomes.setdefault(path, dict.fromkeys(OUTCOMES, 0))
            counts[outcome] += 1
        import_errors = {
            package: failure
            for package in self.packages
            if self.import_them
            and package not in sys.modules
            and (failure := _import_failure(package)) is not None
        }
        modules: dict[str, Any] = {}
        for package in self.packages:
            names = [n for n in list(sys.modules) if n == package or n.startswith(package + ".")]
            for name in sorted(set(names) | {package}):
                modules[name] = _module_origin(name)
        record = {
            "version": 1,
            "rootdir": str(self.rootdir),
            "exitstatus": int(exitstatus),
            "collected": self.collected,
            "collection_errors": [
                {"path": path, **entry} for path, entry in self.collection_errors.items()
            ],
            "outcomes": outcomes,
            "tests": {nodeid: outcome for nodeid, (_, outcome) in self.items.items()},
            "modules": modules,
            "import_errors": import_errors,
        }
        Path(self.out).write_text(json.dumps(record), encoding="utf-8")


def _rank(outcome: str) -> int:
    return _RANK.get(outcome, len(_RANK))


def pytest_configure(config: pytest.Config) -> None:
    out = os.environ.get(OUT_ENV)
    if out:
        packages = [p for p in os.environ.get(PACKAGES_ENV, "").split(",") if p]
        probe = Probe(out, packages, import_them=bool(os.environ.get(IMPORT_ENV)))
        config.pluginmanager.register(probe, "codemyspec-probe")
