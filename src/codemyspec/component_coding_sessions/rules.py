"""Coding rules for a type of component: the repository's own, else the ones codemyspec ships.

``docs/rules/<type>.md`` in the repository wins, even empty (an empty file means "no
rules"); without it the agent gets the profile's defaults, ``rules/<language>/<type>.md`` in
this package, read like code shipped with the tool (never the project's files). A
coordination context gets the context's rules; a type with no file of its own, none.

The shipped rules speak of Phoenix's placeholder app, ``MyApp`` in ``lib/my_app/``, as its
guides do; the agent reads them with the project's own names (``Shop``, ``lib/shop/``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from codemyspec.projects import Language, Project, app_module

RULES_DIR = "docs/rules"
#: Types that share another type's shipped rules.
_SHARED = {"coordination_context": "context"}


@dataclass(frozen=True, slots=True)
class CodingRules:
    """The rules' text, and where they come from (a repository path, or codemyspec's)."""

    text: str
    source: str


def repository_rules_path(kind: str) -> str:
    """``docs/rules/<type>.md``: where a repository keeps its own rules for a type."""
    return f"{RULES_DIR}/{kind}.md"


@cache
def shipped_rules(language: Language, kind: str) -> str | None:
    """The rules codemyspec ships for a type in a language profile, or None."""
    folder = files("codemyspec.component_coding_sessions") / "rules" / language.value
    for name in dict.fromkeys([kind, _SHARED.get(kind, kind)]):
        shipped = folder / f"{name}.md"
        if shipped.is_file():
            return shipped.read_text(encoding="utf-8")
    return None


def coding_rules(
    read: Callable[[str], str | None], project: Project, kind: str
) -> CodingRules | None:
    """The rules for ``kind``: the repository's (through ``read``: what the runner read),
    else the shipped ones in the project's names, else None."""
    path = repository_rules_path(kind)
    own = read(path)
    if own is not None:
        return CodingRules(own, path)
    shipped = shipped_rules(project.language, kind)
    if shipped is None:
        return None
    named = shipped.replace("MyApp", app_module(project)).replace("my_app", project.package)
    source = f"codemyspec's {project.language.value} rules for {kind} components"
    return CodingRules(named, source)
