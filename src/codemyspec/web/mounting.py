"""Adding the dashboard to an app: its routers, ``/static``, and what steers its buttons."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from codemyspec.web import pages, signin_pages, steering_pages
from codemyspec.web.settings import Dashboard

STATIC = Path(__file__).parent / "static"


def mount_dashboard(api: FastAPI, dashboard: Dashboard | None = None) -> None:
    """The pages on ``api`` (which holds the ``App`` in ``state.codemyspec``); without a
    ``dashboard``, steered by the service layer as under ``codemyspec serve``."""
    api.state.dashboard = dashboard
    api.include_router(signin_pages.router)
    api.include_router(pages.router)  # before steering's, whose ``{action}`` would take /live
    api.include_router(steering_pages.router)
    api.mount("/static", StaticFiles(directory=STATIC), name="static")
