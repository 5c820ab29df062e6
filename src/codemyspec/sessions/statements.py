"""The engine's hot statements, built once as Core statements with bind parameters.

Every ``next_command`` and ``handle_result`` runs a few of these. Built per call (and
through the ORM) they cost more than the database does: constructing the query, its
cache key, the ORM's identity map and eager loaders. Built once, SQLAlchemy compiles each
only once, and a call only binds its values.
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Insert,
    Select,
    Table,
    Update,
    bindparam,
    exists,
    insert,
    or_,
    select,
    update,
)

from codemyspec.db import ComponentRow, InteractionRow, ProjectRow, SessionRow

SESSIONS = cast(Table, SessionRow.__table__)
COMPONENTS = cast(Table, ComponentRow.__table__)
PROJECTS = cast(Table, ProjectRow.__table__)
INTERACTIONS = cast(Table, InteractionRow.__table__)


def _in_scope(in_project: bool) -> list[ColumnElement[bool]]:
    """The session ``:sid`` in the caller's ``:account`` (and ``:project``); no bind is
    named as a column, which an UPDATE's SET reserves."""
    where = [SESSIONS.c.id == bindparam("sid"), SESSIONS.c.account_id == bindparam("account")]
    if in_project:
        where.append(SESSIONS.c.project_id == bindparam("project"))
    return where


@cache
def session_select(in_project: bool) -> Select[Any]:
    """One session in scope, its component's and project's columns after its own, then
    whether it has children (most have none: their select is then skipped)."""
    joined = SESSIONS.outerjoin(COMPONENTS, COMPONENTS.c.id == SESSIONS.c.component_id).outerjoin(
        PROJECTS, PROJECTS.c.id == SESSIONS.c.project_id
    )
    child = SESSIONS.alias("child")
    has_children = exists().where(child.c.session_id == SESSIONS.c.id).label("has_children")
    return (
        select(*SESSIONS.c, *COMPONENTS.c, *PROJECTS.c, has_children)
        .select_from(joined)
        .where(*_in_scope(in_project))
    )


@cache
def exists_select(in_project: bool) -> Select[Any]:
    """The session's id when it is in scope."""
    return select(SESSIONS.c.id).where(*_in_scope(in_project))


@cache
def interactions_select() -> Select[Any]:
    """The interactions of session ``:id``'s attempt ``:attempt``, newest first."""
    return (
        select(*INTERACTIONS.c)
        .where(
            INTERACTIONS.c.session_id == bindparam("id"),
            INTERACTIONS.c.attempt == bindparam("attempt"),
        )
        .order_by(INTERACTIONS.c.id.desc())
    )


@cache
def children_select() -> Select[Any]:
    """The children of session ``:id``, oldest first, each with its component's columns."""
    joined = SESSIONS.outerjoin(COMPONENTS, COMPONENTS.c.id == SESSIONS.c.component_id)
    return (
        select(*SESSIONS.c, *COMPONENTS.c)
        .select_from(joined)
        .where(SESSIONS.c.session_id == bindparam("id"))
        .order_by(SESSIONS.c.id)
    )


@cache
def sessions_update(columns: tuple[str, ...]) -> Update:
    """Set ``columns`` (each bound as ``:b_<column>``) of session ``:b_id``."""
    values = {name: bindparam(f"b_{name}", type_=SESSIONS.c[name].type) for name in columns}
    return update(SESSIONS).where(SESSIONS.c.id == bindparam("b_id")).values(values)


@cache
def sessions_insert() -> Insert:
    """New sessions, in one statement, returning what their events name."""
    returned = (SESSIONS.c.id, SESSIONS.c.session_id, SESSIONS.c.status)
    return insert(SESSIONS).returning(*returned)


@cache
def interaction_insert() -> Insert:
    return insert(INTERACTIONS)


@cache
def result_update() -> Update:
    """Store interaction ``:b_id``'s result once: only while it has none."""
    return (
        update(INTERACTIONS)
        .where(
            INTERACTIONS.c.id == bindparam("b_id"),
            INTERACTIONS.c.session_id == bindparam("b_session"),
            INTERACTIONS.c.completed_at.is_(None),
        )
        .values(
            result=bindparam("b_result", type_=INTERACTIONS.c.result.type),
            completed_at=bindparam("b_completed_at", type_=INTERACTIONS.c.completed_at.type),
        )
    )


@cache
def claim_update(in_project: bool, take_over: bool) -> Update:
    """Claim the session in scope for ``:holder`` until ``:until`` when it is free: nobody
    holds it, ``:holder`` does, the lease ran out before ``:now`` (or ``:dead`` holds it)."""
    free = [
        SESSIONS.c.claimed_by.is_(None),
        SESSIONS.c.claimed_by == bindparam("holder"),
        SESSIONS.c.claim_expires_at < bindparam("now", type_=SESSIONS.c.claim_expires_at.type),
    ]
    if take_over:
        free.append(SESSIONS.c.claimed_by == bindparam("dead"))
    return (
        update(SESSIONS)
        .where(*_in_scope(in_project), or_(*free))
        .values(
            claimed_by=bindparam("holder"),
            claim_expires_at=bindparam("until", type_=SESSIONS.c.claim_expires_at.type),
        )
    )


@cache
def release_update(in_project: bool) -> Update:
    """Give up ``:holder``'s claim on the session in scope; another's claim stays. The
    expiry stays too: the dispatcher waits out the last lease (``dispatch_queue``)."""
    return (
        update(SESSIONS)
        .where(*_in_scope(in_project), SESSIONS.c.claimed_by == bindparam("holder"))
        .values(claimed_by=None)
    )
