"""Databases at an older Alembic revision, holding rows as an older codemyspec wrote them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from codemyspec.db import Database
from codemyspec.db.database import MIGRATIONS

FIXTURES = Path(__file__).parents[1] / "fixtures"
#: A real session recorded by codemyspec at 2cb0083 (schema 0006); its ``_about`` says how.
RECORDED_0006 = FIXTURES / "recorded_0006.json"
TABLES = ("accounts", "projects", "components", "sessions", "interactions")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migration(revision: str) -> ModuleType:
    """The module of one migration, as Alembic loads it."""
    script = ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    assert script is not None and script.module is not None
    return script.module


def move_to(url: str, revision: str, *, down: bool = False, stamp: bool = False) -> None:
    """Upgrade (or downgrade, or only stamp) the database at ``url`` to ``revision``."""
    database = Database(url, apply_migrations=False)
    try:
        config = alembic_config()
        with database.engine.begin() as connection:
            config.attributes["connection"] = connection
            if stamp:
                command.stamp(config, revision, purge=True)
            elif down:
                command.downgrade(config, revision)
            else:
                command.upgrade(config, revision)
    finally:
        database.dispose()


def recorded_rows() -> dict[str, list[dict[str, Any]]]:
    """The recorded tables' rows, JSON columns as objects, datetimes as text."""
    recorded = json.loads(RECORDED_0006.read_text(encoding="utf-8"))
    return {table: recorded[table] for table in TABLES}


def insert_rows(url: str, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Insert ``rows`` as they are (ids included) into the tables the database has now."""
    database = Database(url, apply_migrations=False)
    try:
        with database.engine.begin() as connection:
            metadata = sa.MetaData()
            metadata.reflect(connection, only=list(rows))
            for table_name, table_rows in rows.items():
                table = metadata.tables[table_name]
                if table_rows:
                    connection.execute(table.insert(), [_typed(table, r) for r in table_rows])
    finally:
        database.dispose()


def _typed(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with its datetimes' text parsed, as the driver takes them on either database."""
    typed = dict(row)
    for column in table.columns:
        value = typed.get(column.name)
        if isinstance(column.type, sa.DateTime) and isinstance(value, str):
            typed[column.name] = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return typed


def stored_commands(url: str) -> dict[int, Any]:
    """Each interaction's command as the database holds it, by interaction id."""
    database = Database(url, apply_migrations=False)
    try:
        with database.engine.connect() as connection:
            metadata = sa.MetaData()
            metadata.reflect(connection, only=["interactions"])
            table = metadata.tables["interactions"]
            rows = connection.execute(sa.select(table.c.id, table.c.command)).all()
            return {row_id: command for row_id, command in rows}
    finally:
        database.dispose()
