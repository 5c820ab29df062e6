"""SQLAlchemy's exceptions as ours: repositories translate them, none leaves the persistence layer.

A repository wraps its writes in :func:`refused_writes`, naming what it was doing; the
message keeps the database's own first line (a trigger's words, a constraint's columns),
not SQLAlchemy's dump of the statement and its parameters. A duplicate the caller could
have avoided (a name taken) is a ``ValidationError``; anything else the database refuses
is a ``PersistenceError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from codemyspec.errors import PersistenceError, ValidationError

UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE unique_violation


def database_reason(exc: SQLAlchemyError) -> str:
    """What the database itself said, first line only."""
    said = str(exc.orig if isinstance(exc, DBAPIError) else exc).strip()
    return said.splitlines()[0] if said else type(exc).__name__


def is_unique_violation(exc: SQLAlchemyError) -> bool:
    """A unique index refused the row (SQLite's and PostgreSQL's own codes; a trigger's
    ``RAISE(ABORT)`` is an ``IntegrityError`` too, but not this)."""
    if not isinstance(exc, IntegrityError):
        return False
    original = exc.orig
    return (
        getattr(original, "sqlstate", None) == UNIQUE_VIOLATION
        or getattr(original, "sqlite_errorname", None) == "SQLITE_CONSTRAINT_UNIQUE"
    )


@contextmanager
def refused_writes(action: str, *, duplicate: str | None = None) -> Iterator[None]:
    """A write the database refuses becomes a ``PersistenceError``: ``could not <action>: …``;
    with ``duplicate``, a unique index's refusal is bad input: a ``ValidationError`` saying it."""
    try:
        yield
    except SQLAlchemyError as exc:
        if duplicate is not None and is_unique_violation(exc):
            raise ValidationError(duplicate) from exc
        raise PersistenceError(f"could not {action}: {database_reason(exc)}") from exc
