"""The tests validation runs beyond the components' own, found on the base tree, and how
they ran there (the baseline validation tells "already failing" from "broken" by).

They are the context's own tests, the test files in its test folder (``tests/billing/``,
``test/shop/billing/``, per the layout) and its own module's test file that are no
component's, and the files and folders ``[validation] tests`` names.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

from codemyspec.components import Component, component_files
from codemyspec.context_coding_sessions import BaselineRun, whole_file_error
from codemyspec.environments import run_each
from codemyspec.errors import ConfigurationError
from codemyspec.projects import Language, Project, project_layout, underscore
from codemyspec.shell import Shell

#: The names a test runner collects by default: pytest's ``test_*.py``/``*_test.py``, ExUnit's.
TEST_NAMES = {Language.PYTHON: ("test_*.py", "*_test.py"), Language.ELIXIR: ("*_test.exs",)}
#: Stands for a component's name while the layout's test template is filled for the context.
_ANY = "\x00component\x00"


def context_test_folder(project: Project, context: Component) -> PurePosixPath | None:
    """Where the layout puts the tests of the context's components (``tests/billing``)."""
    parts = [underscore(s) for s in context.module_name.split(".")]
    template = str(project_layout(project).test)
    path = template.format(
        package=project.package,
        module="/".join([*parts, _ANY]),
        context="/".join(parts),
        component=_ANY,
    )
    folder = PurePosixPath(path.split(_ANY, 1)[0].rpartition("/")[0])
    return None if str(folder) in ("", ".") else folder


def _test_files(project: Project, root: Path, folder: PurePosixPath) -> list[str]:
    patterns = TEST_NAMES[project.language]
    return sorted(
        str(path.relative_to(root).as_posix())
        for path in (root / folder).rglob("*")
        if path.is_file() and any(fnmatch(path.name, p) for p in patterns)
    )


def validation_tests(
    project: Project,
    root: Path,
    context: Component,
    writers: Sequence[Component],
    configured: Sequence[str],
) -> list[str]:
    """The context's own test files and the configured ones on the tree at ``root``, but
    no test file of ``writers`` (the context's components: those are validated as theirs).

    Raises ``ConfigurationError`` naming every configured path that does not exist.
    """
    if missing := [p for p in configured if not (root / p).exists()]:
        raise ConfigurationError(
            "[validation] tests names what does not exist in "
            f"{root}: {', '.join(missing)} (files or folders, relative to the root)"
        )
    found: list[str] = []
    if (folder := context_test_folder(project, context)) is not None:
        found += _test_files(project, root, folder)
    own = str(component_files(context, project).test)
    found += [own] if (root / own).is_file() else []
    for path in configured:
        posix = PurePosixPath(path)
        found += _test_files(project, root, posix) if (root / path).is_dir() else [str(posix)]
    components = {str(component_files(c, project).test) for c in writers}
    return [t for t in dict.fromkeys(found) if t not in components]


def baseline_runs(
    project: Project, root: Path, shell: Shell, tests: Sequence[str], *, timeout: float
) -> dict[str, BaselineRun]:
    """How each of ``tests`` runs on the tree at ``root``: its failing tests' ids, or why
    none of them ran (a file that cannot be collected there is recorded, not refused)."""
    reports = run_each(project, root, shell, list(tests), timeout=timeout)
    return {
        test: BaselineRun(
            failing=[c.test_id for c in suite.failed_cases],
            error=whole_file_error(suite),
            summary=suite.summary(),
        )
        for test, suite in reports.items()
    }
