"""The prompts an agent gets: write a component from its design, then fix failing tests.

Both prompts are bounded whatever the files and test runs hold: every part that grows with
its input is cut to a limit below, and a cut says so. A cut file (the design doc, the coding
rules) is named, and the agent is told to read all of it from its working directory. With
names and paths as long as codemyspec accepts (module names of 400 characters), a
GenerateImplementation prompt is at most ``MAX_GENERATE_PROMPT_CHARS`` characters and a
FixTestFailures prompt at most ``MAX_FIX_PROMPT_CHARS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from codemyspec.component_coding_sessions.wording import wording
from codemyspec.components import Component
from codemyspec.context_coding_sessions import Repair
from codemyspec.projects import ComponentPaths, Project, full_module_name

#: Characters of the design doc in the prompt: a dozen pages of prose go in whole.
DESIGN_TEXT_LIMIT = 48_000
#: Characters of the coding rules (``docs/rules/<type>.md``, or codemyspec's) in the prompt.
RULES_LIMIT = 16_000
#: Characters of the stored description; the design doc holds all of it.
DESCRIPTION_LIMIT = 2_000
#: Sibling dependencies named in the prompt; the design doc's ``## Dependencies`` has them all.
LISTED_DEPENDENCIES = 30
#: Other components' files named as off limits (each path at most ``TEST_ID_LIMIT``).
LISTED_OTHERS = 30
#: Failing tests (and collection errors) named in a fix prompt, and how much of each.
LISTED_FAILURES = 20
TEST_ID_LIMIT = 300
FAILURE_MESSAGE_LIMIT = 1_000
#: The last characters of the test run's output.
OUTPUT_TAIL = 4_000
#: Any other line a test report adds (its summary, why the run failed, why tests are unproven).
NOTE_LIMIT = 1_000
#: What those limits keep each prompt under, with room for names and paths at their longest.
MAX_GENERATE_PROMPT_CHARS = 100_000
MAX_FIX_PROMPT_CHARS = 40_000


@dataclass(frozen=True, slots=True)
class ImplementationBrief:
    """Everything the agent needs to write one component."""

    project: Project
    component: Component
    paths: ComponentPaths
    design_text: str | None
    test_file_exists: bool
    rules: str | None
    rules_path: str
    dependencies: list[str]
    #: Other components' files (code and tests), which their own sessions write.
    others: list[str] = field(default_factory=list)
    #: Where the agent may add helper modules and fixtures of its own.
    roots: list[str] = field(default_factory=list)
    #: It writes the context's own module, from its components' finished work.
    context_module: bool = False


def _clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marked when cut."""
    return text if len(text) <= limit else f"{text[:limit]} [… cut at {limit} characters]"


def _file_text(text: str, limit: int, path: str) -> str:
    """A file's text for the prompt: whole when it fits, else its start and where the rest is."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return (
        f"{text[:limit]}\n\n[Cut here: this is the first {limit} of {len(text)} characters of "
        f"`{path}`. Read the whole file in your working directory before you write code.]"
    )


def generate_prompt(brief: ImplementationBrief) -> str:
    """The GenerateImplementation prompt, in the words of the project's language."""
    c, paths = brief.component, brief.paths
    words = wording(brief.project, c.module_name, paths)
    what = (
        f"the context {words.module}'s own module (its public API), now that its components "
        "are implemented in your working directory,"
        if brief.context_module
        else "one component"
    )
    lines = [
        f"You are implementing {what} of the project '{brief.project.name}' {words.project}.",
        "",
        "## Component",
        f"- name: {c.name}",
        f"- module: {words.module}",
        f"- type: {c.type.value}",
    ]
    if c.description:
        lines.append(f"- description: {_clip(c.description, DESCRIPTION_LIMIT)}")
    lines += ["", f"## Design document ({paths.design})", ""]
    lines.append(
        _file_text(brief.design_text, DESIGN_TEXT_LIMIT, str(paths.design))
        if brief.design_text
        else f"(not attached: read `{paths.design}` in your working directory first)"
    )
    lines += ["", "## Files", words.write_code]
    lines.append(words.tests_exist if brief.test_file_exists else words.tests_new)
    uses = [full_module_name(brief.project, name) for name in brief.dependencies]
    lines += _dependency_lines(uses, str(paths.design))
    lines += _boundary_lines(brief.others, brief.roots)
    if brief.rules:
        rules = _file_text(brief.rules, RULES_LIMIT, brief.rules_path)
        lines += ["", f"## Coding rules for {c.type.value} components", "", rules]
    lines += ["", words.run_tests]
    return "\n".join(lines) + "\n"


def _boundary_lines(others: list[str], roots: list[str]) -> list[str]:
    """What the agent may add, and what it may not touch (a run that does is refused)."""
    if not roots:
        return []
    where = ", ".join(f"{root}/" for root in roots)
    lines = [
        f"- you may add helper modules or test fixtures of this component under {where}; "
        "change no file outside those folders",
    ]
    if others:
        lines.append(
            "- do not create or change other components' files (their sessions write them):"
        )
        lines += [f"  - {_clip(path, TEST_ID_LIMIT)}" for path in others[:LISTED_OTHERS]]
        if len(others) > LISTED_OTHERS:
            lines.append(f"  - … and {len(others) - LISTED_OTHERS} more")
    return lines


def _dependency_lines(dependencies: list[str], design: str) -> list[str]:
    if not dependencies:
        return []
    lines = ["- it uses these sibling components, already implemented: "]
    lines += [f"  - {name}" for name in dependencies[:LISTED_DEPENDENCIES]]
    if len(dependencies) > LISTED_DEPENDENCIES:
        more = len(dependencies) - LISTED_DEPENDENCIES
        lines.append(f"  - … and {more} more, listed under ## Dependencies in {design}")
    return lines


def _failure_lines(report: dict[str, Any]) -> list[str]:
    """One line per collection error and failing test, the first ``LISTED_FAILURES`` of them."""
    found = [
        (str(error.get("path")), " cannot be collected: ", str(error.get("message")))
        for error in report.get("collection_errors", [])
    ]
    cases = report.get("failed_cases", [])
    found += [(str(case.get("test_id")), ": ", str(case.get("message"))) for case in cases]
    lines = [
        f"- {_clip(name, TEST_ID_LIMIT)}{joint}{_clip(message, FAILURE_MESSAGE_LIMIT)}"
        for name, joint, message in found[:LISTED_FAILURES]
    ]
    if len(found) > LISTED_FAILURES:
        lines.append(f"- … and {len(found) - LISTED_FAILURES} more; run the tests to see them all")
    return lines


def fix_prompt(
    code_file: str, test_file: str, report: dict[str, Any], round_number: int, rounds: int
) -> str:
    """The FixTestFailures prompt: the failures of the last run, in the same conversation."""
    if report.get("unproven"):
        return _unproven_prompt(code_file, test_file, str(report["unproven"]), round_number, rounds)
    lines = [
        f"The unit tests in {test_file} fail (fix round {round_number} of {rounds}).",
        f"Summary: {_clip(str(report.get('summary', 'unknown')), NOTE_LIMIT)}",
        "",
        "Failures:",
        *_failure_lines(report),
    ]
    if report.get("error"):
        lines.append(f"- the run itself failed: {_clip(str(report['error']), NOTE_LIMIT)}")
    output = str(report.get("output", ""))
    if output:
        shown = output[-OUTPUT_TAIL:]
        cut = f", its last {OUTPUT_TAIL} of {len(output)} characters" if shown != output else ""
        lines += ["", f"Test output (tail{cut}):", shown]
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
        f"Found: {_clip(reason, NOTE_LIMIT)}",
        "",
        f"Rewrite {test_file} so that it uses the component and checks its behaviour "
        "as the design document describes: every test must fail without the implementation "
        "and pass with it.",
        f"The implementation is in: {code_file} (keep it correct).",
    ]
    return "\n".join(lines) + "\n"


def repair_prompt(
    code_file: str, test_file: str, repair: Repair, round_number: int, rounds: int
) -> str:
    """The repair round's prompt: this component passed alone, but in the integrated tree
    (now the working directory) its changes break other components' tests."""
    lines = [
        "Your component passed its own tests, but combined with the other components of the "
        f"context its changes break their tests (fix round {round_number} of {rounds}).",
        "Found by trying the components' changes one by one: "
        f"{_clip(repair.findings(), NOTE_LIMIT)}",
        "",
        "Failing in the integrated tree (your working directory has all the components now):",
    ]
    failures = [case for culprit in repair.culprits for case in culprit.failures]
    lines += [
        f"- {_clip(case.test_id, TEST_ID_LIMIT)}: {_clip(case.message, FAILURE_MESSAGE_LIMIT)}"
        for case in failures[:LISTED_FAILURES]
    ]
    broken = [name for culprit in repair.culprits for name in culprit.breaks]
    lines += [f"- {_clip(name, TEST_ID_LIMIT)}" for name in broken[:LISTED_FAILURES]]
    files = ", ".join(repair.test_files[:LISTED_OTHERS])
    lines += [
        "",
        f"Change this component's code ({code_file}, or the helper files it added) so that "
        f"{test_file} and {files} all pass. Do not change any test file of another component, "
        f"nor {test_file}.",
    ]
    return "\n".join(lines) + "\n"
