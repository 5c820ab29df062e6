"""Loading a session for the engine: three prebuilt Core selects, no ORM on the hot path.

``next_command`` and ``handle_result`` each load the session a step sees (its component,
project, current interactions and children). Through the ORM that was six statements and
most of an interaction's cost (building the queries, the identity map, eager loaders);
here it is one select of the session joined to its component and project, one of its
current attempt's interactions and, when it has any, one of its children with their
components. The
statements are ``statements``' prebuilt ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from codemyspec.commands import Result, parse_command
from codemyspec.components import Component
from codemyspec.errors import NotFoundError
from codemyspec.projects import Project
from codemyspec.scope import Scope
from codemyspec.sessions.models import Interaction, Session, SessionStatus
from codemyspec.sessions.statements import (
    COMPONENTS,
    INTERACTIONS,
    PROJECTS,
    SESSIONS,
    children_select,
    interactions_select,
    session_select,
)

_SESSION_NAMES = [c.name for c in SESSIONS.c]
_COMPONENT_NAMES = [c.name for c in COMPONENTS.c]
_PROJECT_NAMES = [c.name for c in PROJECTS.c]
_INTERACTION_NAMES = [c.name for c in INTERACTIONS.c]
_S, _C = len(_SESSION_NAMES), len(_COMPONENT_NAMES)


def scope_params(scope: Scope, session_id: int) -> dict[str, Any]:
    """The bind parameters of a scoped select of one session."""
    params: dict[str, Any] = {"sid": session_id, "account": scope.account_id}
    if scope.project_id is not None:
        params["project"] = scope.project_id
    return params


def interaction_of(values: Sequence[Any]) -> Interaction:
    """An interaction from a row of ``interactions`` (its columns in table order)."""
    row = dict(zip(_INTERACTION_NAMES, values, strict=True))
    return Interaction(
        id=row["id"],
        session_id=row["session_id"],
        step=row["step"],
        command=parse_command(row["command"], what=f"the command of interaction {row['id']}"),
        result=Result.model_validate(row["result"]) if row["result"] is not None else None,
        started_at=row["started_at"],
        completed_at=row["completed_at"],
    )


def _component(values: Sequence[Any]) -> Component | None:
    if values[0] is None:  # the outer join found none
        return None
    return Component.model_validate(dict(zip(_COMPONENT_NAMES, values, strict=True)))


def _project(values: Sequence[Any]) -> Project | None:
    if values[0] is None:
        return None
    return Project.model_validate(dict(zip(_PROJECT_NAMES, values, strict=True)))


def session_of(
    row: Sequence[Any],
    *,
    project: bool,
    interactions: list[Interaction] | None = None,
    children: list[Session] | None = None,
) -> Session:
    """A session from a row of ``sessions`` followed by its component's (and project's)."""
    values = dict(zip(_SESSION_NAMES, row[:_S], strict=True))
    values["state"] = dict(values["state"] or {})
    values["status"] = SessionStatus(values["status"])
    return Session(
        **values,
        component=_component(row[_S : _S + _C]),
        project=_project(row[_S + _C :]) if project else None,
        interactions=interactions or [],
        child_sessions=children or [],
    )


def load_session(connection: Connection, scope: Scope, session_id: int) -> Session:
    """The session with component, project, current interactions (newest first) and children;
    ``NotFoundError`` when it is not in ``scope``."""
    found = connection.execute(
        session_select(scope.project_id is not None), scope_params(scope, session_id)
    ).first()
    if found is None:
        raise NotFoundError(f"Session {session_id} not found")
    attempt = found[_SESSION_NAMES.index("attempt")]
    interactions = [
        interaction_of(r)
        for r in connection.execute(interactions_select(), {"id": session_id, "attempt": attempt})
    ]
    children = []
    if found[-1]:  # has_children
        rows = connection.execute(children_select(), {"id": session_id})
        children = [session_of(r, project=False) for r in rows]
    return session_of(found[:-1], project=True, interactions=interactions, children=children)
