"""What one app's pages are wired to: who steers, and how the dashboard signs in."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from codemyspec.bootstrap import App
from codemyspec.web.signin import OneTimeToken
from codemyspec.web.steering import ServerSteering, Steering


@dataclass(frozen=True, slots=True)
class Dashboard:
    """``steering`` does the buttons; ``one_time`` signs in once from the printed URL
    (``codemyspec dashboard``); ``remote``: the sessions' runners are elsewhere, so the
    commands the pages suggest name this server (``--server URL``)."""

    steering: Steering
    one_time: OneTimeToken | None = None
    remote: bool = True


def dashboard_of(request: Request) -> Dashboard:
    """The app's own, else ``codemyspec serve``'s: the service layer steers."""
    dashboard: Dashboard | None = request.app.state.dashboard
    if dashboard is None:
        app: App = request.app.state.codemyspec
        return Dashboard(ServerSteering(app.sessions))
    return dashboard


def server_of(request: Request) -> str | None:
    """This server's URL as a runner names it, when the commands must name it."""
    return str(request.base_url).rstrip("/") if dashboard_of(request).remote else None
