"""Starting a context session: which context, whether it may start, the session it starts.

The engine-side checks of ``implement``, shared by the command line and the API: the
context exists by name and has components, and it has no unfinished session. The checks
that need the user's own working tree (git, untracked files, the agent program) stay with
the runner, which passes what they found (the baseline, whether the context module is
written) in ``ContextStart``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from codemyspec.components import Component, ComponentType
from codemyspec.context_coding_sessions import (
    FRESH_BRANCH_KEY,
    WRITE_CONTEXT_MODULE_KEY,
    FlakyTests,
    RunLimits,
    ValidationPlan,
    check_template,
)
from codemyspec.context_coding_sessions import SESSION_TYPE as CONTEXT_SESSION_TYPE
from codemyspec.errors import NotFoundError, ValidationError
from codemyspec.sessions import ExecutionMode, Session, SessionAttrs, SessionStatus

UNFINISHED = (SessionStatus.ACTIVE, SessionStatus.FAILED)
#: A queue's name: what ``codemyspec worker --queues`` lists (``python``, ``elixir``, ...).
QUEUE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
COMMIT_SHA = r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$"
ModuleName = Annotated[str, Field(min_length=1, max_length=200)]


class ContextPlan(BaseModel):
    """A context about to be implemented: itself, its components and its root sessions."""

    model_config = ConfigDict(frozen=True)

    context: Component
    components: list[Component]
    sessions: list[Session] = Field(default_factory=list)

    @property
    def unfinished(self) -> Session | None:
        """The context's session still to be resumed, retried or cancelled, if any."""
        return next((s for s in self.sessions if s.status in UNFINISHED), None)

    @property
    def newest(self) -> Session | None:
        return max(self.sessions, key=lambda s: s.id, default=None)


class ContextStart(BaseModel):
    """What starts a context session: the context's name and how the runner will run it."""

    model_config = ConfigDict(extra="forbid")

    context: str = Field(min_length=1, max_length=200)
    agent: str | None = Field(default=None, max_length=100)
    max_fix_rounds: int = Field(default=3, ge=0)
    push: bool = True
    fresh: bool = False
    write_context_module: bool = False
    baseline: dict[str, str] = Field(default_factory=dict)
    #: Pre-flight's proof that a test file fails without its code: its sha256 (by path).
    red_proven: dict[str, str] = Field(default_factory=dict)
    #: The context's own and configured tests, their baseline and ``[validation]
    #: preexisting_failures``: kept in the state, so a server judges them as the runner would.
    validation_plan: ValidationPlan = Field(default_factory=ValidationPlan)
    #: ``[validation] flaky_tests``: whether a test that passes only on a re-run may pass.
    flaky_tests: FlakyTests = FlakyTests.FAIL
    #: ``implement --detach``: the server's workers run it, on ``queue`` (by default the
    #: project's language), from ``base_commit`` of the project's remote ``code_repo``.
    detach: bool = False
    queue: str | None = Field(default=None, pattern=QUEUE_NAME)
    base_commit: str | None = Field(default=None, pattern=COMMIT_SHA)
    code_repo: str | None = Field(default=None, min_length=1, max_length=2000)
    # --- [forge] pull requests (issue 18, item 6) ---
    #: ``[forge] pull_request``: the forge CLI's argv template run after Finalize pushed,
    #: and the branch the session starts from (its ``{base}``).
    pull_request: list[str] | None = Field(default=None, max_length=100)
    pull_request_base: str | None = Field(default=None, min_length=1, max_length=250)

    @field_validator("pull_request")
    @classmethod
    def _known_placeholders(cls, argv: list[str] | None) -> list[str] | None:
        return None if argv is None else check_template(argv)

    #: ``--budget``/``--deadline`` (or ``[runner]``'s): enforced across all its children.
    limits: RunLimits = Field(default_factory=RunLimits)
    #: ``implement --only``: the module names of the components to implement (empty: all).
    only: list[ModuleName] = Field(default_factory=list, max_length=1000)


def pick_context(components: list[Component], name: str) -> ContextPlan:
    """The context named ``name`` (module name, any case) among ``components``, and its own."""
    contexts = [c for c in components if c.type is ComponentType.CONTEXT]
    match = [c for c in contexts if c.module_name == name] or [
        c for c in contexts if name.lower() in (c.module_name.lower(), c.name.lower())
    ]
    if not match:
        known = ", ".join(sorted(c.module_name for c in contexts))
        hint = f"known contexts: {known}" if known else "no contexts yet: run `codemyspec sync`"
        raise NotFoundError(f"unknown context {name!r}; {hint}")
    context = match[0]
    children = [c for c in components if c.parent_component_id == context.id]
    if not children:
        raise ValidationError(
            f"context {context.module_name} has no components: list them under "
            "## Components in its design doc, then run `codemyspec sync`"
        )
    return ContextPlan(context=context, components=children)


def is_context_root(session: Session) -> bool:
    """A context coding session of its own (not a child of another session)."""
    return session.type == CONTEXT_SESSION_TYPE and session.session_id is None


def unfinished_error(session: Session, context: Component, ref: str) -> ValidationError:
    """The refusal of a second session for a context; ``ref`` names the first in commands."""
    return ValidationError(
        f"session {session.id} for {context.module_name} is unfinished "
        f"({session.status.value}): `codemyspec sessions resume {ref}` "
        f"continues it, `codemyspec sessions retry {ref}` re-runs its failed "
        f"components, `codemyspec sessions cancel {ref}` abandons it"
    )


def context_session_attrs(plan: ContextPlan, start: ContextStart, project_id: int) -> SessionAttrs:
    """The new session's row: the context, the agent, and the run's settings as its state."""
    return SessionAttrs(
        type=CONTEXT_SESSION_TYPE,
        component_id=plan.context.id,
        project_id=project_id,
        execution_mode=ExecutionMode.AGENTIC,
        agent=start.agent,
        state={
            "max_fix_rounds": start.max_fix_rounds,
            "push": start.push,
            FRESH_BRANCH_KEY: start.fresh,
            WRITE_CONTEXT_MODULE_KEY: start.write_context_module,
            "baseline": start.baseline,
            "red_proven": start.red_proven,
            "validation_plan": start.validation_plan.model_dump(mode="json"),
            "flaky_tests": start.flaky_tests.value,
            "base_commit": start.base_commit,
            "pull_request": start.pull_request,
            "pull_request_base": start.pull_request_base,
            "limits": start.limits.model_dump(mode="json", exclude_none=True),
            "only": start.only,
        },
    )


def select_components(plan: ContextPlan, names: list[str]) -> list[Component]:
    """The components ``names`` picks (module names or short names, any case; a name may
    hold several, comma-separated), in the context's order; refuses an unknown or no name."""
    wanted = [n.strip() for name in names for n in name.split(",") if n.strip()]
    if not wanted:
        raise ValidationError(
            f"--only names no component of {plan.context.module_name}: "
            f"list some of {_known(plan)}, comma-separated"
        )
    picked: set[int] = set()
    for name in wanted:
        found = [c for c in plan.components if c.module_name == name] or [
            c
            for c in plan.components
            if name.lower() in (c.module_name.lower(), c.name.lower(), _short(c).lower())
        ]
        if not found:
            raise ValidationError(
                f"--only: {name!r} is not a component of {plan.context.module_name}; "
                f"its components: {_known(plan)}"
            )
        picked.add(found[0].id)
    return [c for c in in_order(plan.components) if c.id in picked]


def in_order(components: list[Component]) -> list[Component]:
    """The order a context's children run in: highest priority first (none last), by name."""
    return sorted(components, key=lambda c: (c.priority is None, -(c.priority or 0), c.name))


def check_only(plan: ContextPlan, only: list[str]) -> list[str]:
    """``only`` as stored: each a module name of one of the context's components, once."""
    known = {c.module_name for c in plan.components}
    if unknown := [name for name in only if name not in known]:
        raise ValidationError(
            f"only: {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not a "
            f"component of {plan.context.module_name}; its components: {_known(plan)}"
        )
    return list(dict.fromkeys(only))


def _short(component: Component) -> str:
    return component.module_name.rsplit(".", 1)[-1]


def _known(plan: ContextPlan) -> str:
    return ", ".join(c.module_name for c in in_order(plan.components))
