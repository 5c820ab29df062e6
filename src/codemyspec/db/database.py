"""Opening a database: engine, migrations applied on first open, and transactions."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from codemyspec.db.errors import database_reason
from codemyspec.errors import ConfigurationError, PersistenceError

DATABASE_URL_ENV = "CODEMYSPEC_DATABASE_URL"
MIGRATIONS = Path(__file__).parent / "migrations"
# A server runs up to 40 requests at once (the thread pool FastAPI's sync routes share);
# each holds one connection, so the pool has room for all of them instead of queueing.
SERVER_POOL = {"pool_size": 10, "max_overflow": 30, "pool_pre_ping": True}
READ_ONLY = "codemyspec_read_only"
"""The execution option of a unit of work's connection that only reads (see ``_begin``)."""


def database_url(default_path: Path) -> str:
    """``CODEMYSPEC_DATABASE_URL`` if set, else a SQLite file at ``default_path``."""
    return os.environ.get(DATABASE_URL_ENV) or f"sqlite:///{default_path}"


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite emits BEGIN only before DML, so a SAVEPOINT opened first starts the
    # transaction itself and its RELEASE commits it; SQLAlchemy emits BEGIN instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL + NORMAL survives a killed process intact; only an OS crash may lose the last commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin(connection: Any) -> None:
    # A unit of work that writes takes the write lock up front (IMMEDIATE), so it never reads
    # a snapshot it later cannot write from (SQLITE_BUSY_SNAPSHOT); concurrent writers wait
    # busy_timeout. One that only reads takes no lock: a deferred BEGIN reads one snapshot,
    # which in WAL mode neither waits for a writer nor holds one up.
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def newest_revision() -> str | None:
    """The newest migration's revision, read from the file names (``0007_typed_commands.py``
    is revision ``0007``, which a test holds every migration to) without loading Alembic."""
    found = [p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py")]
    return max(found, default=None)


def _at_newest(engine: Engine) -> bool:
    """The database already has the newest schema (a new one has no ``alembic_version``)."""
    try:
        with engine.connect() as connection:
            stored = list(connection.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:
        return False
    return stored == [newest_revision()]


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (a no-op when it is there).

    Whether it is there is checked first without Alembic, which takes a quarter of a
    second to import: every command line run opens the database, few need a migration.
    """
    if _at_newest(engine):
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Database:
    """One engine and its session factory; built by the composition root, never at import."""

    def __init__(self, url: str, *, apply_migrations: bool = True) -> None:
        self.url = url
        try:
            options = {} if url.startswith("sqlite") else SERVER_POOL
            self.engine = create_engine(url, **options)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise ConfigurationError(f"cannot open database {url!r}: {exc}") from exc
        # SQLite lets one writer in at a time and makes the others sleep in its busy handler
        # (1, 2, 5 … up to 100 ms a nap), so this process's writers queue here instead and
        # the next one starts the moment the last commits. Other processes still wait on
        # SQLite's busy_timeout. A server database has row locks and needs none of this.
        self._writers: AbstractContextManager[object] = nullcontext()
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _enable_sqlite_foreign_keys)
            event.listen(self.engine, "begin", _begin)
            self._writers = threading.RLock()
        if apply_migrations:
            try:
                migrate(self.engine)
            except SQLAlchemyError as exc:
                raise ConfigurationError(f"cannot migrate database {url!r}: {exc}") from exc
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        # The same pool and listeners; its connections say that they only read.
        reader = self.engine.execution_options(**{READ_ONLY: True})
        self.read_session_factory = sessionmaker(reader, expire_on_commit=False)

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Session]:
        """One unit of work: commits when the block ends, rolls back if it raises.

        ``read_only``: the block only reads, so on SQLite it takes no write lock; a write
        in it may then fail (``SQLITE_BUSY_SNAPSHOT``) rather than wait.

        Repositories translate the errors of their writes; what is left (a read the
        database fails, a commit it refuses) is translated here, so none escapes raw.
        """
        try:
            factory = self.read_session_factory if read_only else self.session_factory
            with nullcontext() if read_only else self._writers, factory.begin() as orm:
                yield orm
        except SQLAlchemyError as exc:
            raise PersistenceError(f"the database failed: {database_reason(exc)}") from exc

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
