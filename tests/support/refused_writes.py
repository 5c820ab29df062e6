"""A real database trigger that refuses one kind of write, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from codemyspec.bootstrap import App


@contextmanager
def refusing_writes(app: App, name: str, when: str, table: str, message: str) -> Iterator[None]:
    """A real trigger that makes one kind of write fail with ``message``, dropped afterwards."""
    if app.database.engine.dialect.name == "postgresql":
        create = [
            f"CREATE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
            f"RAISE EXCEPTION '{message}'; END $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
        drop = [f"DROP TRIGGER {name} ON {table}", f"DROP FUNCTION {name}()"]
    else:
        create = [
            f"CREATE TRIGGER {name} {when} ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END"
        ]
        drop = [f"DROP TRIGGER {name}"]
    with app.database.engine.begin() as connection:
        for statement in create:
            connection.execute(text(statement))
    try:
        yield
    finally:
        with app.database.engine.begin() as connection:
            for statement in drop:
                connection.execute(text(statement))
