"""The shape of the code: facades with sorted ``__all__``, imports only through facades."""

from __future__ import annotations

import ast
import importlib
import typing
from pathlib import Path

import pytest

from codemyspec.sessions import ComponentReader, SessionReader, StepContext

SRC = Path(__file__).resolve().parents[2] / "src" / "codemyspec"
CONTEXT_PACKAGES = sorted(
    p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()
)


def _isort_key(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions: the order ruff keeps ``__all__`` in."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("package", CONTEXT_PACKAGES)
def test_every_facade_exports_a_sorted_all_of_names_that_exist(package: str) -> None:
    module = importlib.import_module(f"codemyspec.{package}")
    exported = module.__all__
    assert exported == sorted(exported, key=_isort_key), f"codemyspec.{package}.__all__ unsorted"
    for name in exported:
        assert hasattr(module, name), f"codemyspec.{package} does not define {name}"


@pytest.mark.parametrize("package", CONTEXT_PACKAGES)
def test_other_packages_are_imported_only_through_their_facade(package: str) -> None:
    offenders = []
    for path in (SRC / package).rglob("*.py"):
        for imported in _imports(path):
            parts = imported.split(".")
            if parts[0] != "codemyspec" or len(parts) < 3:
                continue
            if parts[1] != package and parts[1] in CONTEXT_PACKAGES:
                offenders.append(f"{path.relative_to(SRC)} imports {imported}")
    assert offenders == []


def test_the_orchestrator_is_pure_and_imports_no_database_or_adapter() -> None:
    forbidden = ("sqlalchemy", "codemyspec.db", "codemyspec.runner", "codemyspec.shell")
    orchestrator = SRC / "context_coding_sessions" / "orchestrator.py"
    leaks = [name for name in _imports(orchestrator) if name.startswith(forbidden)]
    assert leaks == []
    assert "subprocess" not in _imports(orchestrator)


def test_step_modules_fit_on_a_few_screens() -> None:
    for path in (SRC / "context_coding_sessions" / "steps").glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 150, path.name


def _imports_by_scope(path: Path) -> tuple[list[str], list[str]]:
    """A module's imports at its top level and those inside functions (made when called)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nested = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for inner in ast.walk(node)
    }
    top: list[str] = []
    lazy: list[str] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        (lazy if id(node) in nested else top).extend(names)
    return top, lazy


def test_only_the_demo_command_imports_the_scripted_model_and_only_when_it_runs() -> None:
    importers = {}
    for path in SRC.rglob("*.py"):
        top, lazy = _imports_by_scope(path)
        assert not [n for n in top if n.startswith("codemyspec_testing")], path
        if any(n.startswith("codemyspec_testing") for n in lazy):
            importers[str(path.relative_to(SRC))] = True
    assert list(importers) == ["cli/demo_command.py"]


def test_pytest_is_imported_only_by_the_probe_that_runs_inside_the_projects_pytest() -> None:
    probe = SRC / "environments" / "pytest_probe"
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if probe not in path.parents
        and any(n.split(".")[0] in ("pytest", "_pytest") for n in _imports(path))
    ]
    assert offenders == []


def _calls(path: Path) -> set[str]:
    """Names called in a module (``SubprocessShell()``, ``runner.GitWorktrees(...)``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    called = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called.add(func.id if isinstance(func, ast.Name) else getattr(func, "attr", ""))
    return called


def test_the_shell_and_git_worktrees_are_made_only_by_the_composition_root() -> None:
    makers = {
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if {"SubprocessShell", "GitWorktrees"} & _calls(path)
    }
    assert makers == {"bootstrap.py"}


WORKFLOWS = ("context_coding_sessions", "component_coding_sessions")
PURE_MODULES = sorted(
    path
    for workflow in WORKFLOWS
    for path in [SRC / workflow / "orchestrator.py", *(SRC / workflow / "steps").glob("*.py")]
)
IO_IMPORTS = (
    "subprocess",
    "shutil",
    "os",
    "pathlib",
    "sqlalchemy",
    "codemyspec.shell",
    "codemyspec.db",
    "codemyspec.runner",
    "codemyspec.agents",
)
IO_CALLS = {
    "open",
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "run",
    "run_tests",
    "exists",
    "is_file",
    "LocalWorkspace",
    "workspace",
}


def _used_names(path: Path) -> set[str]:
    """Every attribute the module reads and every name it calls."""
    used: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            used.add(node.func.id)
    return used


@pytest.mark.parametrize("path", PURE_MODULES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_steps_and_orchestrators_do_no_io_files_git_and_tests_are_commands(path: Path) -> None:
    imports = [name for name in _imports(path) if name.split(".")[0] in IO_IMPORTS]
    imports += [name for name in _imports(path) if name.startswith(IO_IMPORTS)]
    assert sorted(set(imports)) == []
    assert sorted(_used_names(path) & IO_CALLS) == []


def test_a_step_s_context_only_reads() -> None:
    """Steps judge; the engine writes. A step's changes are its outcome, the children it
    wants are listed in its command, so its context offers no write to call."""
    assert typing.get_type_hints(StepContext) == {
        "sessions": SessionReader,
        "components": ComponentReader,
    }
    reads = {"get", "get_by_module_name", "list_child_components"}
    for reader in (SessionReader, ComponentReader):
        offered = {name for name in vars(reader) if not name.startswith("_")}
        assert offered <= reads, f"{reader.__name__} offers {sorted(offered - reads)}"
