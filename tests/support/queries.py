"""The SQL statements an app sends while a block runs, to count round trips, not time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from codemyspec.bootstrap import App


@contextmanager
def counting_queries(app: App) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(app.database.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(app.database.engine, "before_cursor_execute", count)
