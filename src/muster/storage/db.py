"""The database handle: one engine, `transaction()` for writers, `read()` for readers.

SQLite serialises writers itself; we make that explicit with BEGIN IMMEDIATE so a writer
takes the lock before it reads what it will change (no lost updates, no upgrade deadlocks),
and WAL lets readers run beside it. On PostgreSQL writers lock the rows they change
(`SELECT ... FOR UPDATE` in the storage helpers).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Insert, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from muster.errors import MusterError

_READ_ONLY = "muster_read_only"


class DatabaseUnavailable(MusterError):
    status = 503
    title = "Database unavailable"


class Database:
    """One engine per process; storage helpers take the Connection it yields."""

    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if not self.is_sqlite:
            kwargs.update(pool_size=pool_size, max_overflow=10, pool_pre_ping=True)
            # psycopg prepares a statement after a few runs, and PostgreSQL may then keep a
            # generic plan chosen while a table was small: an alert storm starts on an empty
            # table, and its batch lookups then scanned every alert. Plan each run for its
            # own values (still parsed once).
            kwargs["connect_args"] = {"options": "-c plan_cache_mode=force_custom_plan"}
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One atomic unit of work: commits when the block ends, rolls back on any error."""
        with translate_errors(), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A consistent read; takes no write lock."""
        with translate_errors(), self.engine.connect() as raw:
            options: dict[str, Any] = {_READ_ONLY: True}
            if not self.is_sqlite:  # one snapshot for every query of the read
                options["isolation_level"] = "REPEATABLE READ"
            conn = raw.execution_options(**options)
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def translate_errors() -> Iterator[None]:
    try:
        yield
    except OperationalError as error:
        raise DatabaseUnavailable(
            f"the database did not answer: {str(error.orig).strip().splitlines()[0]}",
            hint="check MUSTER_DATABASE_URL and that the database server is running",
        ) from error


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get(_READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def dialect_insert(conn: Connection, table: Table) -> Any:
    """An INSERT of the connection's dialect, for `on_conflict_do_...` (both databases have
    it; their two Insert classes share no type that has it)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def new_id(conn: Connection, statement: Insert) -> int:
    """Run an INSERT and return the new row's integer primary key."""
    key = conn.execute(statement).inserted_primary_key
    assert key is not None
    return int(key[0])
