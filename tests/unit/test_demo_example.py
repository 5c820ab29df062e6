"""The demo's example project: its design docs sync, and its code passes its own tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from codemyspec.bootstrap import App
from codemyspec.components import ComponentType
from codemyspec.design_docs import TreeNode, sync_design_docs
from codemyspec.projects import ProjectAttrs
from codemyspec.scope import Scope
from codemyspec_testing import CONTEXT_NAME, EXAMPLE_FILES, IMPLEMENTATIONS, code_path

COMPONENTS = ["Billing.Money", "Billing.Ledger", "Billing.Tax"]


def _write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_example_design_docs_sync_into_billing_with_three_components(
    app: App, account_scope: Scope, tmp_path: Path
) -> None:
    _write(tmp_path, EXAMPLE_FILES)
    with app.unit_of_work() as uow:
        project = uow.projects.create(
            account_scope, ProjectAttrs(name="shop", root=str(tmp_path), package="shop")
        )
    scope = account_scope.for_project(project.id)

    with app.unit_of_work() as uow:
        report = sync_design_docs(uow, scope, project, tmp_path)
        components = {c.module_name: c for c in uow.components.list_components(scope)}

    assert report.tree == (TreeNode(CONTEXT_NAME, ComponentType.CONTEXT, tuple(COMPONENTS)),)
    assert components[CONTEXT_NAME].description is not None
    assert components["Billing.Ledger"].dependencies == ["Billing.Money"]
    assert components["Billing.Money"].dependencies == []
    assert components["Billing.Tax"].dependencies == []
    for name in COMPONENTS:
        assert components[name].parent_component_id == components[CONTEXT_NAME].id
        assert components[name].type is ComponentType.OTHER


def test_every_component_has_a_prewritten_test_that_its_implementation_passes(
    tmp_path: Path,
) -> None:
    _write(tmp_path, EXAMPLE_FILES)
    assert sorted(p for p in EXAMPLE_FILES if p.startswith("tests/billing/")) == [
        f"tests/billing/test_{name.lower()}.py" for name in sorted(IMPLEMENTATIONS)
    ]
    _write(tmp_path, {code_path(name): text for name, text in IMPLEMENTATIONS.items()})

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 passed" in done.stdout
