"""The Elixir profile's own knowledge: what mix.exs says, and Phoenix's web layer.

A Phoenix app ``shop`` keeps its core in ``lib/shop/`` (modules ``Shop.*``) and its web
layer in ``lib/shop_web/`` (modules ``ShopWeb.*``), in a folder per kind of module:
``ShopWeb.UserLive`` is ``lib/shop_web/live/user_live.ex``, tested by
``test/shop_web/live/user_live_test.exs``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath

from codemyspec.projects.models import Language, Project
from codemyspec.projects.names import app_module, underscore

MIX_FILE = "mix.exs"
#: What ``projects.app_module`` holds.
MAX_APP_MODULE = 100
#: The folder of ``lib/<app>_web/`` (and ``test/<app>_web/``) each web kind lives in, as
#: ``mix phx.new`` and its generators lay them out; other kinds sit in ``lib/<app>_web/``.
WEB_FOLDERS: Mapping[str, str] = {
    "liveview": "live",
    "controller": "controllers",
    "html": "controllers",
    "json": "controllers",
    "component": "components",
    "channel": "channels",
}

_MIX_MODULE = re.compile(
    r"^\s*defmodule\s+([A-Z][A-Za-z0-9]*(?:\.[A-Z][A-Za-z0-9]*)*)\.Mix(?:Project|file)\s+do\b",
    re.MULTILINE,
)
_MIX_APP = re.compile(r"\bapp:\s*:([a-z_][a-z0-9_]*)\b")


def mix_app_module(mix_exs: str) -> str | None:
    """``Shop`` from ``defmodule Shop.MixProject do``; None when mix.exs does not say."""
    found = _MIX_MODULE.search(mix_exs)
    return found[1] if found and len(found[1]) <= MAX_APP_MODULE else None


def mix_app(mix_exs: str) -> str | None:
    """``shop`` from ``app: :shop``: the OTP app, which names ``lib/shop/``."""
    found = _MIX_APP.search(mix_exs)
    return found[1] if found else None


def web_module(project: Project, module_name: str) -> list[str] | None:
    """The segments after ``<App>Web`` of a module of an Elixir project's web layer (empty
    for ``ShopWeb`` itself), or None for any other module."""
    web = f"{app_module(project)}Web"
    if project.language is not Language.ELIXIR:
        return None
    if module_name == web:
        return []
    if not module_name.startswith(f"{web}."):
        return None
    return module_name.removeprefix(f"{web}.").split(".")


def web_paths(
    project: Project, module_name: str, kind: str
) -> tuple[PurePosixPath, PurePosixPath] | None:
    """Where Phoenix keeps a web module and its test, or None when it is no web module."""
    rest = web_module(project, module_name)
    if rest is None:
        return None
    web = f"{project.package}_web"
    if not rest:  # the web layer's own module, with `use ShopWeb, :live_view` and the like
        return PurePosixPath(f"lib/{web}.ex"), PurePosixPath(f"test/{web}_test.exs")
    folder = [WEB_FOLDERS[kind]] if kind in WEB_FOLDERS else []
    module = "/".join([*folder, *(underscore(segment) for segment in rest)])
    code, test = PurePosixPath("lib", web, f"{module}.ex"), PurePosixPath("test", web, module)
    return code, test.with_name(f"{test.name}_test.exs")


def full_module_name(project: Project, module_name: str) -> str:
    """The name the code uses: Elixir's carries the app module (``Billing.Ledger`` is
    ``Shop.Billing.Ledger``; ``ShopWeb.UserLive`` already is); Python's is as written."""
    if project.language is not Language.ELIXIR:
        return module_name
    app = app_module(project)
    if web_module(project, module_name) is not None:
        return module_name
    if module_name == app or module_name.startswith(f"{app}."):
        return module_name
    return f"{app}.{module_name}"
