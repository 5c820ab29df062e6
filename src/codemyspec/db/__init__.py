"""Persistence: the typed tables, opening a database, and its unit of work."""

from codemyspec.db.database import DATABASE_URL_ENV, Database, database_url, migrate
from codemyspec.db.errors import database_reason, is_unique_violation, refused_writes
from codemyspec.db.models import (
    AccountRow,
    ApiTokenRow,
    Base,
    ComponentRow,
    InteractionRow,
    MembershipRow,
    ProjectRow,
    SessionRow,
    UserRow,
)
from codemyspec.db.notifications import LISTENER_NAME, Backoff, NotificationListener, notify

__all__ = [
    "DATABASE_URL_ENV",
    "LISTENER_NAME",
    "AccountRow",
    "ApiTokenRow",
    "Backoff",
    "Base",
    "ComponentRow",
    "Database",
    "InteractionRow",
    "MembershipRow",
    "NotificationListener",
    "ProjectRow",
    "SessionRow",
    "UserRow",
    "database_reason",
    "database_url",
    "is_unique_violation",
    "migrate",
    "notify",
    "refused_writes",
]
