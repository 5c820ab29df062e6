"""The service layer: the use cases on sessions that the command line and the API share.

``SessionsApi`` declares every operation once (``ROUTES`` says where the API serves each);
``SessionsService`` is the in-process implementation the composition root builds.
"""

from codemyspec.service_layer.context_sessions import (
    QUEUE_NAME,
    ContextPlan,
    ContextStart,
    is_context_root,
    pick_context,
    select_components,
    unfinished_error,
)
from codemyspec.service_layer.dispatching import (
    DEFAULT_MAX_JOINS,
    DEFAULT_SWEEP_SECONDS,
    NO_BROKER,
    Dispatch,
    DispatchLoop,
    DispatchSignal,
    Sender,
)
from codemyspec.service_layer.operations import CANCELLED_BY_USER, ROUTES, Route, SessionsApi
from codemyspec.service_layer.progress import context_progress, progress_line, with_progress
from codemyspec.service_layer.service import SessionsService

__all__ = [
    "CANCELLED_BY_USER",
    "DEFAULT_MAX_JOINS",
    "DEFAULT_SWEEP_SECONDS",
    "NO_BROKER",
    "QUEUE_NAME",
    "ROUTES",
    "ContextPlan",
    "ContextStart",
    "Dispatch",
    "DispatchLoop",
    "DispatchSignal",
    "Route",
    "Sender",
    "SessionsApi",
    "SessionsService",
    "context_progress",
    "is_context_root",
    "pick_context",
    "progress_line",
    "select_components",
    "unfinished_error",
    "with_progress",
]
