"""``implement --only``: which components a run implements, checked before anything is made.

A run implements the components ``--only`` names, or, after complete ``--only`` sessions
(and no complete full session since), the components they did not cover: the rest. A
component whose dependency this run does not implement needs that dependency complete at
HEAD (its code and test file committed), so its worktree, made from the branch, has it.
The context's own module, when missing, is written by the run that leaves no component
unimplemented.
"""

from __future__ import annotations

from dataclasses import dataclass

from codemyspec.cli.git import Git
from codemyspec.components import Component, component_files
from codemyspec.context_coding_sessions import ContextState
from codemyspec.errors import ValidationError
from codemyspec.projects import Project
from codemyspec.service_layer import ContextPlan, is_context_root, select_components
from codemyspec.sessions import Session, SessionStatus


@dataclass(frozen=True)
class Subset:
    """The components a run implements; ``only`` is what its session records (empty: all)."""

    components: list[Component]
    only: list[str]


def covered(sessions: list[Session], context: Component) -> dict[str, int]:
    """Each component a complete ``--only`` session implemented on the context's branch since
    its newest complete full (or ``--fresh``) session (by module name: that session's id)."""
    complete = sorted(
        (
            s
            for s in sessions
            if is_context_root(s)
            and s.component_id == context.id
            and s.status is SessionStatus.COMPLETE
        ),
        key=lambda s: s.id,
    )
    done: dict[str, int] = {}
    for session in complete:
        state = ContextState.of(session)
        if not state.only or state.fresh_branch:  # a full run, or one on a branch of its own
            done = {}
        else:
            done.update(dict.fromkeys(state.only, session.id))
    return done


def run_subset(plan: ContextPlan, only: list[str] | None, *, fresh: bool) -> Subset:
    """What the run implements: ``--only``'s components, else those earlier ``--only``
    sessions left; refuses components they implemented already (``--fresh`` starts over)."""
    done = {} if fresh else covered(plan.sessions, plan.context)
    if only is not None:
        chosen = select_components(plan, only)
        if again := [c.module_name for c in chosen if c.module_name in done]:
            by = sorted({done[name] for name in again})
            raise ValidationError(
                f"{', '.join(again)} {'is' if len(again) == 1 else 'are'} implemented already "
                f"(session {', '.join(map(str, by))}): leave {'it' if len(again) == 1 else 'them'} "
                f"out of --only, or `codemyspec implement {plan.context.module_name} --fresh` "
                "implements the context again on a new branch"
            )
    else:
        chosen = [c for c in plan.components if c.module_name not in done]
        if not chosen:
            ids = ", ".join(map(str, sorted(set(done.values()))))
            raise ValidationError(
                f"{plan.context.module_name} is implemented already: every component was "
                f"implemented by --only sessions ({ids}); `codemyspec implement "
                f"{plan.context.module_name} --fresh` implements it again on a new branch"
            )
    partial = len(chosen) < len(plan.components)
    return Subset(chosen, [c.module_name for c in chosen] if partial else [])


def committed(git: Git, project: Project, components: list[Component]) -> set[str]:
    """The components (by module name) whose code and test file are both in HEAD's tree."""
    paths = {c.module_name: component_files(c, project) for c in components}
    wanted = [str(p) for files in paths.values() for p in (files.code, files.test)]
    if not wanted:
        return set()
    listed = git("ls-tree", "-r", "-z", "--name-only", "HEAD", "--", *wanted).stdout
    present = set(filter(None, listed.split("\0")))
    return {name for name, files in paths.items() if {str(files.code), str(files.test)} <= present}


def check_dependencies(git: Git, project: Project, plan: ContextPlan, subset: Subset) -> bool:
    """Each component's dependency among the context's components is in the run or complete
    at HEAD; returns whether every component not in the run is (the context's own module
    may then be written)."""
    if not subset.only:
        return True
    chosen = {c.module_name for c in subset.components}
    others = [c for c in plan.components if c.module_name not in chosen]
    present = committed(git, project, others)
    by_name = {c.module_name: c for c in others}
    for component in subset.components:
        for name in component.dependencies:
            if name in by_name and name not in present:
                files = component_files(by_name[name], project)
                raise ValidationError(
                    f"{component.module_name} depends on {name}, which is neither among the "
                    f"components this run implements nor complete at HEAD ({files.code} and "
                    f"{files.test} committed): add {name} to --only, or implement it first"
                )
    return len(present) == len(others)
