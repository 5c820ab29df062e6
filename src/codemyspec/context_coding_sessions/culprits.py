"""Which child's changes break which tests when every child passed alone, and its repair.

The runner finds culprits (it has the tree: see ``runner/culprits.py``) and reports them in
the spawn result (``data.culprits``); the engine carries them in the ``ValidationReport``
and reopens only the culprit for a repair round, handing it a ``Repair``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from codemyspec.test_reports import FailedCase

#: Where the runner reports its findings in the spawn result's data.
CULPRITS_KEY = "culprits"


class Culprit(BaseModel):
    """A completed child whose changes make ``owner``'s tests fail in the integrated tree."""

    component: str
    session_id: int
    #: The component whose test file fails, and the failing tests (``file::name``).
    owner: str
    test_file: str
    breaks: list[str] = Field(default_factory=list)
    #: The failing tests as the integrated run reported them, with their messages.
    failures: list[FailedCase] = Field(default_factory=list)
    #: The tests fail with only the owner and its dependencies brought in: the owner (or
    #: what it built on) is to blame, not a sibling.
    alone: bool = False

    def message(self) -> str:
        """``Billing.Tax breaks tests/billing/test_ledger.py::test_total``."""
        broken = ", ".join(self.breaks) or self.test_file
        if self.alone:
            return f"{self.component} breaks {broken} (even without the other components)"
        return f"{self.component} breaks {broken}"


class Repair(BaseModel):
    """What a culprit child is reopened with: the findings against it, the other completed
    children's branches its worktree is brought up to, the broken test files it must run."""

    culprits: list[Culprit] = Field(default_factory=list)
    merge_branches: list[str] = Field(default_factory=list)
    test_files: list[str] = Field(default_factory=list)

    def findings(self) -> str:
        return "; ".join(culprit.message() for culprit in self.culprits)


def node_id(test_file: str, test_id: str) -> str:
    """A reported test id as ``file::name`` (pytest's JUnit ids are ``dotted.module::name``)."""
    if test_id.startswith(f"{test_file}::"):
        return test_id
    module, _, name = test_id.rpartition("::")
    dotted = test_file.removesuffix(".py").replace("/", ".")
    if module.startswith(f"{dotted}."):  # a test class: ``dotted.module.Class::name``
        name = f"{module[len(dotted) + 1 :].replace('.', '::')}::{name}"
    return f"{test_file}::{name or test_id}"
