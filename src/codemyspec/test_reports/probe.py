"""What codemyspec's pytest plugin wrote about a run: outcomes, collection errors, origins."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from codemyspec.test_reports.models import CollectionError, SuiteReport

#: A module's origin: its file, the folders of a namespace package, None when not found,
#: or ``"error: ..."`` when locating it raised.
Origin = str | list[str] | None


class ProbedCollectionError(BaseModel):
    path: str
    first_line: str = ""
    kind: str | None = None
    message: str = ""
    module: str | None = None
    raised_in: str | None = None
    line: int | None = None


class ImportFailure(BaseModel):
    """What stopped the package from importing (a probe run that imported it)."""

    kind: str
    message: str = ""
    module: str | None = None
    raised_in: str | None = None
    line: int | None = None


class ProbedOutcomes(BaseModel):
    passed: int = 0
    failed: int = 0
    error: int = 0
    skipped: int = 0
    xfailed: int = 0
    xpassed: int = 0

    def report_counts(self) -> dict[str, int]:
        """These outcomes as a ``SuiteReport``'s counts (every outcome is one test)."""
        return {
            "tests": sum(self.model_dump().values()),
            "failures": self.failed,
            "errors": self.error,
            "skipped": self.skipped,
            "xfailed": self.xfailed,
            "xpassed": self.xpassed,
        }


class ProbeReport(BaseModel):
    """The plugin's JSON, with absolute paths as the test process saw them."""

    rootdir: str
    exitstatus: int
    collected: dict[str, int] = Field(default_factory=dict)
    collection_errors: list[ProbedCollectionError] = Field(default_factory=list)
    outcomes: dict[str, ProbedOutcomes] = Field(default_factory=dict)
    #: How each test ended, by its node id (relative to ``rootdir``).
    tests: dict[str, str] = Field(default_factory=dict)
    modules: dict[str, Origin] = Field(default_factory=dict)
    import_errors: dict[str, ImportFailure] = Field(default_factory=dict)

    def collection_errors_in(self, tree: Path) -> list[CollectionError]:
        """The collection errors with paths relative to ``tree`` where they lie inside it."""
        return [
            CollectionError(
                path=relative_to(tree, e.path),
                message=e.first_line or f"{e.kind}: {e.message}",
                kind=e.kind,
                module=e.module,
                raised_in=relative_to(tree, e.raised_in) if e.raised_in else None,
                line=e.line,
            )
            for e in self.collection_errors
        ]

    def collected_in(self, tree: Path) -> dict[str, int]:
        return {relative_to(tree, path): count for path, count in self.collected.items()}

    def outcomes_in(self, tree: Path) -> dict[str, ProbedOutcomes]:
        return {relative_to(tree, path): counts for path, counts in self.outcomes.items()}

    def tests_in(self, tree: Path) -> dict[str, str]:
        """How each test ended, by its node id relative to ``tree`` (as pytest takes it
        there on the command line)."""
        found = {}
        for nodeid, outcome in self.tests.items():
            path, _, rest = nodeid.partition("::")
            where = relative_to(tree, str(Path(self.rootdir) / path))
            found[f"{where}::{rest}" if rest else where] = outcome
        return found

    def foreign_modules(self, tree: Path) -> dict[str, str]:
        """Modules of the project's package whose file lies outside ``tree``."""
        root = tree.resolve()
        return {
            name: origin
            for name, origin in self.modules.items()
            if isinstance(origin, str)
            and not origin.startswith("error: ")
            and not Path(origin).resolve().is_relative_to(root)
        }

    def apply_to(self, report: SuiteReport, tree: Path) -> SuiteReport:
        """``report`` (read from JUnit XML) with the probe's exact counts and causes."""
        totals = ProbedOutcomes()
        for counts in self.outcomes.values():
            for field in ProbedOutcomes.model_fields:
                setattr(totals, field, getattr(totals, field) + getattr(counts, field))
        collection = self.collection_errors_in(tree)
        summed = totals.report_counts()
        return report.model_copy(
            update={
                **summed,
                "tests": summed["tests"] + len(collection),
                "errors": summed["errors"] + len(collection),
                "collection_errors": collection,
                # JUnit lists a collection error as a case without a class: told above.
                "failed_cases": [c for c in report.failed_cases if "::" in c.test_id],
            }
        )


def relative_to(tree: Path, path: str) -> str:
    """``path`` relative to ``tree`` when inside it, else as it is."""
    resolved = Path(path).resolve()
    root = tree.resolve()
    return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else path


def read_probe(path: Path) -> ProbeReport | None:
    """The plugin's report, or None when the run never got far enough to write one."""
    if not path.is_file():
        return None
    try:
        return ProbeReport.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, PydanticValidationError):
        return None
