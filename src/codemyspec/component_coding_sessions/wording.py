"""How a prompt speaks of the project's language: module names, test files, the test command.

An Elixir agent is told the module's full name (``Shop.Billing.Ledger``; the design docs
leave the app module out), that its tests are ExUnit tests, and the ``mix test`` command
that runs them; a Python agent hears of packages and unit tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from codemyspec.environments import command_for_test_file
from codemyspec.projects import ComponentPaths, Language, Project, app_module, full_module_name

#: Characters of the test command named in the prompt (a project's test_command may be long).
COMMAND_LIMIT = 1_000


@dataclass(frozen=True, slots=True)
class Wording:
    """The lines of a GenerateImplementation prompt that depend on the language."""

    project: str
    module: str
    write_code: str
    tests_exist: str
    tests_new: str
    run_tests: str


def wording(project: Project, module_name: str, paths: ComponentPaths) -> Wording:
    """The language's wording for the module ``module_name`` written to ``paths``."""
    if project.language is Language.ELIXIR:
        return _elixir(project, module_name, paths)
    return Wording(
        project=f"({project.language.value}, package '{project.package}')",
        module=module_name,
        write_code=f"- write the implementation in: {paths.code}",
        tests_exist=(
            f"- the unit tests already exist in: {paths.test} — read them, make them pass, "
            "and do NOT change that file."
        ),
        tests_new=(
            f"- write the unit tests in: {paths.test}, from the design document's test assertions."
        ),
        run_tests="Run the unit tests to check your work before you finish.",
    )


def _elixir(project: Project, module_name: str, paths: ComponentPaths) -> Wording:
    full = full_module_name(project, module_name)
    command = command_for_test_file(project, str(paths.test))
    if len(command) > COMMAND_LIMIT:
        command = f"{command[:COMMAND_LIMIT]} [… cut at {COMMAND_LIMIT} characters]"
    return Wording(
        project=f"(Elixir, app module {app_module(project)})",
        module=full,
        write_code=f"- write the implementation in: {paths.code} (module {full})",
        tests_exist=(
            f"- its ExUnit tests already exist in: {paths.test} — read them, make them pass, "
            "and do NOT change that file."
        ),
        tests_new=(
            f"- write its ExUnit tests in: {paths.test} (module {full}Test), from the design "
            "document's test assertions."
        ),
        run_tests=(
            f"Run its tests with `{command}` to check your work before you finish; fix any "
            "compiler warning in the files you wrote."
        ),
    )
