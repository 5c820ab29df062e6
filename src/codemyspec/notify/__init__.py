"""Notifications: tell a person when a run needs them or completed (``[notify]``)."""

from codemyspec.notify.delivery import Notifier, Sending, Targets, post_webhook, run_command
from codemyspec.notify.models import (
    Delivered,
    Notification,
    NotifyEvent,
    NotifyState,
    Reason,
    ReasonKind,
)
from codemyspec.notify.reasons import needs_person_reasons, notification_for

__all__ = [
    "Delivered",
    "Notification",
    "Notifier",
    "NotifyEvent",
    "NotifyState",
    "Reason",
    "ReasonKind",
    "Sending",
    "Targets",
    "needs_person_reasons",
    "notification_for",
    "post_webhook",
    "run_command",
]
