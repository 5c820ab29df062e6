"""How a project's module names are spelled as files, and the app module they start with."""

from __future__ import annotations

import re

from codemyspec.projects.models import Project

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def underscore(segment: str) -> str:
    """``InvoiceCalculator`` → ``invoice_calculator``, ``APIClient`` → ``api_client``."""
    return _WORD_BOUNDARY.sub("_", segment).lower()


def camelize(package: str) -> str:
    """``my_shop`` → ``MyShop``: the module an app's package name stands for."""
    return "".join(part.capitalize() for part in package.split("_"))


def app_module(project: Project) -> str:
    """The module the app's own modules start with: ``Shop`` as mix.exs names it (Elixir), or
    the package camelized. ``Shop.Billing`` in a design doc is the context ``Billing``."""
    return project.app_module or camelize(project.package)
