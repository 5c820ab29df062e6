"""Language profiles: where a component's design, code and test files live.

``Billing.InvoiceCalculator`` in package ``shop`` is ``src/shop/billing/invoice_calculator.py``
for Python and ``lib/shop/billing/invoice_calculator.ex`` for Elixir, whose ``ShopWeb.*``
modules live in ``lib/shop_web/`` (see ``elixir``), unless the project's ``[layout]`` or the
component's design doc says otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from codemyspec.errors import ValidationError
from codemyspec.projects.elixir import web_paths
from codemyspec.projects.layout import (
    Layout,
    check_relative_path,
    layout_source_root,
    render,
    template_root,
)
from codemyspec.projects.models import Language, Project
from codemyspec.projects.names import underscore

MODULE_SEGMENT = re.compile(r"^[A-Z][A-Za-z0-9]*$")
#: ``components.module_name`` is a ``VARCHAR(400)``, which PostgreSQL enforces.
MAX_MODULE_NAME = 400


def validate_module_name(module_name: str) -> str:
    """Accept ``Context.Component`` names made of CamelCase segments, nothing else."""
    if len(module_name) > MAX_MODULE_NAME:
        raise ValidationError(
            f"invalid module name {module_name[:40]!r}...: over {MAX_MODULE_NAME} characters"
        )
    segments = module_name.split(".")
    if not module_name or not all(MODULE_SEGMENT.match(segment) for segment in segments):
        raise ValidationError(
            f"invalid module name {module_name!r}: expected dot-separated CamelCase segments "
            "such as 'Billing.InvoiceCalculator'"
        )
    return module_name


@dataclass(frozen=True, slots=True)
class ComponentPaths:
    """A component's files, relative to the project root."""

    design: PurePosixPath
    code: PurePosixPath
    test: PurePosixPath


DEFAULT_LAYOUTS = {
    Language.PYTHON: Layout(
        code="src/{package}/{module}.py",
        test="tests/{context}/test_{component}.py",
        context_test="tests/{context}/test_{component}.py",
    ),
    Language.ELIXIR: Layout(
        code="lib/{package}/{module}.ex",
        test="test/{package}/{module}_test.exs",
        context_code="lib/{package}/{module}.ex",
        context_test="test/{package}/{module}_test.exs",
    ),
}


def effective_layout(language: Language, layout: Layout | None) -> Layout:
    """The project's templates, each unset one taken from the language's defaults."""
    default = DEFAULT_LAYOUTS[language]
    if layout is None:
        return default
    chosen = {k: v for k, v in layout.model_dump().items() if v is not None}
    if "code" in chosen and "context_code" not in chosen and language is Language.ELIXIR:
        chosen["context_code"] = chosen["code"]
    if "test" in chosen and "context_test" not in chosen:
        chosen["context_test"] = chosen["test"]
    return default.model_copy(update=chosen)


def project_layout(project: Project) -> Layout:
    """The templates this project's paths are made from."""
    return effective_layout(project.language, project.layout)


def _set_by_project(project: Project, *, is_context: bool) -> tuple[bool, bool]:
    """Whether the project's own ``[layout]`` places this module's code, and its test."""
    own = project.layout or Layout()
    code, test = (own.context_code or own.code, own.context_test or own.test)
    if not is_context:
        code, test = own.code, own.test
    return code is not None, test is not None


def component_paths(
    project: Project,
    module_name: str,
    *,
    is_context: bool,
    kind: str = "other",
    code: str | None = None,
    test: str | None = None,
) -> ComponentPaths:
    """The design, code and test paths of a module: ``code``/``test`` when the design doc
    names them, else the project's ``[layout]``, else the profile's defaults (for an
    Elixir web module, Phoenix's folder for its ``kind``, the component's type)."""
    parts = [underscore(segment) for segment in validate_module_name(module_name).split(".")]
    layout = project_layout(project)
    what = f"module {module_name!r}"

    def fill(template: str | None, module: list[str] = parts) -> PurePosixPath:
        return render(str(template), package=project.package, parts=module, what=what)

    design = PurePosixPath(project.design_root, project.package, *parts).with_suffix(".md")
    web = web_paths(project, module_name, kind)
    own_code, own_test = _set_by_project(project, is_context=is_context)
    if code is not None:
        code_path = PurePosixPath(check_relative_path(code, f"{what}: code"))
    elif web is not None and not own_code:
        code_path = web[0]
    elif not is_context:
        code_path = fill(layout.code)
    elif layout.context_code is not None:
        code_path = fill(layout.context_code)
    else:  # the __init__.py of the package its components' code is in
        code_path = fill(layout.code, [*parts, "component"]).parent / "__init__.py"
    if test is not None:
        test_path = PurePosixPath(check_relative_path(test, f"{what}: test"))
    elif web is not None and not own_test:
        test_path = web[1]
    else:
        test_path = fill(layout.context_test if is_context else layout.test)
    return ComponentPaths(design=_inside(design, what), code=code_path, test=test_path)


def _inside(path: PurePosixPath, what: str) -> PurePosixPath:
    if path.is_absolute() or ".." in path.parts:
        raise ValidationError(f"{what} maps outside the project root: {path}")
    return path


def source_root(project: Project) -> PurePosixPath:
    """The folder the package's code lives under: tests import the code under test from it."""
    return layout_source_root(project_layout(project))


def test_root(project: Project) -> PurePosixPath:
    """The folder the tests live under (the source root when they sit beside the code)."""
    layout = project_layout(project)
    root = template_root(str(layout.test))
    return source_root(project) if root == PurePosixPath(".") else root
