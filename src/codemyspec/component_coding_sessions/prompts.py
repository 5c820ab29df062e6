"""The prompts an agent gets: write a component from its design, then fix failing tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codemyspec.components import Component
from codemyspec.projects import ComponentPaths, Project


@dataclass(frozen=True, slots=True)
class ImplementationBrief:
    """Everything the agent needs to write one component."""

    project: Project
    component: Component
    paths: ComponentPaths
    design_text: str | None
    test_file_exists: bool
    rules: str | None
    dependencies: list[str]


def generate_prompt(brief: ImplementationBrief) -> str:
    """The GenerateImplementation prompt."""
    c, paths = brief.component, brief.paths
    lines = [
        f"You are implementing one component of the project '{brief.project.name}' "
        f"({brief.project.language.value}, package '{brief.project.package}').",
        "",
        "## Component",
        f"- name: {c.name}",
        f"- module: {c.module_name}",
        f"- type: {c.type.value}",
    ]
    if c.description:
        lines.append(f"- description: {c.description}")
    lines += ["", f"## Design document ({paths.design})", ""]
    lines.append(
        brief.design_text.strip()
        if brief.design_text
        else f"(not attached: read `{paths.design}` in your working directory first)"
    )
    lines += ["", "## Files", f"- write the implementation in: {paths.code}"]
    if brief.test_file_exists:
        lines.append(
            f"- the unit tests already exist in: {paths.test} — read them, make them pass, "
            "and do NOT change that file."
        )
    else:
        lines.append(
            f"- write the unit tests in: {paths.test}, from the design document's test assertions."
        )
    if brief.dependencies:
        lines.append("- it uses these sibling components, already implemented: ")
        lines += [f"  - {name}" for name in brief.dependencies]
    if brief.rules:
        lines += ["", f"## Coding rules for {c.type.value} components", "", brief.rules.strip()]
    lines += [
        "",
        "Write only these files (create parent packages if they are missing). "
        "Run the unit tests to check your work before you finish.",
    ]
    return "\n".join(lines) + "\n"


def fix_prompt(
    code_file: str, test_file: str, report: dict[str, Any], round_number: int, rounds: int
) -> str:
    """The FixTestFailures prompt: the failures of the last run, in the same conversation."""
    if report.get("unproven"):
        return _unproven_prompt(code_file, test_file, str(report["unproven"]), round_number, rounds)
    lines = [
        f"The unit tests in {test_file} fail (fix round {round_number} of {rounds}).",
        f"Summary: {report.get('summary', 'unknown')}",
        "",
        "Failures:",
    ]
    for error in report.get("collection_errors", []):
        lines.append(f"- {error.get('path')} cannot be collected: {error.get('message')}")
    for case in report.get("failed_cases", []):
        lines.append(f"- {case.get('test_id')}: {case.get('message')}")
    if report.get("error"):
        lines.append(f"- the run itself failed: {report['error']}")
    output = str(report.get("output", ""))[-4000:]
    if output:
        lines += ["", "Test output (tail):", output]
    lines += [
        "",
        f"Fix the implementation in: {code_file}",
        f"so that the tests pass. Do not change {test_file}.",
    ]
    return "\n".join(lines) + "\n"


def _unproven_prompt(
    code_file: str, test_file: str, reason: str, round_number: int, rounds: int
) -> str:
    """The tests the agent wrote pass even without the code: ask for tests that test it."""
    lines = [
        f"The unit tests in {test_file} pass, but they also pass when {code_file} does not "
        f"exist, so they do not test it (fix round {round_number} of {rounds}).",
        f"Found: {reason}",
        "",
        f"Rewrite {test_file} so that it imports the component and checks its behaviour "
        "as the design document describes: every test must fail without the implementation "
        "and pass with it.",
        f"The implementation is in: {code_file} (keep it correct).",
    ]
    return "\n".join(lines) + "\n"
