"""The agent's prompts stay bounded whatever the design doc, rules and test runs hold."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from codemyspec.bootstrap import App
from codemyspec.component_coding_sessions import FixTestFailures, GenerateImplementation
from codemyspec.component_coding_sessions.prompts import (
    DESCRIPTION_LIMIT,
    DESIGN_TEXT_LIMIT,
    LISTED_DEPENDENCIES,
    LISTED_FAILURES,
    MAX_FIX_PROMPT_CHARS,
    MAX_GENERATE_PROMPT_CHARS,
    OUTPUT_TAIL,
    RULES_LIMIT,
    ImplementationBrief,
    generate_prompt,
)
from codemyspec.components import Component, ComponentType, component_files
from codemyspec.projects import Project
from codemyspec.scope import Scope
from codemyspec.sessions import ExecutionMode, Session, SessionStatus, StepContext
from tests.support.recorded import prepared

T0 = datetime(2025, 1, 1, tzinfo=UTC)
SCOPE = Scope(account_id=1, project_id=1, user_id=1)
LONGEST = "Billing." + "AbCd" * 98  # 400 characters: the longest module name there may be
MB = 1024 * 1024


def component(module_name: str = "Billing.Ledger", **fields: Any) -> Component:
    name = module_name.rsplit(".", 1)[-1]
    return Component(
        id=2,
        account_id=1,
        project_id=1,
        name=name,
        module_name=module_name,
        type=ComponentType.OTHER,
        **fields,
    )


def session(root: Path, part: Component, **state: Any) -> Session:
    project = Project(
        id=1,
        account_id=1,
        name="s" * 200,
        package="p" * 200,
        root=str(root),
    )
    return Session(
        id=1,
        account_id=1,
        project_id=1,
        component_id=part.id,
        type="ComponentCodingSessions",
        status=SessionStatus.ACTIVE,
        execution_mode=ExecutionMode.AUTO,
        environment_type="local",
        state={"worktree": str(root), "branch_name": "b--ledger", **state},
        inserted_at=T0,
        updated_at=T0,
        component=part,
        project=project,
    )


def generate(app: App, root: Path, part: Component) -> str:
    loaded = session(root, part)
    assert loaded.project is not None
    with app.unit_of_work() as uow:
        context = StepContext(uow.sessions, uow.components)
        command = GenerateImplementation.get_command(SCOPE, prepared(loaded, root), context=context)
    prompt: str = command.prompt
    return prompt


def fix(root: Path, report: dict[str, Any], part: Component | None = None) -> str:
    loaded = session(root, part or component(), last_test_run=report)
    prompt: str = FixTestFailures.get_command(SCOPE, loaded).prompt
    return prompt


def write(root: Path, relative: str, text: str) -> str:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return relative


def design_path(root: Path, part: Component) -> str:
    project = session(root, part).project
    assert project is not None
    return str(component_files(part, project).design)


def test_a_short_design_doc_and_rules_go_whole_into_the_prompt(app: App, tmp_path: Path) -> None:
    write(tmp_path, design_path(tmp_path, component()), "# Billing.Ledger\n\nTotals.\n")
    write(tmp_path, "docs/rules/other.md", "Keep functions small.\n")

    prompt = generate(app, tmp_path, component())

    assert "# Billing.Ledger\n\nTotals.\n" in prompt
    assert "Keep functions small." in prompt
    assert "Cut here" not in prompt


def test_a_huge_design_doc_and_rules_are_cut_and_the_agent_told_to_read_them(
    app: App, tmp_path: Path
) -> None:
    design = write(tmp_path, design_path(tmp_path, component()), "# Design\n" + "D" * (5 * MB))
    rules = write(tmp_path, "docs/rules/other.md", "R" * MB)

    prompt = generate(app, tmp_path, component())

    assert len(prompt) <= MAX_GENERATE_PROMPT_CHARS
    assert (
        f"[Cut here: this is the first {DESIGN_TEXT_LIMIT} of {5 * MB + 9} characters of "
        f"`{design}`. Read the whole file in your working directory before you write code.]"
    ) in prompt
    assert (
        f"[Cut here: this is the first {RULES_LIMIT} of {MB} characters of `{rules}`. "
        "Read the whole file in your working directory before you write code.]"
    ) in prompt
    assert prompt.endswith("Run the unit tests to check your work before you finish.\n")


def test_no_generate_prompt_exceeds_the_bound_with_every_input_at_its_largest() -> None:
    part = component(
        LONGEST,
        description="d" * MB,
        dependencies=[f"Billing.Dep{i}" + "X" * 380 for i in range(10_000)],
    )
    project = Project(id=1, account_id=1, name="s" * 200, package="p" * 200)
    brief = ImplementationBrief(
        project=project,
        component=part,
        paths=component_files(part, project),
        design_text="D" * (5 * MB),
        test_file_exists=True,
        rules="R" * MB,
        rules_path="docs/rules/other.md",
        dependencies=part.dependencies,
    )

    prompt = generate_prompt(brief)

    assert len(prompt) <= MAX_GENERATE_PROMPT_CHARS
    assert f"  - … and {10_000 - LISTED_DEPENDENCIES} more, listed under ## Dependencies" in prompt
    cut = f"- description: {'d' * DESCRIPTION_LIMIT} [… cut at {DESCRIPTION_LIMIT} characters]\n"
    assert cut in prompt
    assert prompt.count("[Cut here:") == 2


def test_a_fix_prompt_of_a_huge_test_run_stays_bounded_and_names_what_it_left_out(
    tmp_path: Path,
) -> None:
    report = {
        "summary": "S" * MB,
        "failed_cases": [
            {"test_id": f"tests/test_ledger.py::test_{i}" + "i" * MB, "message": "M" * MB}
            for i in range(200)
        ],
        "collection_errors": [{"path": "tests/x.py" + "p" * MB, "message": "E" * MB}] * 50,
        "error": "X" * MB,
        "output": "O" * (10 * MB),
    }

    prompt = fix(tmp_path, report, component(LONGEST))

    assert len(prompt) <= MAX_FIX_PROMPT_CHARS
    assert f"- … and {250 - LISTED_FAILURES} more; run the tests to see them all" in prompt
    assert f"Test output (tail, its last {OUTPUT_TAIL} of {10 * MB} characters):" in prompt
    assert prompt.endswith(f"Do not change tests/billing/test_{'ab_cd_' * 97}ab_cd.py.\n")


def test_a_fix_prompt_of_a_small_test_run_shows_it_all(tmp_path: Path) -> None:
    report = {
        "summary": "1 failed",
        "failed_cases": [{"test_id": "tests/billing/test_ledger.py::test_sum", "message": "3!=4"}],
        "collection_errors": [{"path": "tests/billing/test_tax.py", "message": "ImportError"}],
        "output": "short output",
    }

    prompt = fix(tmp_path, report)

    assert "- tests/billing/test_tax.py cannot be collected: ImportError\n" in prompt
    assert "- tests/billing/test_ledger.py::test_sum: 3!=4\n" in prompt
    assert "Test output (tail):\nshort output\n" in prompt
    assert "…" not in prompt


def test_an_unproven_prompt_with_a_huge_reason_stays_bounded(tmp_path: Path) -> None:
    prompt = fix(tmp_path, {"unproven": "U" * (10 * MB)}, component(LONGEST))

    assert len(prompt) <= MAX_FIX_PROMPT_CHARS
    assert "so they do not test it" in prompt
