"""Server-sent events: a client watches a session and its children change, without polling.

A stream sends, each with an increasing ``id``:

- ``snapshot``: the session as it stands (a ``Session``), sent first;
- every ``SessionEvent`` of the session or of one of its children, under its kind
  (``session_updated``, ``interaction_started``, ...);
- ``child_finished`` after a child's ``session_updated`` to a terminal status;
- ``session_finished`` after the session's own ``session_updated`` to a terminal status,
  and then the stream ends (it also ends after ``session_deleted`` of the session, or right
  after the snapshot of a session that is already terminal).

On PostgreSQL the events written by other server processes arrive too (``App.relay_events``,
started with the API), and go through the same account filter as this process's own.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from codemyspec.api.auth import AppDep, CallerScope
from codemyspec.api.errors import error_responses
from codemyspec.api.inputs import CheckedRoute
from codemyspec.api.params import ProjectFilter, SessionId
from codemyspec.api.scoping import narrowed
from codemyspec.bootstrap import App
from codemyspec.errors import NotFoundError
from codemyspec.scope import Scope
from codemyspec.sessions import EventKind, SessionEvent, SessionStatus

SNAPSHOT = "snapshot"
CHILD_FINISHED = "child_finished"
SESSION_FINISHED = "session_finished"
PING_SECONDS = 15

router = APIRouter(route_class=CheckedRoute)


def watched_scope(
    session_id: SessionId, scope: CallerScope, app: AppDep, project_id: ProjectFilter = None
) -> Scope:
    """The caller's scope that holds the session, checked before a stream starts (401, 404)."""
    session_scope = narrowed(scope, project_id, app)
    app.sessions.get_session(session_scope, session_id)
    return session_scope


WatchedScope = Annotated[Scope, Depends(watched_scope)]


def _finishes(event: SessionEvent) -> bool:
    """An update to a terminal status: that session's run is over."""
    return (
        event.kind is EventKind.SESSION_UPDATED
        and event.status is not None
        and SessionStatus(event.status).is_terminal
    )


def _concerns(event: SessionEvent, scope: Scope, session_id: int) -> bool:
    """The event is about the watched session or one of its children, in the caller's account."""
    return event.account_id == scope.account_id and session_id in (
        event.session_id,
        event.parent_session_id,
    )


def _names_for(event: SessionEvent, session_id: int) -> tuple[str, ...]:
    """The SSE event names one session event is sent under, in order."""
    if not _finishes(event):
        return (event.kind.value,)
    finished = SESSION_FINISHED if event.session_id == session_id else CHILD_FINISHED
    return (event.kind.value, finished)


def _ends_stream(event: SessionEvent, session_id: int) -> bool:
    """Nothing more will happen to the watched session once it is terminal or deleted."""
    own = event.session_id == session_id
    return own and (_finishes(event) or event.kind is EventKind.SESSION_DELETED)


async def _messages(app: App, scope: Scope, session_id: int) -> AsyncIterator[ServerSentEvent]:
    """The snapshot, then the watched events as they are published, until the session ends."""
    loop = asyncio.get_running_loop()
    arrivals: asyncio.Queue[SessionEvent] = asyncio.Queue()
    numbers = itertools.count(1)

    def forward(event: SessionEvent) -> None:
        # Publishers run in worker threads; only the loop's own thread may touch the queue.
        if _concerns(event, scope, session_id):
            loop.call_soon_threadsafe(arrivals.put_nowait, event)

    unsubscribe = app.events.subscribe(forward)
    try:
        # Read after subscribing, so no change falls between the snapshot and the live events.
        try:
            snapshot = await run_in_threadpool(app.sessions.get_session, scope, session_id)
        except NotFoundError:
            return  # deleted since the route checked it: there is nothing left to watch
        yield ServerSentEvent(snapshot.model_dump_json(), event=SNAPSHOT, id=str(next(numbers)))
        if snapshot.status.is_terminal:
            return
        while True:
            event = await arrivals.get()
            data = event.model_dump_json()
            for name in _names_for(event, session_id):
                yield ServerSentEvent(data, event=name, id=str(next(numbers)))
            if _ends_stream(event, session_id):
                return
    finally:
        unsubscribe()


@router.get(
    "/api/sessions/{session_id}/events",
    response_class=EventSourceResponse,
    tags=["sessions"],
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": (
                "Server-sent events: `snapshot` (the session), then each change of the session "
                "or its children under its kind (`session_created`, `session_updated`, "
                "`interaction_started`, `interaction_finished`, ...), `child_finished` when a "
                "child reaches a terminal status, and `session_finished` when the session does, "
                "after which the stream ends. `data` is JSON; `id` counts up per stream."
            ),
        },
        **error_responses(401, 404, 422),
    },
)
async def watch_session(
    session_id: SessionId, scope: WatchedScope, app: AppDep
) -> EventSourceResponse:
    """Stream the session's and its children's changes until the session is over."""
    return EventSourceResponse(_messages(app, scope, session_id), ping=PING_SECONDS)
