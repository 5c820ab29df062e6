"""The HTML pages of the sessions: the list, one session, and its live part.

``/sessions/{id}/live`` is the session page's ``<main>`` alone: the page's script fetches it
and swaps it in when the session's event stream (``/api/sessions/{id}/events``) says
something changed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from codemyspec.clock import utcnow
from codemyspec.component_coding_sessions import total_agent_usage
from codemyspec.projects import MAX_INT
from codemyspec.sessions import Session
from codemyspec.web.rendering import PageRoute, page
from codemyspec.web.settings import dashboard_of, server_of
from codemyspec.web.signin import Visitor, app_of, visitor
from codemyspec.web.tree import cost, session_name
from codemyspec.web.views import outcome, session_view

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SessionId = Annotated[int, Path(ge=1, le=MAX_INT)]
SignedIn = Annotated[Visitor, Depends(visitor)]


@dataclass(frozen=True, slots=True)
class Row:
    """A root session in the list."""

    id: int
    name: str
    status: str
    outcome: str
    children: str
    cost: str
    started_at: str


def _row(session: Session) -> Row:
    counts = Counter(c.status.value for c in session.child_sessions)
    return Row(
        id=session.id,
        name=session_name(session),
        status=session.status.value,
        outcome=outcome(session),
        children=", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "-",
        cost=cost(total_agent_usage(session.child_sessions)),
        started_at=session.inserted_at.strftime("%Y-%m-%d %H:%M UTC"),
    )


@router.get("/sessions")
def sessions(request: Request, signed_in: SignedIn) -> Response:
    """The account's root sessions, newest first, under their projects."""
    trees = app_of(request).sessions.session_trees(signed_in.scope)
    projects: dict[str, list[Row]] = {}
    for tree in trees:
        name = tree.project.name if tree.project else "no project"
        projects.setdefault(name, []).append(_row(tree))
    return page(request, "sessions.html", visitor=signed_in, projects=projects)


def _view_of(request: Request, signed_in: Visitor, session_id: int) -> dict[str, Any]:
    tree = app_of(request).sessions.session_tree(signed_in.scope, session_id)
    steering = dashboard_of(request).steering
    view = session_view(tree, steering, utcnow(), server_of(request))
    return {"visitor": signed_in, "view": view}


@router.get("/sessions/{session_id}")
def session_page(request: Request, session_id: SessionId, signed_in: SignedIn) -> Response:
    """A session: its header, its children's tree and timelines, its validation report."""
    return page(request, "session.html", **_view_of(request, signed_in, session_id))


@router.get("/sessions/{session_id}/live")
def session_live(request: Request, session_id: SessionId, signed_in: SignedIn) -> Response:
    """The session page's main part alone, for the page's script to swap in."""
    return page(request, "session_main.html", **_view_of(request, signed_in, session_id))
