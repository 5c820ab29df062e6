"""Refuse at sync two components that would share a file or a branch, before a run trips on it.

``Accounts.Money`` and ``Accounts.MONEY`` are one code file, one test file and one branch on
a case-insensitive filesystem (macOS, Windows), where git fails late on a ref lock. Two
children of one context whose names have the same slug (``Billing.Finalize`` and
``Billing.Steps.Finalize``) get one child branch, ``<context branch>--finalize``, anywhere.
The file checks catch explicit ``code``/``test`` rows and ``[layout]`` templates that put two
components in one file. Paths are compared case-folded.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from codemyspec.component_coding_sessions import child_branch_name
from codemyspec.components import Component, ComponentType, component_files
from codemyspec.context_coding_sessions import seed_branch_name
from codemyspec.design_docs.parser import ContextDoc, location_error
from codemyspec.projects import Project

#: (what is shared, its key once case-folded, how the error says it)
_Claim = tuple[str, str, str]
#: (module name, doc path, line, what it claims)
_Entry = tuple[str, str, int, list[_Claim]]


def _as_synced(
    module_name: str, kind: ComponentType, code: str | None = None, test: str | None = None
) -> Component:
    """The component as sync will store it, for the functions that name its files and branch."""
    name = module_name.rsplit(".", 1)[-1]
    return Component(
        id=0,
        account_id=0,
        project_id=0,
        name=name,
        module_name=module_name,
        type=kind,
        code_path=code,
        test_path=test,
    )


def _claims(project: Project, component: Component, branch: str) -> list[_Claim]:
    """What a component takes for itself: its files, its branch, its name's spelling."""
    paths = component_files(component, project)
    own = (
        "the context's own tests: set [layout] context_test, or "
        if component.type.is_context
        else ""
    )
    test_hint = f" ({own}give the component its own `| test |` row)" if own else ""
    return [
        (
            "name",
            component.module_name.casefold(),
            "differ only by case: on a case-insensitive filesystem their files and branches "
            "would be one",
        ),
        ("code", paths.code.as_posix().casefold(), f"map to one code file, {paths.code}"),
        (
            "test",
            paths.test.as_posix().casefold(),
            f"map to one test file, {paths.test}{test_hint}",
        ),
        ("branch", branch.casefold(), f"would work on one branch, {branch}"),
    ]


def _entries(project: Project, docs: Sequence[ContextDoc]) -> Iterator[_Entry]:
    for doc in docs:
        context = _as_synced(doc.module_name, ComponentType.CONTEXT)
        parent_branch = seed_branch_name(context)
        yield doc.module_name, doc.path, doc.line, _claims(project, context, parent_branch)
        for spec in doc.components:
            child = _as_synced(spec.module_name, spec.type, spec.code_path, spec.test_path)
            claims = _claims(project, child, child_branch_name(parent_branch, child))
            yield spec.module_name, spec.path, spec.line, claims


def check_collisions(project: Project, docs: Sequence[ContextDoc]) -> None:
    """Raise, naming both components and where each is written, at the first shared claim."""
    holders: dict[tuple[str, str], tuple[str, str, int, str]] = {}
    for name, path, line, claims in _entries(project, docs):
        for kind, key, shared in claims:
            held = holders.setdefault((kind, key), (name, path, line, shared))
            first, first_path, first_line, first_shared = held
            if first != name:
                # The longer text carries a hint (a context's own test file) where there is one.
                said = max(shared, first_shared, key=len)
                raise location_error(
                    path, line, f"{name!r} and {first!r} ({first_path}:{first_line}) {said}"
                )
