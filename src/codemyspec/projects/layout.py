"""Where a project keeps its code and tests: path templates, a language's defaults, the roots.

A template is a relative path with placeholders, all underscored: ``{package}`` (the
project's package), ``{module}`` (every segment of the module name, ``billing/invoice``),
``{context}`` (every segment but the last, ``billing``) and ``{component}`` (the last,
``invoice``). ``Billing.Invoice`` in package ``shop`` under the Python defaults is
``src/shop/billing/invoice.py``, tested by ``tests/billing/test_invoice.py``.
"""

from __future__ import annotations

import string
from pathlib import PurePosixPath

from pydantic import BaseModel, ConfigDict, Field, field_validator

from codemyspec.errors import ValidationError

PLACEHOLDERS = frozenset({"package", "module", "context", "component"})
#: A stored path or template: ``components.code_path`` and ``test_path`` are ``VARCHAR(500)``.
MAX_PATH = 500


def check_relative_path(value: str, what: str, *, max_length: int | None = MAX_PATH) -> str:
    """A relative ``/``-separated path that stays inside the project root."""
    path = PurePosixPath(value)
    if max_length is not None and len(value) > max_length:
        raise ValidationError(f"{what} {value[:80]!r}...: over {max_length} characters")
    if (
        not value.strip()
        or "\x00" in value
        or "\\" in value
        or path.is_absolute()
        or ".." in path.parts
    ):
        raise ValidationError(
            f"{what} {value[:80]!r} must be a relative path inside the project root "
            "(no leading /, no .., no backslashes)"
        )
    return value


def _check_template(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    check_relative_path(value, what)
    try:
        names = {field for _, field, _, _ in string.Formatter().parse(value) if field is not None}
    except ValueError as exc:
        raise ValidationError(f"{what} {value!r} is not a template: {exc}") from None
    if unknown := sorted(names - PLACEHOLDERS):
        known = ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS))
        raise ValidationError(f"{what} {value!r}: unknown placeholder {{{unknown[0]}}} ({known})")
    return value


class Layout(BaseModel):
    """``[layout]``: templates for a component's code and test files (the profile's when
    unset); a context's own module has templates of its own. A Python context's module
    defaults to the ``__init__.py`` of the package its components' code is in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str | None = None
    test: str | None = None
    context_code: str | None = None
    context_test: str | None = None
    source_root: str | None = Field(default=None, description="where imports start")

    @field_validator("code", "test", "context_code", "context_test")
    @classmethod
    def _templates(cls, value: str | None, info: object) -> str | None:
        name = getattr(info, "field_name", "template")
        return _check_template(value, f"layout.{name}")

    @field_validator("source_root")
    @classmethod
    def _root(cls, value: str | None) -> str | None:
        return None if value is None else check_relative_path(value, "layout.source_root")


def render(template: str, *, package: str, parts: list[str], what: str) -> PurePosixPath:
    """``template`` filled for the module whose underscored segments are ``parts``."""
    path = PurePosixPath(
        template.format(
            package=package,
            module="/".join(parts),
            context="/".join(parts[:-1]),
            component=parts[-1],
        )
    )
    return PurePosixPath(check_relative_path(str(path), what, max_length=None))


def template_root(template: str) -> PurePosixPath:
    """The folder a template's paths all start in: what comes before its first placeholder."""
    head = template.split("{", 1)[0]
    folder = head if head.endswith("/") else head.rpartition("/")[0]
    return PurePosixPath(folder or ".")


def layout_source_root(layout: Layout) -> PurePosixPath:
    """Where the package's imports start: set, or what precedes ``{package}`` in ``code``."""
    if layout.source_root is not None:
        return PurePosixPath(layout.source_root)
    code = layout.code or ""
    if "{package}" not in code:
        return PurePosixPath(".")
    return template_root(code.split("{package}", 1)[0] + "{package}")
