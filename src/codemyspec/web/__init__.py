"""The web dashboard: pages to watch and steer sessions, served by the API's app.

``mount_dashboard`` adds the pages, their static files and the sign-in to a FastAPI app;
``Steering`` is what the retry, resume and cancel buttons call (``ServerSteering`` under
``codemyspec serve``; ``LocalSteering`` under ``codemyspec dashboard``, which also relays
other processes' changes of its SQLite database with ``LocalChanges``).
"""

from codemyspec.web.local_changes import LocalChanges
from codemyspec.web.local_steering import LocalRun, LocalSteering
from codemyspec.web.mounting import mount_dashboard
from codemyspec.web.settings import Dashboard
from codemyspec.web.signin import SESSION_COOKIE, OneTimeToken, csrf_token
from codemyspec.web.steering import Action, ServerSteering, Steering

__all__ = [
    "SESSION_COOKIE",
    "Action",
    "Dashboard",
    "LocalChanges",
    "LocalRun",
    "LocalSteering",
    "OneTimeToken",
    "ServerSteering",
    "Steering",
    "csrf_token",
    "mount_dashboard",
]
