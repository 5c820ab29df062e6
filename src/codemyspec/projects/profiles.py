"""Language profiles: where a component's design, code and test files live, and how to test.

``Billing.InvoiceCalculator`` in package ``shop`` is ``src/shop/billing/invoice_calculator.py``
for Python and ``lib/shop/billing/invoice_calculator.ex`` for Elixir.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from codemyspec.errors import ValidationError
from codemyspec.projects.models import Language, Project

MODULE_SEGMENT = re.compile(r"^[A-Z][A-Za-z0-9]*$")
#: ``components.module_name`` is a ``VARCHAR(400)``, which PostgreSQL enforces.
MAX_MODULE_NAME = 400
_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


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


def underscore(segment: str) -> str:
    """``InvoiceCalculator`` → ``invoice_calculator``, ``APIClient`` → ``api_client``."""
    return _WORD_BOUNDARY.sub("_", segment).lower()


@dataclass(frozen=True, slots=True)
class ComponentPaths:
    """A component's files, relative to the project root."""

    design: PurePosixPath
    code: PurePosixPath
    test: PurePosixPath


def _checked(path: PurePosixPath, module_name: str) -> PurePosixPath:
    if path.is_absolute() or ".." in path.parts:
        raise ValidationError(f"module {module_name!r} maps outside the project root: {path}")
    return path


def component_paths(project: Project, module_name: str, *, is_context: bool) -> ComponentPaths:
    """The design, code and test paths for a module under the project's language profile."""
    parts = [underscore(segment) for segment in validate_module_name(module_name).split(".")]
    package = project.package
    design = PurePosixPath(project.design_root, package, *parts).with_suffix(".md")
    if project.language is Language.PYTHON:
        if is_context:
            code = PurePosixPath("src", package, *parts, "__init__.py")
        else:
            code = PurePosixPath("src", package, *parts).with_suffix(".py")
        test = PurePosixPath("tests", *parts[:-1], f"test_{parts[-1]}.py")
    else:
        code = PurePosixPath("lib", package, *parts).with_suffix(".ex")
        test = PurePosixPath("test", package, *parts[:-1], f"{parts[-1]}_test.exs")
    return ComponentPaths(
        design=_checked(design, module_name),
        code=_checked(code, module_name),
        test=_checked(test, module_name),
    )


def source_root(project: Project) -> PurePosixPath:
    """The folder the package's code lives under: tests import the code under test from it."""
    return PurePosixPath("src" if project.language is Language.PYTHON else "lib")
